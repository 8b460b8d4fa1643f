/* Private to the core: the AAD of RFC 8613 §5.4, the COSE Enc_structure
 * ["Encrypt0", h'', external_aad] whose external_aad is the serialised
 * [oscore_version 1, [alg_aead], request_kid, request_piv, options h'']. */
#ifndef OSCORE_AAD_H
#define OSCORE_AAD_H

#include <stddef.h>
#include <stdint.h>
#include "oscore_bytes.h"
#include "oscore_error.h"

/* Enough for every AAD the core builds: kid <= 7 and piv <= 5 bytes. */
#define OSCORE_AAD_MAX 64

/* Serialise the AAD for AEAD |alg_cose| and the request's |kid| and |piv|
 * (both directions use the request's, §5.4) into |out| (|cap| bytes).
 * OSCORE_ERR_BUFFER_TOO_SMALL when it does not fit. */
oscore_err oscore_aad_build(int alg_cose, oscore_bytes kid, oscore_bytes piv,
                            uint8_t *out, size_t cap, size_t *len);

#endif
