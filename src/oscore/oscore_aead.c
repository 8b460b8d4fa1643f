/* AEAD seal/open of RFC 8613 §5.3 through OpenSSL 3 EVP. One EVP_CIPHER_CTX
 * per call: no state survives a message, so a context can never carry a key
 * or nonce into the next call; only the (keyless) cipher implementations are
 * fetched once and shared. */
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include "oscore_alg.h"

typedef enum { MODE_CCM, MODE_GCM, MODE_CHACHA } aead_mode;

enum { C_CCM128, C_CCM256, C_GCM128, C_GCM192, C_GCM256, C_CHACHA, C_COUNT };

/* Explicitly fetched ciphers, once per process: EVP_aes_128_ccm() and
 * friends make OpenSSL 3 look the implementation up again on every init,
 * which costs about a fifth of a small message's seal+open. They are never
 * freed (process lifetime, like OpenSSL's own tables). */
static EVP_CIPHER *fetched[C_COUNT];
static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;

static void fetch_all(void) {
  static const char *const names[C_COUNT] = {
    [C_CCM128] = "AES-128-CCM", [C_CCM256] = "AES-256-CCM",
    [C_GCM128] = "AES-128-GCM", [C_GCM192] = "AES-192-GCM",
    [C_GCM256] = "AES-256-GCM", [C_CHACHA] = "ChaCha20-Poly1305",
  };
  for (int i = 0; i < C_COUNT; i++)
    fetched[i] = EVP_CIPHER_fetch(NULL, names[i], NULL);
}

/* Maps the table entry to an EVP cipher. CCM's nonce length picks L
 * (15 - nonce_len: 13 bytes → L=2, 7 bytes → L=8), set at run time. */
static const EVP_CIPHER *cipher_for(const oscore_aead_info *alg,
                                    aead_mode *mode) {
  int which;
  switch (alg->cose) {
  case 10: case 12: case 30: case 32:
    *mode = MODE_CCM;
    which = C_CCM128;
    break;
  case 11: case 13: case 31: case 33:
    *mode = MODE_CCM;
    which = C_CCM256;
    break;
  case 1: *mode = MODE_GCM; which = C_GCM128; break;
  case 2: *mode = MODE_GCM; which = C_GCM192; break;
  case 3: *mode = MODE_GCM; which = C_GCM256; break;
  case 24: *mode = MODE_CHACHA; which = C_CHACHA; break;
  default: return NULL;
  }
  if (!CRYPTO_THREAD_run_once(&fetch_once, fetch_all))
    return NULL;
  return fetched[which];
}

/* Checks shared by seal and open; OSCORE_OK when the slices fit |alg|
 * and every length fits EVP's int arguments. */
static oscore_err check_args(const oscore_aead_info *alg, oscore_bytes key,
                             oscore_bytes nonce, oscore_bytes aad,
                             oscore_bytes data, const uint8_t *out,
                             size_t *out_len) {
  if (alg == NULL || out_len == NULL)
    return OSCORE_ERR_INVALID_ARG;
  if (key.ptr == NULL || key.len != alg->key_len)
    return OSCORE_ERR_INVALID_ARG;
  if (nonce.ptr == NULL || nonce.len != alg->nonce_len)
    return OSCORE_ERR_INVALID_ARG;
  if ((aad.ptr == NULL && aad.len) || (data.ptr == NULL && data.len))
    return OSCORE_ERR_INVALID_ARG;
  if (aad.len > INT_MAX || data.len > INT_MAX - OSCORE_MAX_TAG_LEN)
    return OSCORE_ERR_INVALID_ARG;
  if (out == NULL)
    return OSCORE_ERR_INVALID_ARG;
  return OSCORE_OK;
}

/* Sets nonce length, tag (length, and value when |tag| is given, for CCM
 * decryption) and key in the order CCM needs: M and L are fixed when the key
 * is installed. |enc| is 1 to seal, 0 to open. */
static oscore_err setup(EVP_CIPHER_CTX *c, const EVP_CIPHER *cipher,
                        aead_mode mode, const oscore_aead_info *alg,
                        oscore_bytes key, oscore_bytes nonce,
                        const uint8_t *ccm_tag, int enc) {
  if (EVP_CipherInit_ex(c, cipher, NULL, NULL, NULL, enc) != 1)
    return OSCORE_ERR_CRYPTO;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, (int)alg->nonce_len,
                          NULL) != 1)
    return OSCORE_ERR_CRYPTO;
  if (mode == MODE_CCM &&
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)alg->tag_len,
                          (void *)ccm_tag) != 1)
    return OSCORE_ERR_CRYPTO;
  if (EVP_CipherInit_ex(c, NULL, NULL, key.ptr, nonce.ptr, enc) != 1)
    return OSCORE_ERR_CRYPTO;
  return OSCORE_OK;
}

/* CCM must be told the payload length before the AAD (RFC 3610 B_0 block);
 * an empty AAD is simply not fed. */
