#include "oscore_text.h"

int oscore_hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

long oscore_pct_decode(const uint8_t *s, size_t n, uint8_t *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++, o++) {
    uint8_t c = s[i];
    if (c == '%') {
      int hi = n - i >= 3 ? oscore_hex_digit(s[i + 1]) : -1;
      int lo = n - i >= 3 ? oscore_hex_digit(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return -1;
      c = (uint8_t)(hi << 4 | lo);
      i += 2;
    }
    if (out) out[o] = c;
  }
  return (long)o;
}
