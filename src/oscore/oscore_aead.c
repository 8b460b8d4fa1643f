/* AEAD seal/open of RFC 8613 §5.3 through nettle. Each call keys its own
 * state on the stack and wipes it before returning: with AES-NI an AES key
 * schedule costs tens of nanoseconds, so nothing is cached between calls
 * and no key outlives the oscore_ctx that owns it. nettle rather than
 * OpenSSL because linking libcrypto and setting up its providers cost a
 * one-shot client two thirds of its start (bench/README.md), and nettle's
 * CCM seals a small message in less time than EVP did. */
#include <nettle/aes.h>
#include <nettle/ccm.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>
#include <stdbool.h>
#include <string.h>
#include "oscore_alg.h"
#include "oscore_secret.h"

typedef enum { MODE_CCM, MODE_GCM, MODE_CHACHA } aead_mode;

/* Every keyed state one call may need; only one member is live. */
typedef union {
  struct aes128_ctx ccm128;
  struct aes256_ctx ccm256;
  struct gcm_aes128_ctx gcm128;
  struct gcm_aes192_ctx gcm192;
  struct gcm_aes256_ctx gcm256;
  struct chacha_poly1305_ctx chacha;
} aead_state;

typedef struct {
  aead_mode mode;
  const oscore_aead_info *alg;
  aead_state st;
  nettle_cipher_func *block;   /* CCM: the AES block encryption */
} aead_run;

/* Keys |r| for |alg| (the table's COSE number picks the primitive; CCM's
 * nonce length picks L = 15 - nonce_len, given per message). */
static oscore_err key_run(aead_run *r, const oscore_aead_info *alg,
                          const uint8_t *key) {
  r->alg = alg;
  r->block = NULL;
  switch (alg->cose) {
  case 10: case 12: case 30: case 32:
    r->mode = MODE_CCM;
    aes128_set_encrypt_key(&r->st.ccm128, key);
    r->block = (nettle_cipher_func *)aes128_encrypt;
    return OSCORE_OK;
  case 11: case 13: case 31: case 33:
    r->mode = MODE_CCM;
    aes256_set_encrypt_key(&r->st.ccm256, key);
    r->block = (nettle_cipher_func *)aes256_encrypt;
    return OSCORE_OK;
  case 1:
    r->mode = MODE_GCM;
    gcm_aes128_set_key(&r->st.gcm128, key);
    return OSCORE_OK;
  case 2:
    r->mode = MODE_GCM;
    gcm_aes192_set_key(&r->st.gcm192, key);
    return OSCORE_OK;
  case 3:
    r->mode = MODE_GCM;
    gcm_aes256_set_key(&r->st.gcm256, key);
    return OSCORE_OK;
  case 24:
    r->mode = MODE_CHACHA;
    chacha_poly1305_set_key(&r->st.chacha, key);
    return OSCORE_OK;
  }
  return OSCORE_ERR_UNKNOWN_ALG;
}

/* GCM and ChaCha20-Poly1305: nonce and AAD in, ready for the data. */
static void start_stream(aead_run *r, oscore_bytes nonce, oscore_bytes aad) {
  switch (r->alg->cose) {
  case 1:
    gcm_aes128_set_iv(&r->st.gcm128, nonce.len, nonce.ptr);
    gcm_aes128_update(&r->st.gcm128, aad.len, aad.ptr);
    break;
  case 2:
    gcm_aes192_set_iv(&r->st.gcm192, nonce.len, nonce.ptr);
    gcm_aes192_update(&r->st.gcm192, aad.len, aad.ptr);
    break;
  case 3:
    gcm_aes256_set_iv(&r->st.gcm256, nonce.len, nonce.ptr);
    gcm_aes256_update(&r->st.gcm256, aad.len, aad.ptr);
    break;
  default:
    chacha_poly1305_set_nonce(&r->st.chacha, nonce.ptr);
    chacha_poly1305_update(&r->st.chacha, aad.len, aad.ptr);
    break;
  }
}

/* GCM and ChaCha20-Poly1305: the data through, in either direction. */
static void crypt_stream(aead_run *r, bool enc, size_t n, uint8_t *dst,
                         const uint8_t *src) {
  switch (r->alg->cose) {
  case 1:
    (enc ? gcm_aes128_encrypt : gcm_aes128_decrypt)(&r->st.gcm128, n, dst, src);
    break;
  case 2:
    (enc ? gcm_aes192_encrypt : gcm_aes192_decrypt)(&r->st.gcm192, n, dst, src);
    break;
  case 3:
    (enc ? gcm_aes256_encrypt : gcm_aes256_decrypt)(&r->st.gcm256, n, dst, src);
    break;
  default:
    (enc ? chacha_poly1305_encrypt : chacha_poly1305_decrypt)(&r->st.chacha,
                                                              n, dst, src);
    break;
  }
}

static void digest_stream(aead_run *r, uint8_t *tag) {
  size_t n = r->alg->tag_len;
  switch (r->alg->cose) {
  case 1: gcm_aes128_digest(&r->st.gcm128, n, tag); break;
  case 2: gcm_aes192_digest(&r->st.gcm192, n, tag); break;
  case 3: gcm_aes256_digest(&r->st.gcm256, n, tag); break;
  default: chacha_poly1305_digest(&r->st.chacha, n, tag); break;
  }
}

