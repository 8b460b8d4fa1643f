#include "coapx_block.h"

coapx_err coapx_block_decode(oscore_bytes value, coapx_block *out) {
  return coapx_block_decode_bert(value, false, out);
}

coapx_err coapx_block_decode_bert(oscore_bytes value, bool reliable,
                                  coapx_block *out) {
  if (value.len > 3 || (value.len && !value.ptr)) return COAPX_ERR_PROTOCOL;
  uint32_t v = 0;
  for (size_t i = 0; i < value.len; i++) v = v << 8 | value.ptr[i];
  unsigned szx = v & 7;
  if (szx == 7 && !reliable) return COAPX_ERR_PROTOCOL;
  if (szx == 7) szx = 6;   /* one 1024-byte unit: see the header */
  out->num = v >> 4;
  out->more = (v >> 3) & 1;
  out->szx = szx;
  return COAPX_OK;
}

bool coapx_block_valid(const coapx_block *b) {
  return b->num <= COAPX_BLOCK_MAX_NUM && b->szx <= COAPX_BLOCK_MAX_SZX;
}

size_t coapx_block_encode(const coapx_block *b, uint8_t out[3]) {
  if (!coapx_block_valid(b)) return 0;
  uint32_t v = b->num << 4 | (uint32_t)b->more << 3 | b->szx;
  if (v == 0) return 0;
  if (v < 0x100) {
    out[0] = (uint8_t)v;
    return 1;
  }
  if (v < 0x10000) {
    out[0] = (uint8_t)(v >> 8);
    out[1] = (uint8_t)v;
    return 2;
  }
  out[0] = (uint8_t)(v >> 16);
  out[1] = (uint8_t)(v >> 8);
  out[2] = (uint8_t)v;
  return 3;
}
