/* Binary bodies on a terminal: whether a body is text a terminal can show,
 * and the hex dump shown instead (aiocoap-client's layout, which is
 * hexdump -C's: offset, 16 bytes in two groups of 8, printable ASCII). */
#ifndef CLIENT_HEXDUMP_H
#define CLIENT_HEXDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Valid UTF-8 with no control characters but tab, CR and LF (an escape
 * sequence could drive the terminal). |complete| false: |p| is only the
 * start of the body, so a sequence cut at its end is fine. */
bool client_is_terminal_text(const uint8_t *p, size_t n, bool complete);

typedef struct {
  uint64_t offset;      /* of line[0] */
  uint8_t line[16];
  size_t used;
} client_hexdump;

/* Dump |p| (the next |n| bytes of the body): whole lines are written,
 * the rest is kept for the next call. */
void client_hexdump_feed(client_hexdump *h, FILE *out, const uint8_t *p,
                         size_t n);
/* The last, partial line, then (when the length is not a multiple of 16)
 * the final offset on its own line, as aiocoap does. */
void client_hexdump_end(client_hexdump *h, FILE *out);

#endif
