/* EDHOC cipher suites 0-3 and 6 (RFC 9528 §3.6, §10.2): all use SHA-256;
 * 0-3 give OSCORE AES-CCM-16-64-128, 6 A128GCM. */
#ifndef EDHOC_SUITE_H
#define EDHOC_SUITE_H

#include <stddef.h>
#include <stdint.h>
#include "edhoc_key.h"
#include "oscore_alg.h"

#define EDHOC_HASH_LEN 32 /* SHA-256, the hash of every suite we speak */

typedef struct {
  int id;
  const char *name;
  int aead_cose;          /* EDHOC AEAD (COSE number) */
  size_t mac_len;         /* EDHOC MAC length for static DH */
  edhoc_curve dh;         /* ECDH curve: X25519 or P-256 */
  edhoc_curve sig;        /* signatures: Ed25519 (EdDSA) or P-256 (ES256) */
  int app_aead_cose;      /* application (OSCORE) AEAD */
} edhoc_suite;

/* NULL when |id| is not one we implement. */
const edhoc_suite *edhoc_suite_by_id(int64_t id);
/* The EDHOC AEAD of |s| in the OSCORE core's table (never NULL). */
const oscore_aead_info *edhoc_suite_aead(const edhoc_suite *s);

#endif
