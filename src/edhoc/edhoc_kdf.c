/* EDHOC_Extract and EDHOC_KDF over the OSCORE core's HKDF (edhoc_kdf.h). */
#include "oscore_secret.h"
#include <stdlib.h>
#include "edhoc_cbor.h"
#include "edhoc_kdf.h"
#include "oscore_alg.h"

edhoc_err edhoc_extract(oscore_bytes salt, oscore_bytes ikm,
                        uint8_t prk[32]) {
  return oscore_hkdf_extract(OSCORE_HASH_SHA256, salt, ikm, prk, 32) ==
         OSCORE_OK ? EDHOC_OK : EDHOC_ERR_CRYPTO;
}

edhoc_err edhoc_kdf(const uint8_t prk[32], uint64_t label,
                    oscore_bytes context, uint8_t *out, size_t len) {
  if (len == 0 || len > EDHOC_MAX_KDF_OUT)
    return EDHOC_ERR_INVALID_ARG;
  size_t cap = context.len + 32;
  uint8_t *info = malloc(cap);
  if (info == NULL)
    return EDHOC_ERR_NO_MEMORY;
  edhoc_w w;
  edhoc_w_init(&w, info, cap);
  edhoc_w_int(&w, (int64_t)label);
  edhoc_w_bstr(&w, context);
  edhoc_w_int(&w, (int64_t)len);
  edhoc_err err = edhoc_w_status(&w);
  if (err == EDHOC_OK &&
      oscore_hkdf_expand(OSCORE_HASH_SHA256, OSCORE_BYTES(prk, 32),
                         OSCORE_BYTES(info, w.len), out, len) != OSCORE_OK)
    err = EDHOC_ERR_CRYPTO;
  /* The context can hold secrets' inputs (TH, credentials): wipe. */
  oscore_wipe(info, cap);
  free(info);
  return err;
}
