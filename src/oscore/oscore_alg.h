/* AEAD algorithms (COSE numbers) and HKDF hash functions of RFC 8613. */
#ifndef OSCORE_ALG_H
#define OSCORE_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "oscore_bytes.h"
#include "oscore_error.h"

#define OSCORE_MAX_KEY_LEN   32
#define OSCORE_MAX_TAG_LEN   16
#define OSCORE_MAX_NONCE_LEN 13

typedef enum {
  OSCORE_HASH_SHA256 = 0,
  OSCORE_HASH_SHA384,
  OSCORE_HASH_SHA512,
} oscore_hash;

/* Static description of one AEAD; |cose| is its COSE algorithm number. */
typedef struct {
  int cose;
  const char *name;     /* aiocoap's spelling, e.g. "AES-CCM-16-64-128" */
  size_t key_len;
  size_t tag_len;
  size_t nonce_len;
} oscore_aead_info;

/* Look-ups; NULL / error when unknown. Names compare exactly. */
const oscore_aead_info *oscore_aead_by_cose(int cose);
const oscore_aead_info *oscore_aead_by_name(const char *name);
/* Iterate: returns the i-th supported AEAD, NULL past the end. */
const oscore_aead_info *oscore_aead_at(size_t i);
oscore_err oscore_hash_by_name(const char *name, oscore_hash *out);
const char *oscore_hash_name(oscore_hash h);

/* AEAD seal: writes |plain.len + tag_len| bytes to |out| (|out_cap| its size).
 * |key| and |nonce| must have the algorithm's lengths. */
oscore_err oscore_aead_encrypt(const oscore_aead_info *alg, oscore_bytes key,
                               oscore_bytes nonce, oscore_bytes aad,
                               oscore_bytes plain, uint8_t *out, size_t out_cap,
                               size_t *out_len);

/* AEAD open: |cipher| includes the tag; writes |cipher.len - tag_len| bytes.
 * OSCORE_ERR_DECRYPT when the tag does not verify (nothing useful in |out|). */
oscore_err oscore_aead_decrypt(const oscore_aead_info *alg, oscore_bytes key,
                               oscore_bytes nonce, oscore_bytes aad,
                               oscore_bytes cipher, uint8_t *out, size_t out_cap,
                               size_t *out_len);

/* HKDF (RFC 5869) extract-and-expand with |h|: |out_len| bytes to |out|. */
oscore_err oscore_hkdf(oscore_hash h, oscore_bytes salt, oscore_bytes ikm,
                       oscore_bytes info, uint8_t *out, size_t out_len);

/* The two HKDF halves on their own, for EDHOC (RFC 9528 §4.1.1-2 uses
 * Extract and Expand separately). Extract writes the hash length
 * (|prk_len| must equal it); Expand takes that PRK as |prk|. */
oscore_err oscore_hkdf_extract(oscore_hash h, oscore_bytes salt,
                               oscore_bytes ikm, uint8_t *prk, size_t prk_len);
oscore_err oscore_hkdf_expand(oscore_hash h, oscore_bytes prk,
                              oscore_bytes info, uint8_t *out, size_t out_len);

#endif
