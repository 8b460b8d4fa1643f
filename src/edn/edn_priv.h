/* The parser state shared by the files of src/edn (not public). */
#ifndef EDN_PRIV_H
#define EDN_PRIV_H

#include "edn.h"

typedef struct {
  const char *s;
  size_t len;
  size_t pos;
  unsigned depth;
  edn_error *err;
  bool failed;
} edn_parser;

/* Record the first fault at |at| (later ones are consequences). Returns
 * NULL so callers can `return edn_fail(...)`. */
void *edn_fail(edn_parser *p, size_t at, const char *what);

/* The byte at pos (0 past the end). */
static inline char edn_peek(const edn_parser *p) {
  return p->pos < p->len ? p->s[p->pos] : '\0';
}
static inline bool edn_starts(const edn_parser *p, const char *word) {
  size_t n = 0;
  while (word[n]) n++;
  return p->len - p->pos >= n && __builtin_memcmp(p->s + p->pos, word, n) == 0;
}

/* Skip whitespace and comments; false (error set) on an open comment. */
bool edn_skip_ws(edn_parser *p);

/* Wipes |n| bytes at |p| (a buffer that held decoded bytes, which may be
 * secrets) and frees it. */
void edn_free_wiped(void *p, size_t n);

/* Item parsers: each starts at its first byte and leaves pos after it. */
cbor_item_t *edn_parse_item(edn_parser *p);
cbor_item_t *edn_parse_number(edn_parser *p);
cbor_item_t *edn_parse_text(edn_parser *p);
cbor_item_t *edn_parse_quoted_bytes(edn_parser *p);
cbor_item_t *edn_parse_hex(edn_parser *p);
cbor_item_t *edn_parse_b64(edn_parser *p);

/* Shortest-form builders (RFC 8949 §4.2.1-2). */
cbor_item_t *edn_build_uint(uint64_t v);
cbor_item_t *edn_build_negint(uint64_t n); /* the value -1 - n */
cbor_item_t *edn_build_float(double v);

/* Parse an unsigned decimal at pos into |*v|; false (error set) when
 * absent or above 2^64-1. */
bool edn_parse_u64(edn_parser *p, uint64_t *v);

#endif
