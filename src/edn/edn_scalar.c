/* Scalars of diagnostic notation: numbers (exact integers of any size,
 * floats in preferred serialization), text strings, byte strings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "edn_priv.h"

/* Integers above this many bytes are refused: a bignum that large is a
 * typo, not a value, and the decimal conversion is quadratic. */
#define EDN_MAX_BIGNUM 512

static cbor_item_t *built(edn_parser *p, size_t at, cbor_item_t *it) {
  return it ? it : edn_fail(p, at, "out of memory");
}

cbor_item_t *edn_build_uint(uint64_t v) {
  if (v <= UINT8_MAX) return cbor_build_uint8((uint8_t)v);
  if (v <= UINT16_MAX) return cbor_build_uint16((uint16_t)v);
  if (v <= UINT32_MAX) return cbor_build_uint32((uint32_t)v);
  return cbor_build_uint64(v);
}

cbor_item_t *edn_build_negint(uint64_t n) {
  if (n <= UINT8_MAX) return cbor_build_negint8((uint8_t)n);
  if (n <= UINT16_MAX) return cbor_build_negint16((uint16_t)n);
  if (n <= UINT32_MAX) return cbor_build_negint32((uint32_t)n);
  return cbor_build_negint64(n);
}

/* Whether |v| is exactly a normal binary16 value (11 significant bits,
 * exponent -14..15), zero or infinite. Subnormal halves are left to
 * binary32: libcbor 0.8 encodes them lossily (keeps only the leading bit;
 * tests/edn checks every half). */
static bool fits_half(double v) {
  if (v == 0 || isinf(v)) return true;
  double a = fabs(v);
  if (a > 65504.0 || a < 0x1p-14) return false;
  int e;
  frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
  double scaled = ldexp(a, 11 - e);
  return scaled == floor(scaled);
}

cbor_item_t *edn_build_float(double v) {
  if (isnan(v)) return cbor_build_float2(NAN); /* f9 7e00 */
  if (fits_half(v)) return cbor_build_float2((float)v);
  if ((double)(float)v == v) return cbor_build_float4((float)v);
  return cbor_build_float8(v);
}

bool edn_parse_u64(edn_parser *p, uint64_t *v) {
  size_t start = p->pos;
  uint64_t acc = 0;
  while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
    unsigned d = (unsigned)(p->s[p->pos] - '0');
    if (acc > (UINT64_MAX - d) / 10) {
      edn_fail(p, start, "number above 2^64-1");
      return false;
    }
    acc = acc * 10 + d;
    p->pos++;
  }
  if (p->pos == start) {
    edn_fail(p, start, "expected a number");
    return false;
  }
  *v = acc;
  return true;
}

static int digit_value(char c, int base) {
  int d = c >= '0' && c <= '9' ? c - '0'
          : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
  return d < base ? d : -1;
}

/* The integer whose digits (|base|) span [from, to): exact at any size.
 * The magnitude is built little-endian; -n is CBOR's -1 - (n - 1). */
static cbor_item_t *build_integer(edn_parser *p, size_t start, size_t from,
                                  size_t to, int base, bool neg) {
  uint8_t mag[EDN_MAX_BIGNUM + 1];
  size_t n = 0;
  for (size_t i = from; i < to; i++) {
    unsigned carry = (unsigned)digit_value(p->s[i], base);
    for (size_t k = 0; k < n; k++) {
      unsigned t = mag[k] * (unsigned)base + carry;
      mag[k] = (uint8_t)t;
      carry = t >> 8;
    }
    for (; carry; carry >>= 8) {
      if (n == sizeof mag) return edn_fail(p, start, "integer too large");
      mag[n++] = (uint8_t)carry;
    }
  }
  while (n && mag[n - 1] == 0) n--;
  if (neg && n) { /* subtract one */
    for (size_t k = 0; k < n && mag[k]-- == 0; k++) {}
    while (n && mag[n - 1] == 0) n--;
  } else if (neg) {
    neg = false; /* -0 is the integer 0 */
  }
  if (n <= 8) {
    uint64_t v = 0;
    for (size_t k = n; k-- > 0;) v = v << 8 | mag[k];
    return built(p, start, neg ? edn_build_negint(v) : edn_build_uint(v));
  }
  uint8_t be[EDN_MAX_BIGNUM + 1];
  for (size_t k = 0; k < n; k++) be[k] = mag[n - 1 - k];
  cbor_item_t *bytes = cbor_build_bytestring(be, n);
  if (!bytes) return edn_fail(p, start, "out of memory");
  /* RFC 8949 §3.4.3: tag 2 positive, tag 3 negative bignum. */
  cbor_item_t *out = cbor_build_tag(neg ? 3 : 2, bytes);
  cbor_decref(&bytes);
  return built(p, start, out);
}

static size_t skip_digits(const edn_parser *p, size_t i) {
  while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
  return i;
}

