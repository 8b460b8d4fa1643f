/* AEAD seal/open of RFC 8613 §5.3 through OpenSSL 3 EVP. The (keyless)
 * cipher implementations are fetched once and shared. Each thread keeps
 * the key schedules of its last few keys (one EVP_CIPHER_CTX each, per
 * direction): setting up a context and its key was half the cost of a
 * small message's seal or open (bench/README.md). A nonce never survives
 * a message: every call initialises the context with its own. A cached
 * schedule holds no more than the oscore_ctx that owns the key, and
 * oscore_ctx_wipe() drops it, wiped, through oscore_aead_forget_key(); a
 * thread's cache is freed when the thread ends. */
#include <limits.h>
#include <stdbool.h>
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

/* The checks and the cipher look-up both directions start with. */
static oscore_err prepare(const oscore_aead_info *alg, oscore_bytes key,
                          oscore_bytes nonce, oscore_bytes aad,
                          oscore_bytes data, const uint8_t *out,
                          size_t *out_len, const EVP_CIPHER **cipher,
                          aead_mode *mode) {
  oscore_err err = check_args(alg, key, nonce, aad, data, out, out_len);
  if (err != OSCORE_OK)
    return err;
  *cipher = cipher_for(alg, mode);
  if (*cipher == NULL)
    return oscore_aead_by_cose(alg->cose) ? OSCORE_ERR_CRYPTO
                                          : OSCORE_ERR_UNKNOWN_ALG;
  return OSCORE_OK;
}

/* ---- per-thread key schedule cache ------------------------------------ */

#define KEY_SLOTS 4

typedef struct {
  EVP_CIPHER_CTX *ctx;      /* NULL: empty */
  const EVP_CIPHER *cipher;
  int enc;
  size_t key_len, nonce_len, tag_len;
  uint8_t key[OSCORE_MAX_KEY_LEN];
  unsigned long used;       /* for least-recently-used replacement */
} key_slot;

typedef struct {
  key_slot slot[KEY_SLOTS];
  unsigned long clock;
} key_cache;

static CRYPTO_THREAD_LOCAL cache_key;
static CRYPTO_ONCE cache_once = CRYPTO_ONCE_STATIC_INIT;
static int cache_ok;

static void drop(key_slot *k) {
  EVP_CIPHER_CTX_free(k->ctx);   /* wipes the schedule */
  OPENSSL_cleanse(k, sizeof *k);
}

static void cache_free(void *p) {
  key_cache *kc = p;
  if (kc == NULL)
    return;
  for (int i = 0; i < KEY_SLOTS; i++)
    drop(&kc->slot[i]);
  OPENSSL_free(kc);
}

static void cache_init(void) {
  cache_ok = CRYPTO_THREAD_init_local(&cache_key, cache_free);
}

/* This thread's cache, created on first use when |create|; NULL if that
 * fails (the caller then works without one). */
static key_cache *cache_get(bool create) {
  if (!CRYPTO_THREAD_run_once(&cache_once, cache_init) || !cache_ok)
    return NULL;
  key_cache *kc = CRYPTO_THREAD_get_local(&cache_key);
  if (kc == NULL && create) {
    kc = OPENSSL_zalloc(sizeof *kc);
    if (kc != NULL && !CRYPTO_THREAD_set_local(&cache_key, kc)) {
      OPENSSL_free(kc);
      kc = NULL;
    }
  }
  return kc;
}

void oscore_aead_forget_key(oscore_bytes key) {
  if (key.ptr == NULL || key.len == 0)
    return;
  key_cache *kc = cache_get(false);
  if (kc == NULL)
    return;
  for (int i = 0; i < KEY_SLOTS; i++)
    if (kc->slot[i].ctx && kc->slot[i].key_len == key.len &&
        CRYPTO_memcmp(kc->slot[i].key, key.ptr, key.len) == 0)
      drop(&kc->slot[i]);
}

/* A context for (cipher, direction, key) with nonce and tag lengths and
 * the key installed, but no nonce yet: from the cache, or set up afresh
 * (and cached). *slot is the cache slot holding it, or NULL when the
 * caller owns it and must free it. NULL on failure. */
