/* EDHOC's key schedule primitives (RFC 9528 §4.1): EDHOC_Extract is
 * HKDF-Extract with SHA-256, EDHOC_KDF(PRK, label, context, length) is
 * HKDF-Expand with info = (label, bstr context, length) as a CBOR
 * sequence; everything derived (PRKs, keys, MACs, keystream, exporter)
 * goes through these two. */
#ifndef EDHOC_KDF_H
#define EDHOC_KDF_H

#include <stddef.h>
#include <stdint.h>
#include "edhoc_error.h"
#include "oscore_bytes.h"

#define EDHOC_MAX_KDF_OUT 1024 /* longest KEYSTREAM_2 we produce */

edhoc_err edhoc_extract(oscore_bytes salt, oscore_bytes ikm,
                        uint8_t prk[32]);
edhoc_err edhoc_kdf(const uint8_t prk[32], uint64_t label,
                    oscore_bytes context, uint8_t *out, size_t len);

#endif
