/* Text codecs shared by the layers that read URIs and key files: one home
 * for hex digits and URI percent-decoding. */
#ifndef OSCORE_TEXT_H
#define OSCORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit |c| (either case), or -1. */
int oscore_hex_digit(int c);

/* Decodes RFC 3986 percent-encodings of [s, s+n) into |out|, which holds
 * at least |n| bytes and may be |s| itself (decoding never grows). With
 * |out| NULL only checks and counts. Returns the decoded length, or -1 for
 * a '%' not followed by two hex digits. */
long oscore_pct_decode(const uint8_t *s, size_t n, uint8_t *out);

#endif
