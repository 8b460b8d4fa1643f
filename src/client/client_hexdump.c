#include "client_hexdump.h"

#include <string.h>

/* Length of the UTF-8 sequence at |p| (|n| left); 0 invalid, and
 * SIZE_MAX when the sequence is cut short by the end of |p|. */
static size_t utf8_seq(const uint8_t *p, size_t n) {
  uint8_t c = p[0];
  size_t k;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) k = 2;
  else if (c >= 0xe0 && c <= 0xef) k = 3;
  else if (c >= 0xf0 && c <= 0xf4) k = 4;
  else return 0;
  for (size_t i = 1; i < k; i++) {
    if (i >= n) return SIZE_MAX;
    if ((p[i] & 0xc0) != 0x80) return 0;
  }
  /* Overlong 3/4-byte forms, surrogates, beyond U+10FFFF. */
  if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
      (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
    return 0;
  return k;
}

bool client_is_terminal_text(const uint8_t *p, size_t n, bool complete) {
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      return false;
    size_t k = utf8_seq(p + i, n - i);
    if (k == SIZE_MAX) return !complete;
    if (k == 0) return false;
    i += k;
  }
  return true;
}

static void put_line(client_hexdump *h, FILE *out) {
  fprintf(out, "%08llx  ", (unsigned long long)h->offset);
  for (size_t i = 0; i < 16; i++) {
    if (i < h->used) fprintf(out, "%02x", h->line[i]);
    else fputs("  ", out);
    fputs(i == 7 ? "  " : i == 15 ? "  |" : " ", out);
  }
  for (size_t i = 0; i < h->used; i++)
    fputc(h->line[i] >= 32 && h->line[i] < 127 ? h->line[i] : '.', out);
  fputs("|\n", out);
  h->offset += h->used;
  h->used = 0;
}

void client_hexdump_feed(client_hexdump *h, FILE *out, const uint8_t *p,
                         size_t n) {
  while (n) {
    size_t k = 16 - h->used < n ? 16 - h->used : n;
    memcpy(h->line + h->used, p, k);
    h->used += k;
    p += k;
    n -= k;
    if (h->used == 16) put_line(h, out);
  }
}

void client_hexdump_end(client_hexdump *h, FILE *out) {
  if (h->used) put_line(h, out);
  if (h->offset % 16) fprintf(out, "%08llx\n", (unsigned long long)h->offset);
}
