/* EDHOC payload framing for CoAP (edhoc_coap.h). */
#include "edhoc_coap.h"
#include "edhoc_wire.h"

edhoc_err edhoc_coap_write_request_1(oscore_bytes message_1, edhoc_w *w) {
  edhoc_w_bool(w, true);
  edhoc_w_raw(w, message_1);
  return edhoc_w_status(w);
}

edhoc_err edhoc_coap_write_request_3(oscore_bytes c_r, oscore_bytes message_3,
                                     edhoc_w *w) {
  edhoc_wire_write_id(w, c_r);
  edhoc_w_raw(w, message_3);
  return edhoc_w_status(w);
}

edhoc_err edhoc_coap_read_request(oscore_bytes payload,
                                  edhoc_coap_request *out) {
  edhoc_r r;
  edhoc_cbor_val v;
  edhoc_r_init(&r, payload);
  if (edhoc_r_next(&r, &v) != EDHOC_OK || edhoc_r_at_end(&r))
    return EDHOC_ERR_MALFORMED;
  out->is_message_1 = v.type == EDHOC_CBOR_BOOL && v.b;
  out->c_r = OSCORE_BYTES(NULL, 0);
  if (!out->is_message_1 && edhoc_wire_read_id(&v, &out->c_r) != EDHOC_OK)
    return EDHOC_ERR_MALFORMED;
  out->message = OSCORE_BYTES(payload.ptr + r.pos, payload.len - r.pos);
  return EDHOC_OK;
}

edhoc_err edhoc_coap_write_combined(oscore_bytes message_3,
                                    oscore_bytes oscore_payload, edhoc_w *w) {
  edhoc_w_raw(w, message_3);
  edhoc_w_raw(w, oscore_payload);
  return edhoc_w_status(w);
}

edhoc_err edhoc_coap_read_combined(oscore_bytes payload,
                                   oscore_bytes *message_3,
                                   oscore_bytes *oscore_payload) {
  edhoc_r r;
  oscore_bytes ct;
  edhoc_r_init(&r, payload);
  /* message_3 is exactly one byte string; an OSCORE payload (at least
   * the AEAD tag) must follow (RFC 9668 §3.3.1). */
  if (edhoc_r_bstr(&r, &ct) != EDHOC_OK || edhoc_r_at_end(&r))
    return EDHOC_ERR_MALFORMED;
  *message_3 = OSCORE_BYTES(payload.ptr, r.pos);
  *oscore_payload = OSCORE_BYTES(payload.ptr + r.pos, payload.len - r.pos);
  return EDHOC_OK;
}
