/* oscore_msg: option array helpers and the option/payload codec of
 * RFC 7252 §3.1 (shared by whole datagrams and OSCORE plaintexts). */
#include <string.h>
#include "oscore_msg.h"
#include "oscore_optwriter.h"

/* Delta and length nibbles: 13 and 14 announce 1- and 2-byte extensions
 * holding the value minus 13 and minus 269; 15 is reserved (§3.1). */
#define EXT1_BASE 13u
#define EXT2_BASE 269u
#define EXT_MAX   (EXT2_BASE + 0xFFFFu)

void oscore_msg_init(oscore_msg *m, oscore_opt *opts, size_t cap) {
  m->code = 0;
  m->opts = opts;
  m->n_opts = 0;
  m->cap_opts = opts ? cap : 0;
  m->payload = OSCORE_BYTES(NULL, 0);
}

oscore_err oscore_msg_add_opt(oscore_msg *m, uint16_t number,
                              oscore_bytes value) {
  if (!m || (value.len && !value.ptr)) return OSCORE_ERR_INVALID_ARG;
  if (m->n_opts >= m->cap_opts) return OSCORE_ERR_BUFFER_TOO_SMALL;
  /* After equal numbers: repeated options keep their order (§5.4.5). */
  size_t pos = m->n_opts;
  while (pos > 0 && m->opts[pos - 1].number > number) pos--;
  memmove(&m->opts[pos + 1], &m->opts[pos],
          (m->n_opts - pos) * sizeof m->opts[0]);
  m->opts[pos].number = number;
  m->opts[pos].value = value;
  m->n_opts++;
  return OSCORE_OK;
}

const oscore_opt *oscore_msg_find_opt(const oscore_msg *m, uint16_t number) {
  if (!m) return NULL;
  for (size_t i = 0; i < m->n_opts; i++) {
    if (m->opts[i].number == number) return &m->opts[i];
    if (m->opts[i].number > number) break;
  }
  return NULL;
}

void oscore_msg_remove_opt(oscore_msg *m, uint16_t number) {
  if (!m) return;
  size_t out = 0;
  for (size_t i = 0; i < m->n_opts; i++)
    if (m->opts[i].number != number) m->opts[out++] = m->opts[i];
  m->n_opts = out;
}

oscore_err oscore_opt_uint(oscore_bytes value, uint32_t *out) {
  if (!out || (value.len && !value.ptr)) return OSCORE_ERR_INVALID_ARG;
  if (value.len > 4) return OSCORE_ERR_MSG_MALFORMED;
  uint32_t v = 0;
  for (size_t i = 0; i < value.len; i++) v = (v << 8) | value.ptr[i];
  *out = v;
  return OSCORE_OK;
}

size_t oscore_opt_uint_encode(uint32_t v, uint8_t out[4]) {
  size_t n = 0;
  for (uint32_t t = v; t; t >>= 8) n++;
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
  return n;
}

/* ---- writer ---- */

void oscore_optw_init(oscore_optw *w, uint8_t *out, size_t cap) {
  w->out = out;
  w->cap = out ? cap : 0;
  w->len = 0;
  w->prev = 0;
}

static uint8_t nibble(size_t v) {
  return v < EXT1_BASE ? (uint8_t)v : v < EXT2_BASE ? 13 : 14;
}

static size_t ext_len(size_t v) {
  return v < EXT1_BASE ? 0 : v < EXT2_BASE ? 1 : 2;
}

static size_t put_ext(uint8_t *p, size_t v) {
  if (v < EXT1_BASE) return 0;
  if (v < EXT2_BASE) {
    p[0] = (uint8_t)(v - EXT1_BASE);
    return 1;
  }
  p[0] = (uint8_t)((v - EXT2_BASE) >> 8);
  p[1] = (uint8_t)(v - EXT2_BASE);
  return 2;
}

oscore_err oscore_optw_begin(oscore_optw *w, uint16_t number, size_t value_len,
                             uint8_t **value) {
  if (!w || !value || number < w->prev || value_len > EXT_MAX)
    return OSCORE_ERR_INVALID_ARG;
  size_t delta = number - w->prev;
  size_t hdr = 1 + ext_len(delta) + ext_len(value_len);
  if (w->cap - w->len < hdr || w->cap - w->len - hdr < value_len)
    return OSCORE_ERR_BUFFER_TOO_SMALL;
  uint8_t *p = w->out + w->len;
  p[0] = (uint8_t)(nibble(delta) << 4 | nibble(value_len));
  size_t o = 1;
  o += put_ext(p + o, delta);
  o += put_ext(p + o, value_len);
  *value = p + o;
  w->len += o + value_len;
  w->prev = number;
  return OSCORE_OK;
}

