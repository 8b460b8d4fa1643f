/* AAD construction (RFC 8613 §5.4) with libcbor's streaming encoders, which
 * write straight into a buffer: no CBOR items are allocated per message. */
#include <string.h>
#include <cbor.h>
#include "oscore_aad.h"

#define OSCORE_VERSION 1
/* external_aad without kid and piv bytes is at most 1 (array) + 1 (version)
 * + 1 + 9 (algorithms) + 2 * 9 (bstr heads) + 1 (options): 31 bytes. */
#define EXT_AAD_CAP (32 + 2 * 255)

/* Cursor over |out| that turns every libcbor "0 bytes written" into one
 * sticky failure, so the builder reads as the structure it writes. */
typedef struct {
  uint8_t *out;
  size_t cap;
  size_t len;
  int failed;
} cbor_cursor;

static void cur_adv(cbor_cursor *c, size_t n) {
  if (n == 0) c->failed = 1;
  c->len += n;
}

static void cur_array(cbor_cursor *c, size_t n) {
  if (!c->failed) cur_adv(c, cbor_encode_array_start(n, c->out + c->len,
                                                     c->cap - c->len));
}

static void cur_int(cbor_cursor *c, int v) {
  if (c->failed) return;
  if (v >= 0)
    cur_adv(c, cbor_encode_uint((uint64_t)v, c->out + c->len, c->cap - c->len));
  else  /* CBOR major type 1 carries -1 - v */
    cur_adv(c, cbor_encode_negint((uint64_t)(-(v + 1)), c->out + c->len,
                                  c->cap - c->len));
}

static void cur_raw(cbor_cursor *c, oscore_bytes b) {
  if (c->failed) return;
  if (c->cap - c->len < b.len) {
    c->failed = 1;
    return;
  }
  if (b.len) memcpy(c->out + c->len, b.ptr, b.len);
  c->len += b.len;
}

static void cur_bstr(cbor_cursor *c, oscore_bytes b) {
  if (c->failed) return;
  cur_adv(c, cbor_encode_bytestring_start(b.len, c->out + c->len,
                                          c->cap - c->len));
  cur_raw(c, b);
}

static void cur_tstr(cbor_cursor *c, const char *s) {
  if (c->failed) return;
  size_t n = strlen(s);
  cur_adv(c, cbor_encode_string_start(n, c->out + c->len, c->cap - c->len));
  cur_raw(c, OSCORE_BYTES(s, n));
}

oscore_err oscore_aad_build(int alg_cose, oscore_bytes kid, oscore_bytes piv,
                            uint8_t *out, size_t cap, size_t *len) {
  if (!out || !len || (kid.len && !kid.ptr) || (piv.len && !piv.ptr) ||
      kid.len > 255 || piv.len > 255)
    return OSCORE_ERR_INVALID_ARG;
  uint8_t ext[EXT_AAD_CAP];
  cbor_cursor e = { ext, sizeof ext, 0, 0 };
  cur_array(&e, 5);
  cur_int(&e, OSCORE_VERSION);
  cur_array(&e, 1);
  cur_int(&e, alg_cose);
  cur_bstr(&e, kid);
  cur_bstr(&e, piv);
  cur_bstr(&e, OSCORE_BYTES(NULL, 0));  /* no class I options exist */
  if (e.failed) return OSCORE_ERR_INVALID_ARG;

  cbor_cursor a = { out, cap, 0, 0 };
  cur_array(&a, 3);
  cur_tstr(&a, "Encrypt0");
  cur_bstr(&a, OSCORE_BYTES(NULL, 0));  /* empty protected header */
  cur_bstr(&a, OSCORE_BYTES(ext, e.len));
  if (a.failed) return OSCORE_ERR_BUFFER_TOO_SMALL;
  *len = a.len;
  return OSCORE_OK;
}
