/* Private to the core: an incremental CoAP option serialiser (RFC 7252
 * §3.1). oscore_opts_payload_encode() uses it for whole messages; protect
 * uses it to write the plaintext directly, interleaving the Uri-Path and
 * Uri-Query options it decomposes from Proxy-Uri (RFC 8613 §4.1.3.3) with
 * the message's own options without an intermediate option array. */
#ifndef OSCORE_OPTWRITER_H
#define OSCORE_OPTWRITER_H

#include <stddef.h>
#include <stdint.h>
#include "oscore_bytes.h"
#include "oscore_error.h"

typedef struct {
  uint8_t *out;
  size_t cap;
  size_t len;       /* bytes written so far */
  uint32_t prev;    /* number of the previous option, for the delta */
} oscore_optw;

void oscore_optw_init(oscore_optw *w, uint8_t *out, size_t cap);

/* Write the header of option |number| whose value has |value_len| bytes and
 * reserve room for the value; |*value| is where the caller writes it.
 * Numbers must not decrease (OSCORE_ERR_INVALID_ARG);
 * OSCORE_ERR_BUFFER_TOO_SMALL when the header and value do not fit. */
oscore_err oscore_optw_begin(oscore_optw *w, uint16_t number, size_t value_len,
                             uint8_t **value);

/* Header and value of one option. */
oscore_err oscore_optw_put(oscore_optw *w, uint16_t number, oscore_bytes value);

/* The payload marker and |payload|; nothing when |payload| is empty (an
 * empty payload after a marker is a format error, RFC 7252 §3). */
oscore_err oscore_optw_payload(oscore_optw *w, oscore_bytes payload);

#endif
