/* EDHOC over CoAP, the payload framing only (no CoAP stack here):
 * RFC 9528 Appendix A.2 (messages POSTed to /.well-known/edhoc, each
 * request prefixed with a connection identifier, message_1's with CBOR
 * true) and RFC 9668 §3 (the EDHOC + OSCORE combined request: the EDHOC
 * option and message_3 in front of the OSCORE ciphertext). */
#ifndef EDHOC_COAP_H
#define EDHOC_COAP_H

#include <stdbool.h>
#include "edhoc_cbor.h"

#define EDHOC_COAP_OPTION 21          /* RFC 9668 §3.1, empty value */
#define EDHOC_CF_EDHOC_SEQ 64         /* application/edhoc+cbor-seq */
#define EDHOC_CF_CID_EDHOC_SEQ 65     /* application/cid-edhoc+cbor-seq */
#define EDHOC_WELL_KNOWN "edhoc"      /* Uri-Path ".well-known", "edhoc" */

/* A request payload to /.well-known/edhoc, split. */
typedef struct {
  bool is_message_1;      /* prefixed with CBOR true */
  oscore_bytes c_r;       /* otherwise: the C_R it continues (identifier
                             bytes, pointing into the payload) */
  oscore_bytes message;   /* message_1, or message_3 / an error message */
} edhoc_coap_request;

/* Initiator: "true, message_1" and "C_R, message_3". */
edhoc_err edhoc_coap_write_request_1(oscore_bytes message_1, edhoc_w *w);
edhoc_err edhoc_coap_write_request_3(oscore_bytes c_r, oscore_bytes message_3,
                                     edhoc_w *w);
/* Responder: EDHOC_ERR_MALFORMED when the payload starts with neither
 * true nor a well-formed connection identifier, or nothing follows. */
edhoc_err edhoc_coap_read_request(oscore_bytes payload, edhoc_coap_request *out);

/* RFC 9668: the combined request's payload is message_3 (one CBOR byte
 * string) followed by the OSCORE payload as it was. */
edhoc_err edhoc_coap_write_combined(oscore_bytes message_3,
                                    oscore_bytes oscore_payload, edhoc_w *w);
edhoc_err edhoc_coap_read_combined(oscore_bytes payload,
                                   oscore_bytes *message_3,
                                   oscore_bytes *oscore_payload);

#endif
