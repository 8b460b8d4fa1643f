/* Our AEAD (nettle) against a second implementation (OpenSSL's EVP):
 * for every algorithm of the table, random keys, nonces, AAD and
 * plaintext lengths (empty ones too), every seal equals OpenSSL's, every
 * open gives the plaintext back (also in place), a tampered message
 * fails and leaves nothing in the output, and the next good one opens
 * again. Two threads at once get the same (no state is shared between
 * calls). Then CCM's length limit: a message too long for its length
 * field is refused, not an abort inside nettle. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include "oscore_alg.h"
#include "unit.h"

#define KEYS 7
#define STEPS 3000

typedef struct {
  uint32_t seed;
  unsigned failures;
  unsigned steps;
} run;

static uint32_t next(run *r) {
  r->seed = r->seed * 1664525u + 1013904223u;
  return r->seed >> 8;
}

static void fill(run *r, uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)next(r);
}

/* Reference: one fresh EVP context per call. */
static bool ref_seal(const oscore_aead_info *a, const uint8_t *key,
                     const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                     const uint8_t *pt, size_t len, uint8_t *out) {
  const char *name = a->cose == 24 ? "ChaCha20-Poly1305"
                   : a->cose == 1 ? "AES-128-GCM"
                   : a->cose == 2 ? "AES-192-GCM"
                   : a->cose == 3 ? "AES-256-GCM"
                   : a->key_len == 16 ? "AES-128-CCM" : "AES-256-CCM";
  bool ccm = strstr(name, "CCM") != NULL;
  EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
  EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
  int n, f;
  static const uint8_t empty;
  bool ok = c && x && EVP_EncryptInit_ex(x, c, NULL, NULL, NULL) == 1 &&
            EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, (int)a->nonce_len,
                                NULL) == 1 &&
            (!ccm || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG,
                                         (int)a->tag_len, NULL) == 1) &&
            EVP_EncryptInit_ex(x, NULL, NULL, key, nonce) == 1 &&
            (!ccm || EVP_EncryptUpdate(x, NULL, &n, NULL, (int)len) == 1) &&
            (!aad_len || EVP_EncryptUpdate(x, NULL, &n, aad, (int)aad_len) == 1) &&
            EVP_EncryptUpdate(x, out, &n, len ? pt : &empty, (int)len) == 1 &&
            EVP_EncryptFinal_ex(x, out + n, &f) == 1 &&
            EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, (int)a->tag_len,
                                out + len) == 1;
  EVP_CIPHER_CTX_free(x);
  EVP_CIPHER_free(c);
  return ok;
}

static void *exercise(void *arg) {
  run *r = arg;
  size_t n_alg = 0;
  while (oscore_aead_at(n_alg)) n_alg++;
  uint8_t keys[KEYS][OSCORE_MAX_KEY_LEN];
  fill(r, &keys[0][0], sizeof keys);
  for (unsigned step = 0; step < STEPS; step++) {
    const oscore_aead_info *a = oscore_aead_at(next(r) % n_alg);
    const uint8_t *key = keys[next(r) % KEYS];
    oscore_bytes k = OSCORE_BYTES(key, a->key_len);
    uint8_t nonce[OSCORE_MAX_NONCE_LEN], aad[48], pt[300], ct[320], ref[320],
        back[320];
    size_t aad_len = next(r) % 48, len = next(r) % 300, ct_len = 0, back_len;
    fill(r, nonce, sizeof nonce);
    fill(r, aad, aad_len);
    fill(r, pt, len);
    bool ok = oscore_aead_encrypt(a, k, OSCORE_BYTES(nonce, a->nonce_len),
                                  OSCORE_BYTES(aad, aad_len),
                                  OSCORE_BYTES(pt, len), ct, sizeof ct,
                                  &ct_len) == OSCORE_OK &&
              ct_len == len + a->tag_len &&
              ref_seal(a, key, nonce, aad, aad_len, pt, len, ref) &&
              memcmp(ct, ref, ct_len) == 0;
    if (ok && step % 5 == 0) {
      /* A flipped bit: refused, nothing of it in the output, and the same
       * key opens the untouched message right after. */
      ct[next(r) % ct_len] ^= (uint8_t)(1u << (next(r) % 8));
      memset(back, 0xAA, sizeof back);
      ok = oscore_aead_decrypt(a, k, OSCORE_BYTES(nonce, a->nonce_len),
                               OSCORE_BYTES(aad, aad_len),
                               OSCORE_BYTES(ct, ct_len), back, sizeof back,
                               &back_len) == OSCORE_ERR_DECRYPT;
      for (size_t i = 0; ok && i < len; i++) ok = back[i] == 0;
      memcpy(ct, ref, ct_len);
    }
    ok = ok &&
         oscore_aead_decrypt(a, k, OSCORE_BYTES(nonce, a->nonce_len),
                             OSCORE_BYTES(aad, aad_len),
                             OSCORE_BYTES(ct, ct_len), back, sizeof back,
                             &back_len) == OSCORE_OK &&
         back_len == len && memcmp(back, pt, len) == 0;
    /* In place, as the protect path may call them: seal over the
     * plaintext gives OpenSSL's bytes, open over those gives it back. */
    uint8_t inplace[320];
    size_t n_in = 0;
    memcpy(inplace, pt, len);
    ok = ok &&
         oscore_aead_encrypt(a, k, OSCORE_BYTES(nonce, a->nonce_len),
                             OSCORE_BYTES(aad, aad_len),
                             OSCORE_BYTES(inplace, len), inplace,
                             sizeof inplace, &n_in) == OSCORE_OK &&
         n_in == ct_len && memcmp(inplace, ref, ct_len) == 0 &&
         oscore_aead_decrypt(a, k, OSCORE_BYTES(nonce, a->nonce_len),
                             OSCORE_BYTES(aad, aad_len),
                             OSCORE_BYTES(inplace, ct_len), inplace,
                             sizeof inplace, &n_in) == OSCORE_OK &&
         n_in == len && memcmp(inplace, pt, len) == 0;
    if (!ok) r->failures++;
    r->steps++;
  }
  return NULL;
}