static EVP_CIPHER_CTX *keyed(const EVP_CIPHER *cipher, aead_mode mode,
                             const oscore_aead_info *alg, oscore_bytes key,
                             int enc, key_slot **slot) {
  *slot = NULL;
  key_cache *kc = cache_get(true);
  key_slot *victim = NULL;
  if (kc != NULL) {
    kc->clock++;
    for (int i = 0; i < KEY_SLOTS; i++) {
      key_slot *k = &kc->slot[i];
      if (k->ctx && k->cipher == cipher && k->enc == enc &&
          k->key_len == key.len && k->nonce_len == alg->nonce_len &&
          k->tag_len == alg->tag_len &&
          CRYPTO_memcmp(k->key, key.ptr, key.len) == 0) {
        k->used = kc->clock;
        *slot = k;
        return k->ctx;
      }
      if (victim == NULL || (victim->ctx && (!k->ctx || k->used < victim->used)))
        victim = k;
    }
  }
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  if (c == NULL)
    return NULL;
  /* Nonce and tag lengths before the key: CCM fixes M and L with it. */
  if (EVP_CipherInit_ex(c, cipher, NULL, NULL, NULL, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, (int)alg->nonce_len,
                          NULL) != 1 ||
      (mode == MODE_CCM &&
       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)alg->tag_len,
                           NULL) != 1) ||
      EVP_CipherInit_ex(c, NULL, NULL, key.ptr, NULL, enc) != 1) {
    EVP_CIPHER_CTX_free(c);
    return NULL;
  }
  if (victim != NULL) {
    drop(victim);
    *victim = (key_slot){ .ctx = c, .cipher = cipher, .enc = enc,
                          .key_len = key.len, .nonce_len = alg->nonce_len,
                          .tag_len = alg->tag_len, .used = kc->clock };
    memcpy(victim->key, key.ptr, key.len);
    *slot = victim;
  }
  return c;
}

/* After a call: a context that failed is not trusted again; one that is
 * not cached is freed. */
static void release(EVP_CIPHER_CTX *c, key_slot *slot, bool failed) {
  if (slot == NULL)
    EVP_CIPHER_CTX_free(c);
  else if (failed)
    drop(slot);
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
  aead_mode mode;
  const EVP_CIPHER *cipher;
  oscore_err err = prepare(alg, key, nonce, aad, plain, out, out_len,
                           &cipher, &mode);
  if (err != OSCORE_OK)
    return err;
  if (out_cap < alg->tag_len || out_cap - alg->tag_len < plain.len)
    return OSCORE_ERR_BUFFER_TOO_SMALL;

  key_slot *slot;
  EVP_CIPHER_CTX *c = keyed(cipher, mode, alg, key, 1, &slot);
  if (c == NULL)
    return OSCORE_ERR_CRYPTO;
  /* OpenSSL's CCM skips an update whose input is NULL, which would leave an
   * empty plaintext without a tag; any valid pointer does for length 0. */
  static const uint8_t empty;
  const uint8_t *in = plain.len ? plain.ptr : &empty;
  int n = 0, fin = 0;
  err = EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce.ptr, 1) == 1
            ? OSCORE_OK : OSCORE_ERR_CRYPTO;
  if (err == OSCORE_OK)
    err = feed_aad(c, mode, aad, plain.len);
  if (err == OSCORE_OK &&
      (EVP_CipherUpdate(c, out, &n, in, (int)plain.len) != 1 ||
       (size_t)n != plain.len ||
       EVP_CipherFinal_ex(c, out + n, &fin) != 1 || fin != 0 ||
       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)alg->tag_len,
                           out + plain.len) != 1))
    err = OSCORE_ERR_CRYPTO;
  release(c, slot, err != OSCORE_OK);
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
  aead_mode mode;
  const EVP_CIPHER *cipher;
  oscore_err err = prepare(alg, key, nonce, aad, cipher_text, out, out_len,
                           &cipher, &mode);
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
  uint8_t tag[OSCORE_MAX_TAG_LEN];
  memcpy(tag, cipher_text.ptr + plain_len, alg->tag_len);

  key_slot *slot;
  EVP_CIPHER_CTX *c = keyed(cipher, mode, alg, key, 0, &slot);
  if (c == NULL)
    return OSCORE_ERR_CRYPTO;
  static const uint8_t empty;
  uint8_t sink[1];
  const uint8_t *in = plain_len ? cipher_text.ptr : &empty;
  uint8_t *dst = plain_len ? out : sink;
  int n = 0, fin = 0;
  /* CCM takes the expected tag before the nonce; GCM and ChaCha20-Poly1305
   * after the data. */
  bool ready = (mode != MODE_CCM ||
                EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG,
                                    (int)alg->tag_len, tag) == 1) &&
               EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce.ptr, 0) == 1;
  err = ready ? OSCORE_OK : OSCORE_ERR_CRYPTO;
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
  release(c, slot, err != OSCORE_OK);
  if (err != OSCORE_OK) {
    /* Unauthenticated plaintext must never reach anyone. */
    OPENSSL_cleanse(out, plain_len);
    return err;
  }
  *out_len = plain_len;
  return OSCORE_OK;
}
