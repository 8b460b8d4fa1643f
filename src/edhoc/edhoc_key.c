/* EDHOC's asymmetric crypto through OpenSSL 3 EVP (edhoc_key.h). */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include "oscore_secret.h"
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include "edhoc_key.h"

struct edhoc_key {
  EVP_PKEY *pkey;
  edhoc_curve curve;
  bool priv;
};

static edhoc_err wrap(EVP_PKEY *pkey, edhoc_curve c, bool priv,
                      edhoc_key **out) {
  if (pkey == NULL)
    return EDHOC_ERR_CRYPTO;
  edhoc_key *k = calloc(1, sizeof *k);
  if (k == NULL) {
    EVP_PKEY_free(pkey);
    return EDHOC_ERR_NO_MEMORY;
  }
  k->pkey = pkey;
  k->curve = c;
  k->priv = priv;
  *out = k;
  return EDHOC_OK;
}

static int okp_type(edhoc_curve c) {
  return c == EDHOC_CURVE_X25519 ? EVP_PKEY_X25519 : EVP_PKEY_ED25519;
}

edhoc_err edhoc_key_generate(edhoc_curve c, edhoc_key **out) {
  EVP_PKEY *pkey;
  if (c == EDHOC_CURVE_P256)
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  else
    pkey = EVP_PKEY_Q_keygen(NULL, NULL,
                             c == EDHOC_CURVE_X25519 ? "X25519" : "ED25519");
  return wrap(pkey, c, true, out);
}

/* P-256 from a raw scalar: an RFC 5915 ECPrivateKey without the public
 * key, which OpenSSL's decoder completes by computing d*G. */
static EVP_PKEY *p256_from_scalar(const uint8_t d[32]) {
  static const uint8_t pre[] = { 0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20 };
  static const uint8_t post[] = { 0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                  0xce, 0x3d, 0x03, 0x01, 0x07 };
  uint8_t der[sizeof pre + 32 + sizeof post];
  memcpy(der, pre, sizeof pre);
  memcpy(der + sizeof pre, d, 32);
  memcpy(der + sizeof pre + 32, post, sizeof post);
  const unsigned char *p = der;
  EVP_PKEY *pkey = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, sizeof der);
  oscore_wipe(der, sizeof der);
  return pkey;
}

edhoc_err edhoc_key_from_private(edhoc_curve c, oscore_bytes d,
                                 edhoc_key **out) {
  if (d.ptr == NULL || d.len != EDHOC_COORD_LEN || out == NULL)
    return EDHOC_ERR_INVALID_ARG;
  EVP_PKEY *pkey = c == EDHOC_CURVE_P256
      ? p256_from_scalar(d.ptr)
      : EVP_PKEY_new_raw_private_key(okp_type(c), NULL, d.ptr, d.len);
  if (pkey == NULL)
    return EDHOC_ERR_CRED_MALFORMED;
  return wrap(pkey, c, true, out);
}

static EVP_PKEY *p256_from_point(const uint8_t *pt, size_t len) {
  EVP_PKEY *pkey = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  OSSL_PARAM params[3];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                               (char *)"P-256", 0);
  params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                (void *)pt, len);
  params[2] = OSSL_PARAM_construct_end();
  if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    pkey = NULL;
  EVP_PKEY_CTX_free(ctx);
  return pkey;
}

edhoc_err edhoc_key_from_public(edhoc_curve c, oscore_bytes x, oscore_bytes y,
                                edhoc_key **out) {
  if (x.ptr == NULL || x.len != EDHOC_COORD_LEN || out == NULL)
    return EDHOC_ERR_INVALID_ARG;
  EVP_PKEY *pkey;
  if (c == EDHOC_CURVE_P256) {
    uint8_t pt[65];
    size_t n;
    if (y.len == 0) {
      pt[0] = 0x02;
      memcpy(pt + 1, x.ptr, 32);
      n = 33;
    } else if (y.len == EDHOC_COORD_LEN && y.ptr != NULL) {
      pt[0] = 0x04;
      memcpy(pt + 1, x.ptr, 32);
      memcpy(pt + 33, y.ptr, 32);
      n = 65;
    } else {
      return EDHOC_ERR_INVALID_ARG;
    }
    pkey = p256_from_point(pt, n);
  } else {
    pkey = EVP_PKEY_new_raw_public_key(okp_type(c), NULL, x.ptr, x.len);
  }
  if (pkey == NULL)
    return EDHOC_ERR_BAD_KEY;
  return wrap(pkey, c, false, out);
}