/* AES-CCM-16-64-128 (13-byte nonce, L = 2) seals 65,535 bytes and
 * refuses 65,536 both ways; AES-CCM-64-64-128 (7-byte nonce, L = 8) seals
 * the longer one, equal to OpenSSL's. */
static void ccm_length_limit(void) {
  enum { BIG = 65536 };
  const oscore_aead_info *l2 = oscore_aead_by_cose(10);
  const oscore_aead_info *l8 = oscore_aead_by_cose(12);
  uint8_t key[16] = { 7 }, nonce[13] = { 9 };
  uint8_t *pt = calloc(1, BIG), *ct = malloc(BIG + 16), *ref = malloc(BIG + 16);
  size_t len = 0;
  CHECK(pt && ct && ref);
  if (!pt || !ct || !ref) return;
  CHECK_EQ_INT(oscore_aead_encrypt(l2, OSCORE_BYTES(key, 16),
                                   OSCORE_BYTES(nonce, 13), OSCORE_BYTES(NULL, 0),
                                   OSCORE_BYTES(pt, BIG - 1), ct, BIG + 16, &len),
               OSCORE_OK);
  CHECK_EQ_INT(len, BIG - 1 + 8);
  CHECK(ref_seal(l2, key, nonce, NULL, 0, pt, BIG - 1, ref) &&
        memcmp(ct, ref, len) == 0);
  CHECK_EQ_INT(oscore_aead_encrypt(l2, OSCORE_BYTES(key, 16),
                                   OSCORE_BYTES(nonce, 13), OSCORE_BYTES(NULL, 0),
                                   OSCORE_BYTES(pt, BIG), ct, BIG + 16, &len),
               OSCORE_ERR_CRYPTO);
  CHECK_EQ_INT(oscore_aead_decrypt(l2, OSCORE_BYTES(key, 16),
                                   OSCORE_BYTES(nonce, 13), OSCORE_BYTES(NULL, 0),
                                   OSCORE_BYTES(ct, BIG + 8), ct, BIG + 16, &len),
               OSCORE_ERR_DECRYPT);
  CHECK_EQ_INT(oscore_aead_encrypt(l8, OSCORE_BYTES(key, 16),
                                   OSCORE_BYTES(nonce, 7), OSCORE_BYTES(NULL, 0),
                                   OSCORE_BYTES(pt, BIG), ct, BIG + 16, &len),
               OSCORE_OK);
  CHECK(ref_seal(l8, key, nonce, NULL, 0, pt, BIG, ref) &&
        memcmp(ct, ref, len) == 0);
  free(pt);
  free(ct);
  free(ref);
}

int main(void) {
  run alone = { .seed = 1 };
  exercise(&alone);
  CHECK_EQ_INT(alone.failures, 0);
  CHECK_EQ_INT(alone.steps, STEPS);

  /* Two threads, each with its own keys. */
  run t[2] = { { .seed = 2 }, { .seed = 3 } };
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    CHECK_EQ_INT(pthread_create(&th[i], NULL, exercise, &t[i]), 0);
  for (int i = 0; i < 2; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_INT(t[i].failures, 0);
    CHECK_EQ_INT(t[i].steps, STEPS);
  }

  ccm_length_limit();
  return unit_summary("test_aead_crosscheck");
}