oscore_err oscore_optw_put(oscore_optw *w, uint16_t number,
                           oscore_bytes value) {
  uint8_t *dst;
  if (value.len && !value.ptr) return OSCORE_ERR_INVALID_ARG;
  oscore_err e = oscore_optw_begin(w, number, value.len, &dst);
  if (e == OSCORE_OK && value.len) memcpy(dst, value.ptr, value.len);
  return e;
}

oscore_err oscore_optw_payload(oscore_optw *w, oscore_bytes payload) {
  if (!w || (payload.len && !payload.ptr)) return OSCORE_ERR_INVALID_ARG;
  if (!payload.len) return OSCORE_OK;
  if (w->cap - w->len < 1 || w->cap - w->len - 1 < payload.len)
    return OSCORE_ERR_BUFFER_TOO_SMALL;
  w->out[w->len++] = 0xFF;
  memcpy(w->out + w->len, payload.ptr, payload.len);
  w->len += payload.len;
  return OSCORE_OK;
}

/* ---- whole option list ---- */

oscore_err oscore_opts_payload_encode(const oscore_msg *m, uint8_t *out,
                                      size_t cap, size_t *len) {
  if (!m || !len || (m->n_opts && !m->opts)) return OSCORE_ERR_INVALID_ARG;
  oscore_optw w;
  oscore_optw_init(&w, out, cap);
  for (size_t i = 0; i < m->n_opts; i++) {
    oscore_err e = oscore_optw_put(&w, m->opts[i].number, m->opts[i].value);
    if (e != OSCORE_OK) return e;
  }
  oscore_err e = oscore_optw_payload(&w, m->payload);
  if (e != OSCORE_OK) return e;
  *len = w.len;
  return OSCORE_OK;
}

/* Read the extension announced by |nib| at |in[*pos]|; the result is the
 * full delta or length. */
static oscore_err read_ext(oscore_bytes in, size_t *pos, uint8_t nib,
                           size_t *out) {
  if (nib < 13) {
    *out = nib;
  } else if (nib == 13) {
    if (in.len - *pos < 1) return OSCORE_ERR_MSG_MALFORMED;
    *out = EXT1_BASE + in.ptr[*pos];
    *pos += 1;
  } else if (nib == 14) {
    if (in.len - *pos < 2) return OSCORE_ERR_MSG_MALFORMED;
    *out = EXT2_BASE + ((size_t)in.ptr[*pos] << 8 | in.ptr[*pos + 1]);
    *pos += 2;
  } else {
    return OSCORE_ERR_MSG_MALFORMED;
  }
  return OSCORE_OK;
}

oscore_err oscore_opts_payload_decode(oscore_bytes in, oscore_msg *m) {
  if (!m || (in.len && !in.ptr)) return OSCORE_ERR_INVALID_ARG;
  m->n_opts = 0;
  m->payload = OSCORE_BYTES(NULL, 0);
  size_t pos = 0;
  uint32_t number = 0;
  while (pos < in.len) {
    uint8_t b = in.ptr[pos++];
    if (b == 0xFF) {
      /* A marker followed by nothing is a format error (§3). */
      if (pos == in.len) return OSCORE_ERR_MSG_MALFORMED;
      m->payload = OSCORE_BYTES(in.ptr + pos, in.len - pos);
      return OSCORE_OK;
    }
    size_t delta, vlen;
    oscore_err e = read_ext(in, &pos, b >> 4, &delta);
    if (e == OSCORE_OK) e = read_ext(in, &pos, b & 0x0F, &vlen);
    if (e != OSCORE_OK) return e;
    if (number + delta > 0xFFFF || in.len - pos < vlen)
      return OSCORE_ERR_MSG_MALFORMED;
    number += (uint32_t)delta;
    if (m->n_opts >= m->cap_opts) return OSCORE_ERR_BUFFER_TOO_SMALL;
    /* Deltas are never negative, so appending keeps the array sorted. */
    m->opts[m->n_opts].number = (uint16_t)number;
    m->opts[m->n_opts].value = OSCORE_BYTES(in.ptr + pos, vlen);
    m->n_opts++;
    pos += vlen;
  }
  return OSCORE_OK;
}
