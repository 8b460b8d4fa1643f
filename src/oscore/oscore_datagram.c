/* Whole CoAP-over-UDP datagrams (RFC 7252 §3): 4-byte header, token,
 * options, payload. The caller initialises d->msg with its option array
 * (oscore_msg_init) before decoding. */
#include <string.h>
#include "oscore_msg.h"

#define COAP_VERSION 1
#define MAX_TKL 8

oscore_err oscore_datagram_decode(oscore_bytes in, oscore_datagram *d) {
  if (!d || (in.len && !in.ptr)) return OSCORE_ERR_INVALID_ARG;
  if (in.len < 4) return OSCORE_ERR_MSG_MALFORMED;
  uint8_t b0 = in.ptr[0];
  size_t tkl = b0 & 0x0F;
  /* TKL 9..15 are reserved and must be processed as a format error. */
  if (b0 >> 6 != COAP_VERSION || tkl > MAX_TKL || in.len - 4 < tkl)
    return OSCORE_ERR_MSG_MALFORMED;
  uint8_t code = in.ptr[1];
  /* An Empty message (0.00) is header only (§4.1). */
  if (code == 0 && in.len != 4) return OSCORE_ERR_MSG_MALFORMED;
  d->type = (b0 >> 4) & 0x03;
  d->mid = (uint16_t)(in.ptr[2] << 8 | in.ptr[3]);
  d->token_len = tkl;
  memcpy(d->token, in.ptr + 4, tkl);
  oscore_err e = oscore_opts_payload_decode(
      OSCORE_BYTES(in.ptr + 4 + tkl, in.len - 4 - tkl), &d->msg);
  if (e != OSCORE_OK) return e;
  d->msg.code = code;
  return OSCORE_OK;
}

oscore_err oscore_datagram_encode(const oscore_datagram *d, uint8_t *out,
                                  size_t cap, size_t *len) {
  if (!d || !len || d->token_len > MAX_TKL || d->type > 3)
    return OSCORE_ERR_INVALID_ARG;
  size_t hdr = 4 + d->token_len;
  if (!out || cap < hdr) return OSCORE_ERR_BUFFER_TOO_SMALL;
  out[0] = (uint8_t)(COAP_VERSION << 6 | d->type << 4 | d->token_len);
  out[1] = d->msg.code;
  out[2] = (uint8_t)(d->mid >> 8);
  out[3] = (uint8_t)d->mid;
  memcpy(out + 4, d->token, d->token_len);
  size_t rest;
  oscore_err e = oscore_opts_payload_encode(&d->msg, out + hdr, cap - hdr,
                                            &rest);
  if (e != OSCORE_OK) return e;
  *len = hdr + rest;
  return OSCORE_OK;
}