edhoc_err edhoc_key_from_evp(void *evp_pkey, edhoc_key **out) {
  EVP_PKEY *pkey = evp_pkey;
  edhoc_curve c;
  if (EVP_PKEY_is_a(pkey, "ED25519")) {
    c = EDHOC_CURVE_ED25519;
  } else if (EVP_PKEY_is_a(pkey, "X25519")) {
    c = EDHOC_CURVE_X25519;
  } else if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[32];
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                       group, sizeof group, NULL) != 1 ||
        (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)) {
      EVP_PKEY_free(pkey);
      return EDHOC_ERR_BAD_KEY;
    }
    c = EDHOC_CURVE_P256;
  } else {
    EVP_PKEY_free(pkey);
    return EDHOC_ERR_BAD_KEY;
  }
  return wrap(pkey, c, false, out); /* frees |pkey| when it fails */
}

edhoc_err edhoc_key_ref(const edhoc_key *k, edhoc_key **out) {
  if (k == NULL || out == NULL || EVP_PKEY_up_ref(k->pkey) != 1)
    return EDHOC_ERR_INVALID_ARG;
  return wrap(k->pkey, k->curve, k->priv, out);
}

void edhoc_key_free(edhoc_key *k) {
  if (k == NULL)
    return;
  EVP_PKEY_free(k->pkey);
  free(k);
}

edhoc_curve edhoc_key_curve(const edhoc_key *k) { return k->curve; }
bool edhoc_key_has_private(const edhoc_key *k) { return k->priv; }

static edhoc_err bn_param(const EVP_PKEY *pkey, const char *name,
                          uint8_t out[32]) {
  BIGNUM *bn = NULL;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
    return EDHOC_ERR_CRYPTO;
  int ok = BN_bn2binpad(bn, out, 32) == 32;
  BN_clear_free(bn);
  return ok ? EDHOC_OK : EDHOC_ERR_CRYPTO;
}

edhoc_err edhoc_key_public(const edhoc_key *k, uint8_t x[EDHOC_COORD_LEN],
                           uint8_t y[EDHOC_COORD_LEN]) {
  if (k->curve == EDHOC_CURVE_P256) {
    edhoc_err err = bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, x);
    if (err == EDHOC_OK && y != NULL)
      err = bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, y);
    return err;
  }
  size_t n = EDHOC_COORD_LEN;
  if (EVP_PKEY_get_raw_public_key(k->pkey, x, &n) != 1 || n != 32)
    return EDHOC_ERR_CRYPTO;
  return EDHOC_OK;
}

edhoc_err edhoc_key_private(const edhoc_key *k, uint8_t d[EDHOC_COORD_LEN]) {
  if (!k->priv)
    return EDHOC_ERR_INVALID_ARG;
  if (k->curve == EDHOC_CURVE_P256)
    return bn_param(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY, d);
  size_t n = EDHOC_COORD_LEN;
  if (EVP_PKEY_get_raw_private_key(k->pkey, d, &n) != 1 || n != 32)
    return EDHOC_ERR_CRYPTO;
  return EDHOC_OK;
}

edhoc_err edhoc_ecdh(const edhoc_key *own, const edhoc_key *peer,
                     uint8_t out[EDHOC_COORD_LEN]) {
  if (!own->priv || own->curve != peer->curve ||
      own->curve == EDHOC_CURVE_ED25519)
    return EDHOC_ERR_INVALID_ARG;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own->pkey, NULL);
  if (ctx == NULL)
    return EDHOC_ERR_NO_MEMORY;
  size_t n = EDHOC_COORD_LEN;
  edhoc_err err = EDHOC_OK;
  if (EVP_PKEY_derive_init(ctx) != 1)
    err = EDHOC_ERR_CRYPTO;
  /* X25519 refuses an all-zero result (low-order peer point, RFC 7748
   * §6.1), P-256 a peer point off the curve: both are the peer's fault. */
  else if (EVP_PKEY_derive_set_peer(ctx, peer->pkey) != 1 ||
           EVP_PKEY_derive(ctx, out, &n) != 1 || n != EDHOC_COORD_LEN)
    err = EDHOC_ERR_BAD_KEY;
  EVP_PKEY_CTX_free(ctx);
  return err;
}

