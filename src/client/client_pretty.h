/* Readable renderings of response bodies for a terminal (--pretty-print):
 * link-format (RFC 6690) one link per line, JSON indented (cJSON), CBOR
 * and CBOR sequences in diagnostic notation (RFC 8949 §8, via libcbor). */
#ifndef CLIENT_PRETTY_H
#define CLIENT_PRETTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Whether |cf| has a rendering (before the body is buffered for it). */
bool client_pretty_supported(uint16_t cf);

/* Write |body| of Content-Format |cf| readably to |out|, ending in a
 * newline. false (nothing written) when the body does not parse as that
 * format: the caller then writes it raw. */
bool client_pretty_print(uint16_t cf, const uint8_t *body, size_t len,
                         FILE *out);

#endif