static oscore_err feed_aad(EVP_CIPHER_CTX *c, aead_mode mode,
                           oscore_bytes aad, size_t data_len) {
  int n;
  if (mode == MODE_CCM &&
      EVP_CipherUpdate(c, NULL, &n, NULL, (int)data_len) != 1)
    return OSCORE_ERR_CRYPTO;
  if (aad.len &&
      EVP_CipherUpdate(c, NULL, &n, aad.ptr, (int)aad.len) != 1)
    return OSCORE_ERR_CRYPTO;
  return OSCORE_OK;
}

oscore_err oscore_aead_encrypt(const oscore_aead_info *alg, oscore_bytes key,
                               oscore_bytes nonce, oscore_bytes aad,
                               oscore_bytes plain, uint8_t *out, size_t out_cap,
                               size_t *out_len) {
  oscore_err err = check_args(alg, key, nonce, aad, plain, out, out_len);
  if (err != OSCORE_OK)
    return err;
  aead_mode mode;
  const EVP_CIPHER *cipher = cipher_for(alg, &mode);
  if (cipher == NULL)
    return oscore_aead_by_cose(alg->cose) ? OSCORE_ERR_CRYPTO
                                          : OSCORE_ERR_UNKNOWN_ALG;
  if (out_cap < alg->tag_len || out_cap - alg->tag_len < plain.len)
    return OSCORE_ERR_BUFFER_TOO_SMALL;

  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  if (c == NULL)
    return OSCORE_ERR_NO_MEMORY;
  /* OpenSSL's CCM skips an update whose input is NULL, which would leave an
   * empty plaintext without a tag; any valid pointer does for length 0. */
  static const uint8_t empty;
  const uint8_t *in = plain.len ? plain.ptr : &empty;
  int n = 0, fin = 0;
  err = setup(c, cipher, mode, alg, key, nonce, NULL, 1);
  if (err == OSCORE_OK)
    err = feed_aad(c, mode, aad, plain.len);
  if (err == OSCORE_OK &&
      (EVP_CipherUpdate(c, out, &n, in, (int)plain.len) != 1 ||
       (size_t)n != plain.len ||
       EVP_CipherFinal_ex(c, out + n, &fin) != 1 || fin != 0 ||
       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)alg->tag_len,
                           out + plain.len) != 1))
    err = OSCORE_ERR_CRYPTO;
  EVP_CIPHER_CTX_free(c);
  if (err != OSCORE_OK) {
    OPENSSL_cleanse(out, plain.len + alg->tag_len);
    return err;
  }
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
  aead_mode mode;
  const EVP_CIPHER *cipher = cipher_for(alg, &mode);
  if (cipher == NULL)
    return oscore_aead_by_cose(alg->cose) ? OSCORE_ERR_CRYPTO
                                          : OSCORE_ERR_UNKNOWN_ALG;
  /* Shorter than a tag cannot have been sealed by the peer (§8.2 step 6:
   * that is a decryption failure, not a malformed option). */
  if (cipher_text.len < alg->tag_len)
    return OSCORE_ERR_DECRYPT;
  size_t plain_len = cipher_text.len - alg->tag_len;
  if (out_cap < plain_len)
    return OSCORE_ERR_BUFFER_TOO_SMALL;
  /* Copy the tag first: |out| may be |cipher_text| itself (in place). */
  uint8_t tag[OSCORE_MAX_TAG_LEN];
  memcpy(tag, cipher_text.ptr + plain_len, alg->tag_len);

  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  if (c == NULL)
    return OSCORE_ERR_NO_MEMORY;
  static const uint8_t empty;
  uint8_t sink[1];
  const uint8_t *in = plain_len ? cipher_text.ptr : &empty;
  uint8_t *dst = plain_len ? out : sink;
  int n = 0, fin = 0;
  err = setup(c, cipher, mode, alg, key, nonce,
              mode == MODE_CCM ? tag : NULL, 0);
  if (err == OSCORE_OK)
    err = feed_aad(c, mode, aad, plain_len);
  if (err == OSCORE_OK) {
    if (mode == MODE_CCM) {
      /* CCM verifies the tag inside this single update. */
      if (EVP_CipherUpdate(c, dst, &n, in, (int)plain_len) != 1)
        err = OSCORE_ERR_DECRYPT;
    } else {
      if (EVP_CipherUpdate(c, dst, &n, in, (int)plain_len) != 1 ||
          (size_t)n != plain_len ||
          EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)alg->tag_len,
                              tag) != 1)
        err = OSCORE_ERR_CRYPTO;
      else if (EVP_CipherFinal_ex(c, dst + n, &fin) != 1)
        err = OSCORE_ERR_DECRYPT;
    }
  }
  EVP_CIPHER_CTX_free(c);
  if (err != OSCORE_OK) {
    /* Unauthenticated plaintext must never reach anyone. */
    OPENSSL_cleanse(out, plain_len);
    return err;
  }
  *out_len = plain_len;
  return OSCORE_OK;
}