/* EdDSA signs the message itself; ES256 hashes with SHA-256. */
static const EVP_MD *sig_md(const edhoc_key *k) {
  return k->curve == EDHOC_CURVE_P256 ? EVP_sha256() : NULL;
}

edhoc_err edhoc_sign(const edhoc_key *own, oscore_bytes msg,
                     uint8_t sig[EDHOC_SIG_LEN]) {
  if (!own->priv || own->curve == EDHOC_CURVE_X25519)
    return EDHOC_ERR_INVALID_ARG;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (md == NULL)
    return EDHOC_ERR_NO_MEMORY;
  uint8_t der[80];
  size_t n = own->curve == EDHOC_CURVE_P256 ? sizeof der : EDHOC_SIG_LEN;
  uint8_t *dst = own->curve == EDHOC_CURVE_P256 ? der : sig;
  edhoc_err err = EDHOC_OK;
  if (EVP_DigestSignInit_ex(md, NULL, own->curve == EDHOC_CURVE_P256
                            ? "SHA256" : NULL, NULL, NULL, own->pkey,
                            NULL) != 1 ||
      EVP_DigestSign(md, dst, &n, msg.ptr, msg.len) != 1)
    err = EDHOC_ERR_CRYPTO;
  EVP_MD_CTX_free(md);
  if (err != EDHOC_OK || own->curve != EDHOC_CURVE_P256)
    return err;
  /* COSE ES256 is r || s, each 32 bytes (RFC 9053 §2.1), not DER. */
  const unsigned char *p = der;
  ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
  if (es == NULL)
    return EDHOC_ERR_CRYPTO;
  const BIGNUM *r, *s;
  ECDSA_SIG_get0(es, &r, &s);
  if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
    err = EDHOC_ERR_CRYPTO;
  ECDSA_SIG_free(es);
  return err;
}

edhoc_err edhoc_verify(const edhoc_key *peer, oscore_bytes msg,
                       oscore_bytes sig) {
  if (peer->curve == EDHOC_CURVE_X25519)
    return EDHOC_ERR_INVALID_ARG;
  if (sig.len != EDHOC_SIG_LEN)
    return EDHOC_ERR_AUTH;
  uint8_t der[80];
  const uint8_t *s_ptr = sig.ptr;
  size_t s_len = sig.len;
  if (peer->curve == EDHOC_CURVE_P256) {
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig.ptr, 32, NULL);
    BIGNUM *s = BN_bin2bn(sig.ptr + 32, 32, NULL);
    if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
      ECDSA_SIG_free(es);
      BN_free(r);
      BN_free(s);
      return EDHOC_ERR_NO_MEMORY;
    }
    unsigned char *p = der;
    int n = i2d_ECDSA_SIG(es, &p);
    ECDSA_SIG_free(es);
    if (n <= 0 || (size_t)n > sizeof der)
      return EDHOC_ERR_CRYPTO;
    s_ptr = der;
    s_len = (size_t)n;
  }
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (md == NULL)
    return EDHOC_ERR_NO_MEMORY;
  edhoc_err err = EDHOC_ERR_AUTH;
  if (EVP_DigestVerifyInit_ex(md, NULL, sig_md(peer) ? "SHA256" : NULL, NULL,
                              NULL, peer->pkey, NULL) == 1 &&
      EVP_DigestVerify(md, s_ptr, s_len, msg.ptr, msg.len) == 1)
    err = EDHOC_OK;
  EVP_MD_CTX_free(md);
  return err;
}

edhoc_err edhoc_sha256(oscore_bytes in, uint8_t out[32]) {
  unsigned int n = 32;
  if (EVP_Digest(in.ptr ? in.ptr : (const uint8_t *)"", in.len, out, &n,
                 EVP_sha256(), NULL) != 1)
    return EDHOC_ERR_CRYPTO;
  return EDHOC_OK;
}
