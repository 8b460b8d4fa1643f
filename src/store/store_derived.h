/* A server's OSCORE contexts established by EDHOC (store.h
 * store_credentials_add_derived): in memory, bounded, the oldest handed
 * back to the caller when a new one needs its place. Private to the store:
 * store_credentials holds one. */
#ifndef STORE_DERIVED_H
#define STORE_DERIVED_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"

typedef struct {
  store_context *sc;
  const char *identity;   /* a credentials map's label, outlives the entry */
  unsigned long age;      /* arrival number: smallest is the oldest */
} store_derived_ctx;

typedef struct {
  store_derived_ctx *ctxs;
  size_t n, cap;          /* cap 0: STORE_DEFAULT_MAX_DERIVED */
  unsigned long next_age;
} store_derived;

/* Keep |sc| under |identity|; when full the oldest leaves and is handed
 * back in |*evicted| (else NULL) for the caller to close. */
store_err store_derived_add(store_derived *d, store_context *sc,
                            const char *identity, store_context **evicted);
/* The context whose recipient ID is |kid| (derived contexts have no ID
 * context), newest first. */
store_context *store_derived_find(const store_derived *d, const uint8_t *kid,
                                  size_t kid_len, const char **identity);
/* Close every context and free the array. */
void store_derived_clear(store_derived *d);

#endif
