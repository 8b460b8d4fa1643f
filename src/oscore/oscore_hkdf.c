/* HKDF (RFC 5869) extract-and-expand for the key derivation of RFC 8613
 * §3.2, through OpenSSL 3's EVP_KDF "HKDF". */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include "oscore_alg.h"

static const char *digest_name(oscore_hash h) {
  switch (h) {
  case OSCORE_HASH_SHA256: return "SHA256";
  case OSCORE_HASH_SHA384: return "SHA384";
  case OSCORE_HASH_SHA512: return "SHA512";
  }
  return NULL;
}

/* One EVP_KDF "HKDF" run in |mode| (OpenSSL's "EXTRACT_AND_EXPAND",
 * "EXTRACT_ONLY" or "EXPAND_ONLY"); |ikm| is the PRK when expanding only. */
static oscore_err hkdf_run(const char *mode, oscore_hash h, oscore_bytes salt,
                           oscore_bytes ikm, oscore_bytes info, uint8_t *out,
                           size_t out_len) {
  const char *md = digest_name(h);
  if (md == NULL)
    return OSCORE_ERR_UNKNOWN_HASH;
  if (out == NULL || out_len == 0 || (salt.ptr == NULL && salt.len) ||
      (ikm.ptr == NULL && ikm.len) || (info.ptr == NULL && info.len))
    return OSCORE_ERR_INVALID_ARG;

  /* OSSL_PARAM wants non-const pointers; an empty slice still needs one.
   * An empty salt is the RFC 5869 default (HashLen zeros): HMAC pads a
   * short key with zeros, so both give the same PRK. */
  static const uint8_t empty;
  OSSL_PARAM params[6];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                               (char *)md, 0);
  params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
      (void *)(ikm.len ? ikm.ptr : &empty), ikm.len);
  params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
      (void *)(salt.len ? salt.ptr : &empty), salt.len);
  params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
      (void *)(info.len ? info.ptr : &empty), info.len);
  params[4] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE,
                                               (char *)mode, 0);
  params[5] = OSSL_PARAM_construct_end();

  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  if (kdf == NULL)
    return OSCORE_ERR_CRYPTO;
  EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (kctx == NULL)
    return OSCORE_ERR_NO_MEMORY;
  int ok = EVP_KDF_derive(kctx, out, out_len, params);
  /* Frees (and OpenSSL cleanses) the copies of key and PRK it holds. */
  EVP_KDF_CTX_free(kctx);
  return ok == 1 ? OSCORE_OK : OSCORE_ERR_CRYPTO;
}

oscore_err oscore_hkdf(oscore_hash h, oscore_bytes salt, oscore_bytes ikm,
                       oscore_bytes info, uint8_t *out, size_t out_len) {
  return hkdf_run("EXTRACT_AND_EXPAND", h, salt, ikm, info, out, out_len);
}

oscore_err oscore_hkdf_extract(oscore_hash h, oscore_bytes salt,
                               oscore_bytes ikm, uint8_t *prk, size_t prk_len) {
  return hkdf_run("EXTRACT_ONLY", h, salt, ikm, OSCORE_BYTES(NULL, 0), prk,
                  prk_len);
}

oscore_err oscore_hkdf_expand(oscore_hash h, oscore_bytes prk,
                              oscore_bytes info, uint8_t *out, size_t out_len) {
  return hkdf_run("EXPAND_ONLY", h, OSCORE_BYTES(NULL, 0), prk, info, out,
                  out_len);
}
