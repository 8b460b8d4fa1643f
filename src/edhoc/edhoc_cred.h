/* Authentication credentials (RFC 9528 §3.5.2) and their identifiers
 * ID_CRED_x (§3.5.3): a CWT Claims Set (CCS, RFC 8392) holding a COSE_Key
 * in its 'cnf' claim, or an X.509 certificate (DER). Certificates are
 * trusted as given (pinned): there is no chain validation, so a map names
 * each peer certificate it trusts. */
#ifndef EDHOC_CRED_H
#define EDHOC_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edhoc_cbor.h"
#include "edhoc_key.h"

#define EDHOC_MAX_CRED 1024 /* encoded CRED_x */
#define EDHOC_MAX_KID 16

typedef enum { EDHOC_CRED_CCS, EDHOC_CRED_X509 } edhoc_cred_kind;

typedef struct {
  edhoc_cred_kind kind;
  /* CRED_x as it enters TH_3/TH_4 and the MACs: the CCS map itself, or
   * the certificate's DER as a CBOR byte string (§3.5.2). */
  uint8_t item[EDHOC_MAX_CRED + 4];
  size_t item_len;
  oscore_bytes der;          /* X.509: the DER inside |item| */
  uint8_t kid[EDHOC_MAX_KID];
  size_t kid_len;
  bool has_kid;              /* CCS: the COSE_Key's kid (label 2) */
  edhoc_key *pub;            /* the credential's public key */
} edhoc_cred;

/* Parse a CCS (the encoded map) into |out| (cleared first). */
edhoc_err edhoc_cred_from_ccs(oscore_bytes ccs, edhoc_cred *out);
/* Take a DER certificate; its key must be Ed25519, X25519 or P-256. */
edhoc_err edhoc_cred_from_x509(oscore_bytes der, edhoc_cred *out);
/* Writes a CCS for the public part of |k|: { ?2: subject, 8: { 1:
 * COSE_Key } } with kty, kid (if |kid| is not empty), crv, x (and y for
 * P-256), in the order of the RFC 9529 traces. |subject| may be NULL. */
edhoc_err edhoc_ccs_write(const edhoc_key *k, oscore_bytes kid,
                          const char *subject, edhoc_w *w);
/* Frees the public key and zeroes the struct (safe on a zeroed one). */
void edhoc_cred_clear(edhoc_cred *c);

/* How ID_CRED_x names a credential. */
typedef enum {
  EDHOC_IDCRED_KID,     /* {4: kid}, sent compact (§3.5.3.2) */
  EDHOC_IDCRED_KCCS,    /* {14: CCS}: by value */
  EDHOC_IDCRED_X5CHAIN, /* {33: DER}: certificate by value */
  EDHOC_IDCRED_X5T,     /* {34: [-15, SHA-256/64]}: certificate by hash */
} edhoc_idcred_kind;

/* A received ID_CRED_x; byte fields point into the message. */
typedef struct {
  edhoc_idcred_kind kind;
  oscore_bytes kid;     /* KID */
  oscore_bytes value;   /* KCCS: the CCS; X5CHAIN: DER; X5T: the hash */
  int64_t x5t_alg;      /* X5T: -15 (SHA-256/64) or -16 (SHA-256) */
} edhoc_id_cred;

/* Writes the ID_CRED_x map of |c| named as |kind| (for the MAC context
 * and signatures). KID needs a CCS with a kid, X5CHAIN/X5T a
 * certificate: else EDHOC_ERR_INVALID_ARG. */
edhoc_err edhoc_id_cred_write(const edhoc_cred *c, edhoc_idcred_kind kind,
                              edhoc_w *w);
/* Writes ID_CRED_x as it goes into PLAINTEXT_2/3: a kid-only map as its
 * kid alone, as a one-byte integer when the kid is one (§3.3.2). */
edhoc_err edhoc_id_cred_write_compact(oscore_bytes map, edhoc_w *w);
/* Decodes a PLAINTEXT ID_CRED_x item (compact or map) into |id| and
 * re-writes its full map form into |map_w| (what the MACs cover). */
edhoc_err edhoc_id_cred_read(const edhoc_cbor_val *v, edhoc_id_cred *id,
                             edhoc_w *map_w);
/* True when |id| names |c|. */
bool edhoc_id_cred_matches(const edhoc_id_cred *id, const edhoc_cred *c);

#endif
