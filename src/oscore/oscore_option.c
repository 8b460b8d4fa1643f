/* The OSCORE option value (RFC 8613 §6.1):
 *   flag byte  0 0 0 h k n n n
 *   n bytes partial IV, if h: 1 byte s and s bytes kid context,
 *   if k: the rest of the value is the kid. */
#include <string.h>
#include "oscore_option.h"

#define FLAG_N_MASK   0x07
#define FLAG_K        0x08
#define FLAG_H        0x10
#define FLAG_RESERVED 0xE0
#define MAX_PIV_LEN   5     /* n = 6 and 7 are reserved */

oscore_err oscore_option_decode(oscore_bytes value, oscore_option *out) {
  if (!out || (value.len && !value.ptr)) return OSCORE_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  if (value.len == 0) return OSCORE_OK;
  const uint8_t *v = value.ptr;
  uint8_t flags = v[0];
  size_t n = flags & FLAG_N_MASK;
  /* All-zero flags must be sent as an empty value (§6.1), so a lone 0x00
   * is not a valid encoding. */
  if ((flags & FLAG_RESERVED) || n > MAX_PIV_LEN || flags == 0)
    return OSCORE_ERR_OPTION_MALFORMED;
  size_t pos = 1;
  if (value.len - pos < n) return OSCORE_ERR_OPTION_MALFORMED;
  out->piv = OSCORE_BYTES(v + pos, n);
  pos += n;
  if (flags & FLAG_H) {
    if (value.len - pos < 1) return OSCORE_ERR_OPTION_MALFORMED;
    size_t s = v[pos++];
    if (value.len - pos < s) return OSCORE_ERR_OPTION_MALFORMED;
    out->has_kid_context = true;
    out->kid_context = OSCORE_BYTES(v + pos, s);
    pos += s;
  }
  if (flags & FLAG_K) {
    out->has_kid = true;
    out->kid = OSCORE_BYTES(v + pos, value.len - pos);
    pos = value.len;
  }
  /* Without k nothing may follow: trailing bytes mean a corrupted value. */
  if (pos != value.len) return OSCORE_ERR_OPTION_MALFORMED;
  if (n == 0) out->piv = OSCORE_BYTES(NULL, 0);
  return OSCORE_OK;
}

oscore_err oscore_option_encode(const oscore_option *o, uint8_t *buf,
                                size_t cap, size_t *len) {
  if (!o || !len || o->piv.len > MAX_PIV_LEN ||
      (o->piv.len && !o->piv.ptr) ||
      (o->has_kid_context && o->kid_context.len > 0xFF) ||
      (o->has_kid_context && o->kid_context.len && !o->kid_context.ptr) ||
      (o->has_kid && o->kid.len && !o->kid.ptr))
    return OSCORE_ERR_INVALID_ARG;
  if (o->piv.len == 0 && !o->has_kid_context && !o->has_kid) {
    *len = 0;
    return OSCORE_OK;
  }
  size_t need = 1 + o->piv.len;
  if (o->has_kid_context) need += 1 + o->kid_context.len;
  if (o->has_kid) need += o->kid.len;
  if (!buf || cap < need) return OSCORE_ERR_BUFFER_TOO_SMALL;
  size_t pos = 0;
  buf[pos++] = (uint8_t)(o->piv.len | (o->has_kid ? FLAG_K : 0) |
                         (o->has_kid_context ? FLAG_H : 0));
  if (o->piv.len) memcpy(buf + pos, o->piv.ptr, o->piv.len);
  pos += o->piv.len;
  if (o->has_kid_context) {
    buf[pos++] = (uint8_t)o->kid_context.len;
    if (o->kid_context.len)
      memcpy(buf + pos, o->kid_context.ptr, o->kid_context.len);
    pos += o->kid_context.len;
  }
  if (o->has_kid && o->kid.len) memcpy(buf + pos, o->kid.ptr, o->kid.len);
  pos += o->has_kid ? o->kid.len : 0;
  *len = pos;
  return OSCORE_OK;
}
