/* Identifier encoding shared by C_I, C_R and compact kids (edhoc_wire.h). */
#include "edhoc_wire.h"

static bool is_one_byte_int(uint8_t b) {
  return b <= 0x17 || (b >= 0x20 && b <= 0x37);
}

void edhoc_wire_write_id(edhoc_w *w, oscore_bytes id) {
  if (id.len == 1 && is_one_byte_int(id.ptr[0]))
    edhoc_w_raw(w, id);
  else
    edhoc_w_bstr(w, id);
}

edhoc_err edhoc_wire_read_id(const edhoc_cbor_val *v, oscore_bytes *id) {
  if (v->type == EDHOC_CBOR_INT) {
    if (v->i < -24 || v->i > 23 || v->span.len != 1)
      return EDHOC_ERR_MALFORMED;
    *id = v->span;
    return EDHOC_OK;
  }
  if (v->type != EDHOC_CBOR_BSTR ||
      (v->bytes.len == 1 && is_one_byte_int(v->bytes.ptr[0])))
    return EDHOC_ERR_MALFORMED;
  *id = v->bytes;
  return EDHOC_OK;
}