/* A decimal with "." or exponent at [start, ...): through strtod. */
static cbor_item_t *parse_float(edn_parser *p, size_t start) {
  if (edn_peek(p) == '.') {
    size_t d = ++p->pos;
    p->pos = skip_digits(p, p->pos);
    if (p->pos == d) return edn_fail(p, p->pos, "expected digits after '.'");
  }
  if (edn_peek(p) == 'e' || edn_peek(p) == 'E') {
    p->pos++;
    if (edn_peek(p) == '+' || edn_peek(p) == '-') p->pos++;
    size_t d = p->pos;
    p->pos = skip_digits(p, p->pos);
    if (p->pos == d) return edn_fail(p, p->pos, "expected digits in the exponent");
  }
  size_t n = p->pos - start;
  char *copy = malloc(n + 1);
  if (!copy) return edn_fail(p, start, "out of memory");
  memcpy(copy, p->s + start, n);
  copy[n] = '\0';
  double v = strtod(copy, NULL); /* beyond double's range: +-Infinity */
  free(copy);
  return built(p, start, edn_build_float(v));
}

cbor_item_t *edn_parse_number(edn_parser *p) {
  size_t start = p->pos;
  bool neg = edn_peek(p) == '-';
  if (neg) p->pos++;
  if (edn_starts(p, "Infinity")) {
    p->pos += strlen("Infinity");
    return built(p, start, edn_build_float(neg ? -INFINITY : INFINITY));
  }
  if (!neg && edn_starts(p, "NaN")) {
    p->pos += strlen("NaN");
    return built(p, start, edn_build_float(NAN));
  }
  int base = 10;
  if (edn_peek(p) == '0' && p->pos + 1 < p->len) {
    char x = p->s[p->pos + 1];
    base = x == 'x' || x == 'X' ? 16 : x == 'o' ? 8 : x == 'b' ? 2 : 10;
    if (base != 10) p->pos += 2;
  }
  size_t from = p->pos;
  while (p->pos < p->len && digit_value(p->s[p->pos], base) >= 0) p->pos++;
  if (p->pos == from) return edn_fail(p, p->pos, "expected digits");
  char c = edn_peek(p);
  if (base == 10 && (c == '.' || c == 'e' || c == 'E'))
    return parse_float(p, start);
  return build_integer(p, start, from, p->pos, base, neg);
}

/* --- strings --- */

/* Length of the valid UTF-8 sequence at |s| (|n| bytes left), 0 when
 * invalid (overlong forms, surrogates and values above U+10FFFF too). */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t k;
  unsigned min, v;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) { k = 2; min = 0x80; v = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { k = 3; min = 0x800; v = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { k = 4; min = 0x10000; v = c & 0x07; }
  else return 0;
  if (n < k) return 0;
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    v = v << 6 | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  return k;
}

static size_t put_utf8(uint8_t *o, unsigned cp) {
  if (cp < 0x80) { o[0] = (uint8_t)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (uint8_t)(0xc0 | cp >> 6); o[1] = (uint8_t)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (uint8_t)(0xe0 | cp >> 12); o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    o[2] = (uint8_t)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (uint8_t)(0xf0 | cp >> 18); o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
  o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f)); o[3] = (uint8_t)(0x80 | (cp & 0x3f));
  return 4;
}

/* Four hex digits of \uXXXX at pos; -1 (error set) otherwise. */
static long hex4(edn_parser *p) {
  long v = 0;
  for (int i = 0; i < 4; i++, p->pos++) {
    int d = p->pos < p->len ? digit_value(p->s[p->pos], 16) : -1;
    if (d < 0) { edn_fail(p, p->pos, "expected 4 hex digits after \\u"); return -1; }
    v = v << 4 | d;
  }
  return v;
}

/* \uXXXX (pos after "\u"), joining a surrogate pair; -1 on error. */
static long escaped_codepoint(edn_parser *p) {
  size_t at = p->pos - 2;
  long hi = hex4(p);
  if (hi < 0xd800 || hi > 0xdfff) return hi;
  if (hi >= 0xdc00 || !edn_starts(p, "\\u")) {
    edn_fail(p, at, "lone UTF-16 surrogate in \\u escape");
    return -1;
  }
  p->pos += 2;
  long lo = hex4(p);
  if (lo < 0) return -1;
  if (lo < 0xdc00 || lo > 0xdfff) {
    edn_fail(p, at, "lone UTF-16 surrogate in \\u escape");
    return -1;
  }
  return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
}

/* One escape (pos at the backslash) into |o|; 0 on error. */
static size_t escape(edn_parser *p, uint8_t *o) {
  static const char from[] = "\"'\\/bfnrt", to[] = "\"'\\/\b\f\n\r\t";
  size_t at = p->pos++;
  char c = edn_peek(p);
  const char *k = c ? strchr(from, c) : NULL;
  if (k) { p->pos++; o[0] = (uint8_t)to[k - from]; return 1; }
  if (c == 'u') {
    p->pos++;
    long cp = escaped_codepoint(p);
    return cp < 0 ? 0 : put_utf8(o, (unsigned)cp);
  }
  edn_fail(p, at, "unknown escape in string");
  return 0;
}

