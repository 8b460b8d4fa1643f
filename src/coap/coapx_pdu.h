/* Conversion between a libcoap PDU and the core's oscore_msg (code, sorted
 * options, payload). The core never sees libcoap types; this is the only
 * place that walks or fills a coap_pdu_t option by option. */
#ifndef COAPX_PDU_H
#define COAPX_PDU_H

#include <coap3/coap.h>
#include "coapx_error.h"
#include "oscore_msg.h"

/* Read code, every option and the payload of |pdu| into |m|, which the caller
 * set up with oscore_msg_init() (its option array is the caller's). Option
 * values and the payload point into |pdu|: |m| is valid while |pdu| lives and
 * is unchanged. Options keep wire order (ascending, repeats in order).
 * COAPX_ERR_TOO_MANY_OPTIONS when the array is too short. */
coapx_err coapx_pdu_read(const coap_pdu_t *pdu, oscore_msg *m);

/* Set the code of |pdu| to m->code and append m's options (ascending) and
 * payload. |pdu| must not hold options or payload yet (a token is fine); it
 * copies every value. COAPX_ERR_PDU_FULL when libcoap refuses one (PDU size
 * limit), COAPX_ERR_INVALID_ARG when the options are not sorted. */
coapx_err coapx_pdu_write(coap_pdu_t *pdu, const oscore_msg *m);

/* Bytes that m's options and payload take in a PDU (RFC 7252 §3.1
 * encoding, payload marker included): with the token this must fit within
 * coap_session_max_pdu_size(), or coapx_pdu_write() fails half-way. */
size_t coapx_pdu_wire_size(const oscore_msg *m);

#endif
