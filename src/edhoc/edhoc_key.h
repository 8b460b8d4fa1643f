/* Asymmetric keys for EDHOC through OpenSSL 3 EVP: ephemeral and static
 * ECDH (X25519, P-256) and signatures (Ed25519, ES256). Raw forms are
 * those of COSE keys: 32-byte private scalars/seeds, x (and y) public
 * coordinates. An edhoc_key owns its EVP_PKEY; freeing it lets OpenSSL
 * cleanse the private part. */
#ifndef EDHOC_KEY_H
#define EDHOC_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edhoc_error.h"
#include "oscore_bytes.h"

typedef enum {
  EDHOC_CURVE_X25519,   /* COSE OKP crv 4 */
  EDHOC_CURVE_ED25519,  /* COSE OKP crv 6 */
  EDHOC_CURVE_P256,     /* COSE EC2 crv 1: ECDH and ES256 */
} edhoc_curve;

#define EDHOC_COORD_LEN 32 /* every curve we support: 32-byte x, y, d */
#define EDHOC_SIG_LEN 64   /* EdDSA and ES256 (r || s) */

typedef struct edhoc_key edhoc_key;

/* A fresh key pair from OpenSSL's DRBG. */
edhoc_err edhoc_key_generate(edhoc_curve c, edhoc_key **out);
/* A key pair from the 32-byte private value |d| (test traces, key files). */
edhoc_err edhoc_key_from_private(edhoc_curve c, oscore_bytes d,
                                 edhoc_key **out);
/* A public key: |x| for X25519/Ed25519; for P-256 |x| with |y|, or with an
 * empty |y| the point with that x (EDHOC sends only x, RFC 9528 §3.7: the
 * shared secret is the same for either y). EDHOC_ERR_BAD_KEY when it is
 * not a valid point. */
edhoc_err edhoc_key_from_public(edhoc_curve c, oscore_bytes x, oscore_bytes y,
                                edhoc_key **out);
/* A key taken over from an OpenSSL key (an X.509 certificate's): the
 * caller's reference is taken in every case, also when this fails
 * (BAD_KEY if it is no curve we use). */
edhoc_err edhoc_key_from_evp(void *evp_pkey, edhoc_key **out);
/* Another handle on the same key (reference counted, nothing copied):
 * for a caller keeping a key that a session call takes over. */
edhoc_err edhoc_key_ref(const edhoc_key *k, edhoc_key **out);
void edhoc_key_free(edhoc_key *k);

edhoc_curve edhoc_key_curve(const edhoc_key *k);
bool edhoc_key_has_private(const edhoc_key *k);
/* Public coordinates: x always, y for P-256 (|y| may be NULL). */
edhoc_err edhoc_key_public(const edhoc_key *k, uint8_t x[EDHOC_COORD_LEN],
                           uint8_t y[EDHOC_COORD_LEN]);
/* The private value (for writing a key file); wipe it after use. */
edhoc_err edhoc_key_private(const edhoc_key *k, uint8_t d[EDHOC_COORD_LEN]);

/* ECDH: the 32-byte shared secret (x-coordinate for P-256). BAD_KEY for a
 * peer key of low order / the wrong curve. */
edhoc_err edhoc_ecdh(const edhoc_key *own, const edhoc_key *peer,
                     uint8_t out[EDHOC_COORD_LEN]);
/* EdDSA or ES256 (SHA-256) signature over |msg|, 64 bytes. */
edhoc_err edhoc_sign(const edhoc_key *own, oscore_bytes msg,
                     uint8_t sig[EDHOC_SIG_LEN]);
/* EDHOC_OK or EDHOC_ERR_AUTH. */
edhoc_err edhoc_verify(const edhoc_key *peer, oscore_bytes msg,
                       oscore_bytes sig);

/* SHA-256 of |in|. */
edhoc_err edhoc_sha256(oscore_bytes in, uint8_t out[32]);

#endif