/* The bytes between |quote|s at pos, escapes resolved, checked UTF-8;
 * malloc'd into *out. */
static bool quoted(edn_parser *p, char quote, uint8_t **out, size_t *n) {
  size_t start = p->pos++;
  uint8_t *buf = malloc(p->len - p->pos + 4);
  size_t k = 0;
  if (!buf) { edn_fail(p, start, "out of memory"); return false; }
  for (;;) {
    if (p->pos >= p->len) { edn_fail(p, start, "string not closed"); break; }
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == (unsigned char)quote) { p->pos++; *out = buf; *n = k; return true; }
    if (c < 0x20) { edn_fail(p, p->pos, "control character in string (escape it)"); break; }
    if (c == '\\') {
      size_t w = escape(p, buf + k);
      if (!w) break;
      k += w;
      continue;
    }
    size_t w = utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);
    if (!w) { edn_fail(p, p->pos, "invalid UTF-8 in string"); break; }
    memcpy(buf + k, p->s + p->pos, w);
    k += w;
    p->pos += w;
  }
  edn_free_wiped(buf, k);
  return false;
}

cbor_item_t *edn_parse_text(edn_parser *p) {
  size_t start = p->pos;
  uint8_t *b;
  size_t n;
  if (!quoted(p, '"', &b, &n)) return NULL;
  cbor_item_t *out = cbor_build_stringn((const char *)b, n);
  edn_free_wiped(b, n);
  return built(p, start, out);
}

cbor_item_t *edn_parse_quoted_bytes(edn_parser *p) {
  size_t start = p->pos;
  uint8_t *b;
  size_t n;
  if (!quoted(p, '\'', &b, &n)) return NULL;
  cbor_item_t *out = cbor_build_bytestring(b, n);
  edn_free_wiped(b, n);
  return built(p, start, out);
}

cbor_item_t *edn_parse_hex(edn_parser *p) {
  size_t start = p->pos;
  p->pos += 2; /* h' */
  uint8_t *buf = malloc((p->len - p->pos) / 2 + 1);
  size_t n = 0;
  int half = -1;
  if (!buf) return edn_fail(p, start, "out of memory");
  for (;;) {
    if (!edn_skip_ws(p)) break;
    if (p->pos >= p->len) { edn_fail(p, start, "h'..' not closed"); break; }
    char c = p->s[p->pos];
    if (c == '\'') {
      if (half >= 0) { edn_fail(p, p->pos, "odd number of hex digits"); break; }
      p->pos++;
      cbor_item_t *out = cbor_build_bytestring(buf, n);
      edn_free_wiped(buf, n);
      return built(p, start, out);
    }
    int d = digit_value(c, 16);
    if (d < 0) { edn_fail(p, p->pos, "not a hex digit in h'..'"); break; }
    p->pos++;
    if (half < 0) half = d;
    else { buf[n++] = (uint8_t)(half << 4 | d); half = -1; }
  }
  edn_free_wiped(buf, n);
  return NULL;
}

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

/* b64'..': base64 (RFC 4648 §4) or base64url (§5), padding optional. */
cbor_item_t *edn_parse_b64(edn_parser *p) {
  size_t start = p->pos;
  p->pos += 4; /* b64' */
  uint8_t *buf = malloc((p->len - p->pos) * 3 / 4 + 3);
  size_t n = 0, sextets = 0, pad = 0;
  uint32_t acc = 0;
  if (!buf) return edn_fail(p, start, "out of memory");
  for (;; p->pos++) {
    if (p->pos >= p->len) { edn_fail(p, start, "b64'..' not closed"); break; }
    char c = p->s[p->pos];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '\'') {
      if (sextets % 4 == 1 || (pad && (sextets + pad) % 4)) {
        edn_fail(p, p->pos, "base64 text of impossible length");
        break;
      }
      if (sextets % 4 == 2) buf[n++] = (uint8_t)(acc >> 4);
      if (sextets % 4 == 3) { buf[n++] = (uint8_t)(acc >> 10); buf[n++] = (uint8_t)(acc >> 2); }
      p->pos++;
      cbor_item_t *out = cbor_build_bytestring(buf, n);
      edn_free_wiped(buf, n);
      return built(p, start, out);
    }
    if (c == '=' && sextets % 4 >= 2 && pad < 2) { pad++; continue; }
    int v = b64_value(c);
    if (v < 0 || pad) { edn_fail(p, p->pos, "not a base64 character in b64'..'"); break; }
    acc = (acc << 6 | (uint32_t)v) & 0xffffff;
    if (++sextets % 4 == 0) {
      buf[n++] = (uint8_t)(acc >> 16); buf[n++] = (uint8_t)(acc >> 8); buf[n++] = (uint8_t)acc;
    }
  }
  edn_free_wiped(buf, n);
  return NULL;
}
