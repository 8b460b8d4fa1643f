/* Helpers the application uses to fill a coapx_response: values are copied
 * into the dispatcher's scratch buffer so the application need not keep
 * them alive. */
#include <string.h>
#include "coapx_reason.h"
#include "coapx_server.h"

static uint8_t *take(coapx_response *r, size_t len) {
  if (!r || !r->buf || r->cap - r->used < len) return NULL;
  uint8_t *p = r->buf + r->used;
  r->used += len;
  return p;
}

coapx_err coapx_response_add_opt(coapx_response *r, uint16_t number,
                                 const void *value, size_t len) {
  if (!r || (len && !value)) return COAPX_ERR_INVALID_ARG;
  if (r->msg.n_opts >= r->msg.cap_opts) return COAPX_ERR_TOO_MANY_OPTIONS;
  uint8_t *p = take(r, len);
  if (!p && len) return COAPX_ERR_PDU_FULL;
  if (len) memcpy(p, value, len);
  if (oscore_msg_add_opt(&r->msg, number, OSCORE_BYTES(p, len)) != OSCORE_OK)
    return COAPX_ERR_TOO_MANY_OPTIONS;
  return COAPX_OK;
}

coapx_err coapx_response_add_uint(coapx_response *r, uint16_t number,
                                  uint32_t v) {
  uint8_t enc[4];
  size_t n = oscore_opt_uint_encode(v, enc);
  return coapx_response_add_opt(r, number, enc, n);
}

uint8_t *coapx_response_payload_space(coapx_response *r, size_t len) {
  if (!r) return NULL;
  uint8_t *p = take(r, len);
  if (!p) return NULL;
  r->msg.payload = OSCORE_BYTES(p, len);
  return p;
}

coapx_err coapx_response_set_payload(coapx_response *r, const void *data,
                                     size_t len) {
  if (!r || (len && !data)) return COAPX_ERR_INVALID_ARG;
  if (len == 0) {
    r->msg.payload = OSCORE_BYTES(NULL, 0);
    return COAPX_OK;
  }
  uint8_t *p = coapx_response_payload_space(r, len);
  if (!p) return COAPX_ERR_PDU_FULL;
  memcpy(p, data, len);
  return COAPX_OK;
}

coapx_err coapx_response_error(coapx_response *r, uint8_t code,
                               const char *text) {
  if (!r) return COAPX_ERR_INVALID_ARG;
  r->msg.code = code;
  r->msg.n_opts = 0;
  r->msg.payload = OSCORE_BYTES(NULL, 0);
  r->used = 0;
  const char *t = text ? text : coapx_reason_phrase(code);
  return t ? coapx_response_set_payload(r, t, strlen(t)) : COAPX_OK;
}
