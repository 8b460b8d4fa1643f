/* EDHOC error messages (RFC 9528 §6): ( ERR_CODE : int, ERR_INFO : any ). */
#include <string.h>
#include "edhoc.h"
#include "edhoc_cbor.h"

bool edhoc_is_error(oscore_bytes msg) {
  /* Major type 0 or 1: an integer, where message_2/3/4 are byte strings. */
  return msg.ptr != NULL && msg.len > 0 && (msg.ptr[0] >> 5) <= 1;
}

edhoc_err edhoc_error_decode(oscore_bytes msg, edhoc_peer_error *out) {
  memset(out, 0, sizeof *out);
  edhoc_r r;
  edhoc_cbor_val info;
  edhoc_r_init(&r, msg);
  if (edhoc_r_int(&r, &out->code) != EDHOC_OK ||
      edhoc_r_next(&r, &info) != EDHOC_OK || !edhoc_r_at_end(&r))
    return EDHOC_ERR_MALFORMED;
  switch (out->code) {
  case EDHOC_ERRCODE_UNSPECIFIED: {
    if (info.type != EDHOC_CBOR_TSTR)
      return EDHOC_ERR_MALFORMED;
    size_t n = info.bytes.len < sizeof out->diag - 1 ? info.bytes.len
                                                     : sizeof out->diag - 1;
    memcpy(out->diag, info.bytes.ptr, n);
    /* The text is the peer's: keep it printable for our messages. */
    for (size_t i = 0; i < n; i++)
      if ((unsigned char)out->diag[i] < 0x20 || out->diag[i] == 0x7f)
        out->diag[i] = '?';
    return EDHOC_OK;
  }
  case EDHOC_ERRCODE_WRONG_SUITE:
    if (info.type == EDHOC_CBOR_INT) {
      out->suites_r[0] = (int)info.i;
      out->n_suites_r = 1;
      return info.i >= -24 && info.i <= 23 ? EDHOC_OK : EDHOC_ERR_MALFORMED;
    }
    if (info.type == EDHOC_CBOR_ARRAY && info.n >= 2 &&
        info.n <= EDHOC_MAX_SUITES) {
      edhoc_r ar;
      edhoc_r_init(&ar, info.inner);
      for (size_t i = 0; i < info.n; i++) {
        int64_t v;
        if (edhoc_r_int(&ar, &v) != EDHOC_OK || v < -65536 || v > 65535)
          return EDHOC_ERR_MALFORMED;
        out->suites_r[out->n_suites_r++] = (int)v;
      }
      return EDHOC_OK;
    }
    return EDHOC_ERR_MALFORMED;
  case EDHOC_ERRCODE_UNKNOWN_CRED:
    return info.type == EDHOC_CBOR_BOOL && info.b ? EDHOC_OK
                                                  : EDHOC_ERR_MALFORMED;
  default:
    return EDHOC_OK; /* unknown codes carry ERR_INFO we cannot read */
  }
}

static edhoc_err finish(edhoc_w *w, size_t *len) {
  *len = w->len;
  return edhoc_w_status(w);
}

edhoc_err edhoc_error_unspecified(const char *text, uint8_t *out, size_t cap,
                                  size_t *len) {
  edhoc_w w;
  edhoc_w_init(&w, out, cap);
  edhoc_w_int(&w, EDHOC_ERRCODE_UNSPECIFIED);
  edhoc_w_tstr(&w, text ? text : "");
  return finish(&w, len);
}

edhoc_err edhoc_error_suites(const edhoc_config *cfg, uint8_t *out,
                             size_t cap, size_t *len) {
  if (cfg->n_suites == 0 || cfg->n_suites > EDHOC_MAX_SUITES)
    return EDHOC_ERR_INVALID_ARG;
  edhoc_w w;
  edhoc_w_init(&w, out, cap);
  edhoc_w_int(&w, EDHOC_ERRCODE_WRONG_SUITE);
  if (cfg->n_suites == 1) {
    edhoc_w_int(&w, cfg->suites[0]);
  } else {
    edhoc_w_array(&w, cfg->n_suites);
    for (size_t i = 0; i < cfg->n_suites; i++)
      edhoc_w_int(&w, cfg->suites[i]);
  }
  return finish(&w, len);
}

edhoc_err edhoc_error_unknown_cred(uint8_t *out, size_t cap, size_t *len) {
  edhoc_w w;
  edhoc_w_init(&w, out, cap);
  edhoc_w_int(&w, EDHOC_ERRCODE_UNKNOWN_CRED);
  edhoc_w_bool(&w, true);
  return finish(&w, len);
}
