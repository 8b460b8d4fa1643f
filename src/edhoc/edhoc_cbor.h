/* CBOR for EDHOC, through libcbor: a bounded writer of deterministic
 * (shortest-form, definite-length) items, and a reader that decodes one
 * item of a CBOR sequence at a time and refuses anything a deterministic
 * encoder would not have written (RFC 9528 §3.1: EDHOC messages use
 * deterministic CBOR, RFC 8949 §4.2.1). Byte and text strings read point
 * into the input, so nothing is copied or allocated beyond libcbor's own
 * decoding. */
#ifndef EDHOC_CBOR_H
#define EDHOC_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edhoc_error.h"
#include "oscore_bytes.h"

/* Writer: appends to |buf| (|cap| bytes); once something does not fit,
 * |overflow| stays set and nothing more is written. */
typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t len;
  bool overflow;
} edhoc_w;

void edhoc_w_init(edhoc_w *w, uint8_t *buf, size_t cap);
void edhoc_w_int(edhoc_w *w, int64_t v);
void edhoc_w_bstr(edhoc_w *w, oscore_bytes b);
void edhoc_w_bstr_head(edhoc_w *w, size_t len); /* content follows via raw */
void edhoc_w_tstr(edhoc_w *w, const char *s);
void edhoc_w_array(edhoc_w *w, size_t n);
void edhoc_w_map(edhoc_w *w, size_t n);
void edhoc_w_bool(edhoc_w *w, bool v);
void edhoc_w_raw(edhoc_w *w, oscore_bytes b);
/* EDHOC_ERR_BUFFER_TOO_SMALL if anything did not fit, else EDHOC_OK. */
edhoc_err edhoc_w_status(const edhoc_w *w);

typedef enum {
  EDHOC_CBOR_INT,    /* unsigned or negative integer within int64_t */
  EDHOC_CBOR_BSTR,
  EDHOC_CBOR_TSTR,
  EDHOC_CBOR_ARRAY,
  EDHOC_CBOR_MAP,
  EDHOC_CBOR_BOOL,
  EDHOC_CBOR_OTHER,  /* tags, null, ...: valid CBOR EDHOC has no use for */
} edhoc_cbor_type;

/* One decoded item: |span| is its whole encoding; |bytes| the content of
 * a byte or text string; |n| the element (array) or pair (map) count,
 * whose encodings follow the head in |inner|. */
typedef struct {
  edhoc_cbor_type type;
  int64_t i;
  bool b;
  oscore_bytes bytes;
  size_t n;
  oscore_bytes span;
  oscore_bytes inner;
} edhoc_cbor_val;

/* Reader over a CBOR sequence. */
typedef struct {
  const uint8_t *p;
  size_t len;
  size_t pos;
} edhoc_r;

void edhoc_r_init(edhoc_r *r, oscore_bytes in);
bool edhoc_r_at_end(const edhoc_r *r);
/* The next item of the sequence. EDHOC_ERR_MALFORMED for truncated or
 * invalid CBOR, indefinite lengths, non-shortest heads, integers outside
 * int64_t, floats, or nesting deeper than 16. At the end:
 * EDHOC_ERR_MALFORMED too (check edhoc_r_at_end first when optional). */
edhoc_err edhoc_r_next(edhoc_r *r, edhoc_cbor_val *v);
/* Shorthands: the next item must have that type. */
edhoc_err edhoc_r_int(edhoc_r *r, int64_t *out);
edhoc_err edhoc_r_bstr(edhoc_r *r, oscore_bytes *out);

/* Writes the libcbor item |it| (e.g. a credential from a credentials
 * map) in canonical form: shortest heads, definite lengths, map keys
 * sorted by their encoding, shorter first, then bytewise (RFC 7049 §3.9,
 * what aiocoap's cbor2.dumps(canonical=True) writes, so a CCS read from a
 * map gives the CRED_x bytes aiocoap authenticates). EDHOC_ERR_MALFORMED
 * for floats, undefined, or nesting deeper than 16. */
struct cbor_item_t;
edhoc_err edhoc_cbor_write_canonical(const struct cbor_item_t *it, edhoc_w *w);

/* A map's value for integer |key| (first match), found by reading |map|'s
 * pairs; *found false when absent. */
edhoc_err edhoc_cbor_map_get(const edhoc_cbor_val *map, int64_t key,
                             edhoc_cbor_val *out, bool *found);

#endif
