/* --payload text for a CBOR-based Content-Format is CBOR diagnostic
 * notation (src/edn), as aiocoap-client converts it: '{"a": 1}' goes out
 * as a1 61 61 01, not as JSON text. */
#ifndef CLIENT_DIAG_PAYLOAD_H
#define CLIENT_DIAG_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include "client_payload.h"

/* Replace the text in |p| by its CBOR encoding; |seq| (a cbor-seq type):
 * the text must be an array, whose items are sent one after another
 * (RFC 8742), as aiocoap does. false with one line in |err| naming the
 * line, column and fault; |p| is then unchanged. */
bool client_payload_diag_to_cbor(client_payload *p, bool seq, char *err,
                                 size_t cap);

#endif
