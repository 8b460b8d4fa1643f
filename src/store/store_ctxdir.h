/* Private: the static parameters of a context directory, read from
 * settings.json and secret.json as aiocoap reads them (COMPAT.md §1):
 * "_hex"/"_ascii" suffixes, each key in at most one file, unknown keys
 * ignored (with a warning). Our extensions secrets.json and {"hex"} /
 * {"ascii"} values are read with a warning: aiocoap cannot read them. */
#ifndef STORE_CTXDIR_H
#define STORE_CTXDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "oscore_context.h"
#include "store.h"

/* Longer secrets, salts and IDs are refused; IDs are checked against the
 * algorithm later, with a message naming the key. */
#define STORE_MAX_PARAM_LEN 256

typedef struct {
  bool present;
  uint8_t buf[STORE_MAX_PARAM_LEN];
  size_t len;
} store_param;

typedef struct {
  store_param secret, salt, sender_id, recipient_id, id_context;
  const oscore_aead_info *alg;
  oscore_hash hash;
  unsigned window;
  /* "oscore-version" (and in draft-08 mode "option-number",
   * "common-iv-id"): our keys, which aiocoap does not read. */
  oscore_profile profile;
} store_ctxdir;

/* Read and check the parameters of |dir| into |out|. The JSON text and
 * trees are wiped; |out| holds the secret until store_ctxdir_wipe().
 * Errors: STORE_ERR_IO, _MALFORMED, _MISSING, _DUPLICATE, _UNKNOWN_ALG,
 * _ID_TOO_LONG (|out| is wiped on error). */
store_err store_ctxdir_load(const char *dir, store_ctxdir *out,
                            store_diag *diag);

/* The derivation input; slices point into |d|. */
void store_ctxdir_params(const store_ctxdir *d, oscore_ctx_params *p);

void store_ctxdir_wipe(store_ctxdir *d);

#endif
