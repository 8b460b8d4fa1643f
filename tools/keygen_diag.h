/* CBOR diagnostic notation (RFC 8949 §8) of the items oscore-keygen
 * prints, on one line as aiocoap-keygen prints them: integers, h'..'
 * byte strings, "..." text, {k: v, ...} maps and [..] arrays. */
#ifndef KEYGEN_DIAG_H
#define KEYGEN_DIAG_H

#include <stdio.h>
#include "edhoc_cbor.h"

/* Writes |item| (one CBOR item) to |out|; EDHOC_ERR_MALFORMED for a kind
 * it does not print. */
edhoc_err keygen_diag_print(FILE *out, oscore_bytes item);

#endif
