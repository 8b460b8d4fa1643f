/* Private keys as aiocoap's .cosekey files hold them: one COSE_Key map
 * (RFC 9052 §7) { 1: kty, -1: crv, -4: d } and nothing else. aiocoap
 * writes and reads EC2 P-256 keys ({1: 2, -1: 1, -4: d}); we also accept
 * OKP X25519 / Ed25519 ({1: 1, -1: 4 or 6, -4: d}) for suites 0 and 1,
 * which aiocoap cannot read. */
#ifndef EDHOC_COSEKEY_H
#define EDHOC_COSEKEY_H

#include "edhoc_cbor.h"
#include "edhoc_key.h"

#define EDHOC_COSEKEY_MAX 48 /* a3 01 xx 20 xx 23 58 20 + 32 */

/* Encodes the private key |k| in aiocoap's key order (kty, crv, d). */
edhoc_err edhoc_cosekey_write(const edhoc_key *k, edhoc_w *w);
/* Decodes a key file's bytes; EDHOC_ERR_CRED_MALFORMED names no detail,
 * |why| (if not NULL) gets a short reason. */
edhoc_err edhoc_cosekey_read(oscore_bytes in, edhoc_key **out,
                             const char **why);

#endif
