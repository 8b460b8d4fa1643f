/* Reason phrases of CoAP response codes (RFC 7252 §5.9, RFC 7959, RFC 8132,
 * RFC 8516), sent as the diagnostic payload of error answers that have no
 * more specific text. Our own table: libcoap's coap_response_phrase() is
 * compiled out in some builds (SHORT_ERROR_RESPONSE). */
#ifndef COAPX_REASON_H
#define COAPX_REASON_H

#include <stdint.h>

/* The phrase for |code| (class << 5 | detail), e.g. "Unauthorized"; NULL
 * for codes without one. */
const char *coapx_reason_phrase(uint8_t code);

#endif
