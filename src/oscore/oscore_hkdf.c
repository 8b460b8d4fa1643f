/* HKDF (RFC 5869) for the key derivation of RFC 8613 §3.2 and EDHOC's
 * Extract/Expand, through nettle's HMAC. The keyed HMAC states hold the
 * salt or the PRK, so they are wiped before returning. */
#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <stdbool.h>
#include "oscore_alg.h"
#include "oscore_secret.h"

/* One HMAC, keyed, with its update and digest functions (the digest
 * length is hash_len's). */
typedef struct {
  union {
    struct hmac_sha256_ctx s256;
    struct hmac_sha512_ctx s512;   /* SHA-384 uses SHA-512's state */
  } st;
  nettle_hash_update_func *update;
  nettle_hash_digest_func *digest;
} hmac_run;

static size_t hash_len(oscore_hash h) {
  switch (h) {
  case OSCORE_HASH_SHA256: return SHA256_DIGEST_SIZE;
  case OSCORE_HASH_SHA384: return SHA384_DIGEST_SIZE;
  case OSCORE_HASH_SHA512: return SHA512_DIGEST_SIZE;
  }
  return 0;
}

static oscore_err hmac_key(hmac_run *m, oscore_hash h, oscore_bytes key) {
  switch (h) {
  case OSCORE_HASH_SHA256:
    hmac_sha256_set_key(&m->st.s256, key.len, key.ptr);
    m->update = (nettle_hash_update_func *)hmac_sha256_update;
    m->digest = (nettle_hash_digest_func *)hmac_sha256_digest;
    return OSCORE_OK;
  case OSCORE_HASH_SHA384:
    hmac_sha384_set_key(&m->st.s512, key.len, key.ptr);
    m->update = (nettle_hash_update_func *)hmac_sha384_update;
    m->digest = (nettle_hash_digest_func *)hmac_sha384_digest;
    return OSCORE_OK;
  case OSCORE_HASH_SHA512:
    hmac_sha512_set_key(&m->st.s512, key.len, key.ptr);
    m->update = (nettle_hash_update_func *)hmac_sha512_update;
    m->digest = (nettle_hash_digest_func *)hmac_sha512_digest;
    return OSCORE_OK;
  }
  return OSCORE_ERR_UNKNOWN_HASH;
}

static bool slice_ok(oscore_bytes b) { return b.ptr != NULL || b.len == 0; }

/* Extract: PRK = HMAC(salt, ikm). An empty salt is RFC 5869's default
 * (HashLen zeros): HMAC pads a short key with zeros, so both agree. */
oscore_err oscore_hkdf_extract(oscore_hash h, oscore_bytes salt,
                               oscore_bytes ikm, uint8_t *prk, size_t prk_len) {
  size_t n = hash_len(h);
  if (n == 0)
    return OSCORE_ERR_UNKNOWN_HASH;
  if (prk == NULL || prk_len != n || !slice_ok(salt) || !slice_ok(ikm))
    return OSCORE_ERR_INVALID_ARG;
  hmac_run m;
  oscore_err err = hmac_key(&m, h, salt);
  if (err == OSCORE_OK)
    hkdf_extract(&m.st, m.update, m.digest, n, ikm.len, ikm.ptr, prk);
  oscore_wipe(&m, sizeof m);
  return err;
}

/* Expand: at most 255 hash lengths (RFC 5869 §2.3), which nettle leaves
 * to the caller. */
oscore_err oscore_hkdf_expand(oscore_hash h, oscore_bytes prk,
                              oscore_bytes info, uint8_t *out, size_t out_len) {
  size_t n = hash_len(h);
  if (n == 0)
    return OSCORE_ERR_UNKNOWN_HASH;
  if (out == NULL || out_len == 0 || out_len > 255 * n || !slice_ok(prk) ||
      !slice_ok(info))
    return OSCORE_ERR_INVALID_ARG;
  hmac_run m;
  oscore_err err = hmac_key(&m, h, prk);
  if (err == OSCORE_OK)
    hkdf_expand(&m.st, m.update, m.digest, n, info.len, info.ptr, out_len,
                out);
  oscore_wipe(&m, sizeof m);
  return err;
}

oscore_err oscore_hkdf(oscore_hash h, oscore_bytes salt, oscore_bytes ikm,
                       oscore_bytes info, uint8_t *out, size_t out_len) {
  size_t n = hash_len(h);
  if (n == 0)
    return OSCORE_ERR_UNKNOWN_HASH;
  uint8_t prk[SHA512_DIGEST_SIZE];
  oscore_err err = oscore_hkdf_extract(h, salt, ikm, prk, n);
  if (err == OSCORE_OK)
    err = oscore_hkdf_expand(h, OSCORE_BYTES(prk, n), info, out, out_len);
  oscore_wipe(prk, sizeof prk);
  return err;
}