/* Checks shared by seal and open, before anything is keyed. CCM counts
 * the message length in its L = 15 - nonce_len bytes: nettle asserts on a
 * longer one, so it is refused here (a 13-byte nonce allows 65,535). */
static oscore_err check_args(const oscore_aead_info *alg, oscore_bytes key,
                             oscore_bytes nonce, oscore_bytes aad,
                             oscore_bytes data, const uint8_t *out,
                             const size_t *out_len) {
  if (alg == NULL || out_len == NULL || out == NULL)
    return OSCORE_ERR_INVALID_ARG;
  /* The table's own entry, not a look-alike: its lengths size the
   * buffers below. */
  if (oscore_aead_by_cose(alg->cose) != alg)
    return OSCORE_ERR_UNKNOWN_ALG;
  if (key.ptr == NULL || key.len != alg->key_len)
    return OSCORE_ERR_INVALID_ARG;
  if (nonce.ptr == NULL || nonce.len != alg->nonce_len)
    return OSCORE_ERR_INVALID_ARG;
  if ((aad.ptr == NULL && aad.len) || (data.ptr == NULL && data.len))
    return OSCORE_ERR_INVALID_ARG;
  return OSCORE_OK;
}

/* Whether a |len|-byte message fits CCM's length field for |alg|. */
static bool ccm_length_fits(const oscore_aead_info *alg, size_t len) {
  size_t l_bytes = 15 - alg->nonce_len;
  return l_bytes >= sizeof len || (len >> (8 * l_bytes)) == 0;
}

oscore_err oscore_aead_encrypt(const oscore_aead_info *alg, oscore_bytes key,
                               oscore_bytes nonce, oscore_bytes aad,
                               oscore_bytes plain, uint8_t *out, size_t out_cap,
                               size_t *out_len) {
  oscore_err err = check_args(alg, key, nonce, aad, plain, out, out_len);
  if (err != OSCORE_OK)
    return err;
  if (out_cap < alg->tag_len || out_cap - alg->tag_len < plain.len)
    return OSCORE_ERR_BUFFER_TOO_SMALL;
  aead_run r;
  if ((err = key_run(&r, alg, key.ptr)) != OSCORE_OK)
    return err;
  if (r.mode == MODE_CCM) {
    if (ccm_length_fits(alg, plain.len))
      ccm_encrypt_message(&r.st, r.block, nonce.len, nonce.ptr, aad.len,
                          aad.ptr, alg->tag_len, plain.len + alg->tag_len,
                          out, plain.ptr);
    else
      err = OSCORE_ERR_CRYPTO;
  } else {
    start_stream(&r, nonce, aad);
    crypt_stream(&r, true, plain.len, out, plain.ptr);
    digest_stream(&r, out + plain.len);
  }
  oscore_wipe(&r, sizeof r);
  if (err != OSCORE_OK)
    return err;
  *out_len = plain.len + alg->tag_len;
  return OSCORE_OK;
}

oscore_err oscore_aead_decrypt(const oscore_aead_info *alg, oscore_bytes key,
                               oscore_bytes nonce, oscore_bytes aad,
                               oscore_bytes cipher_text, uint8_t *out,
                               size_t out_cap, size_t *out_len) {
  oscore_err err = check_args(alg, key, nonce, aad, cipher_text, out, out_len);
  if (err != OSCORE_OK)
    return err;
  /* Shorter than a tag cannot have been sealed by the peer (§8.2 step 6:
   * that is a decryption failure, not a malformed option). */
  if (cipher_text.len < alg->tag_len)
    return OSCORE_ERR_DECRYPT;
  size_t plain_len = cipher_text.len - alg->tag_len;
  if (out_cap < plain_len)
    return OSCORE_ERR_BUFFER_TOO_SMALL;
  /* Copy the tag first: |out| may be |cipher_text| itself (in place). */
  uint8_t tag[OSCORE_MAX_TAG_LEN], want[OSCORE_MAX_TAG_LEN];
  memcpy(tag, cipher_text.ptr + plain_len, alg->tag_len);
  aead_run r;
  if ((err = key_run(&r, alg, key.ptr)) != OSCORE_OK)
    return err;
  bool ok;
  if (r.mode == MODE_CCM) {
    ok = ccm_length_fits(alg, plain_len) &&
         ccm_decrypt_message(&r.st, r.block, nonce.len, nonce.ptr, aad.len,
                             aad.ptr, alg->tag_len, plain_len, out,
                             cipher_text.ptr) == 1;
  } else {
    start_stream(&r, nonce, aad);
    crypt_stream(&r, false, plain_len, out, cipher_text.ptr);
    digest_stream(&r, want);
    ok = oscore_secret_equal(want, tag, alg->tag_len);
  }
  oscore_wipe(&r, sizeof r);
  oscore_wipe(want, sizeof want);
  if (!ok) {
    /* Unauthenticated plaintext must never reach anyone. */
    oscore_wipe(out, plain_len);
    return OSCORE_ERR_DECRYPT;
  }
  *out_len = plain_len;
  return OSCORE_OK;
}
