/* The pieces both sides compute alike: transcript hashes, MACs,
 * Signature_or_MAC, COSE_Encrypt0 of message_3/4, EAD, peer look-up and
 * the static-DH PRKs (RFC 9528 §4.1, §5.3-5.5). */
#include "oscore_secret.h"
#include <stdlib.h>
#include <string.h>
#include "edhoc_kdf.h"
#include "edhoc_priv.h"

/* Scratch for a transcript, context or Sig_structure: credentials and
 * ID_CREDs by value twice at most, plus heads. */
#define SCRATCH (3 * EDHOC_MAX_CRED + 256)

edhoc_err edhoc_th_next(const uint8_t prev[32], oscore_bytes plaintext,
                        oscore_bytes cred, uint8_t out[32]) {
  uint8_t *buf = malloc(SCRATCH);
  if (buf == NULL)
    return EDHOC_ERR_NO_MEMORY;
  edhoc_w w;
  edhoc_w_init(&w, buf, SCRATCH);
  edhoc_w_bstr(&w, OSCORE_BYTES(prev, 32));
  edhoc_w_raw(&w, plaintext);
  edhoc_w_raw(&w, cred);
  edhoc_err err = edhoc_w_status(&w);
  if (err == EDHOC_OK)
    err = edhoc_sha256(OSCORE_BYTES(buf, w.len), out);
  oscore_wipe(buf, SCRATCH);
  free(buf);
  return err;
}

edhoc_err edhoc_mac(const uint8_t prk[32], uint64_t label, oscore_bytes cid,
                    oscore_bytes id_cred, const uint8_t th[32],
                    oscore_bytes cred, oscore_bytes ead, uint8_t *mac,
                    size_t mac_len) {
  uint8_t *buf = malloc(SCRATCH);
  if (buf == NULL)
    return EDHOC_ERR_NO_MEMORY;
  edhoc_w w;
  edhoc_w_init(&w, buf, SCRATCH);
  edhoc_w_raw(&w, cid);
  edhoc_w_raw(&w, id_cred);
  edhoc_w_bstr(&w, OSCORE_BYTES(th, 32));
  edhoc_w_raw(&w, cred);
  edhoc_w_raw(&w, ead);
  edhoc_err err = edhoc_w_status(&w);
  if (err == EDHOC_OK)
    err = edhoc_kdf(prk, label, OSCORE_BYTES(buf, w.len), mac, mac_len);
  oscore_wipe(buf, SCRATCH);
  free(buf);
  return err;
}

size_t edhoc_mac_len(const edhoc_suite *s, bool signs) {
  return signs ? EDHOC_HASH_LEN : s->mac_len;
}

/* [ "Signature1", << ID_CRED >>, << TH, CRED, ? EAD >>, MAC ] */
static edhoc_err sig_structure(oscore_bytes id_cred, const uint8_t th[32],
                               oscore_bytes cred, oscore_bytes ead,
                               oscore_bytes mac, edhoc_w *w) {
  edhoc_w_array(w, 4);
  edhoc_w_tstr(w, "Signature1");
  edhoc_w_bstr(w, id_cred);
  edhoc_w_bstr_head(w, 34 + cred.len + ead.len);
  edhoc_w_bstr(w, OSCORE_BYTES(th, 32));
  edhoc_w_raw(w, cred);
  edhoc_w_raw(w, ead);
  edhoc_w_bstr(w, mac);
  return edhoc_w_status(w);
}

/* The Sig_structure in a new SCRATCH buffer (*buf NULL when out of memory;
 * otherwise the caller frees it, also on error). */
static edhoc_err sig_input(oscore_bytes id_cred, const uint8_t th[32],
                           oscore_bytes cred, oscore_bytes ead,
                           oscore_bytes mac, uint8_t **buf, size_t *len) {
  *buf = malloc(SCRATCH);
  if (*buf == NULL)
    return EDHOC_ERR_NO_MEMORY;
  edhoc_w w;
  edhoc_w_init(&w, *buf, SCRATCH);
  edhoc_err err = sig_structure(id_cred, th, cred, ead, mac, &w);
  *len = w.len;
  return err;
}

edhoc_err edhoc_sig_or_mac(const edhoc_key *key, bool sign,
                           oscore_bytes id_cred, const uint8_t th[32],
                           oscore_bytes cred, oscore_bytes ead,
                           oscore_bytes mac, uint8_t *out, size_t *out_len) {
  if (!sign) {
    memcpy(out, mac.ptr, mac.len);
    *out_len = mac.len;
    return EDHOC_OK;
  }
  uint8_t *buf;
  size_t len;
  edhoc_err err = sig_input(id_cred, th, cred, ead, mac, &buf, &len);
  if (buf == NULL)
    return err;
  if (err == EDHOC_OK)
    err = edhoc_sign(key, OSCORE_BYTES(buf, len), out);
  if (err == EDHOC_OK)
    *out_len = EDHOC_SIG_LEN;
  oscore_wipe(buf, SCRATCH);
  free(buf);
  return err;
}

edhoc_err edhoc_sig_or_mac_check(const edhoc_key *peer, bool signs,
                                 oscore_bytes id_cred, const uint8_t th[32],
                                 oscore_bytes cred, oscore_bytes ead,
                                 oscore_bytes mac, oscore_bytes received) {
  if (!signs) {
    if (received.len != mac.len ||
        !oscore_secret_equal(received.ptr, mac.ptr, mac.len))
      return EDHOC_ERR_AUTH;
    return EDHOC_OK;
  }
  uint8_t *buf;
  size_t len;
  edhoc_err err = sig_input(id_cred, th, cred, ead, mac, &buf, &len);
  if (buf == NULL)
    return err;
  if (err == EDHOC_OK)
    err = edhoc_verify(peer, OSCORE_BYTES(buf, len), received);
  free(buf);
  return err;
}

/* A = [ "Encrypt0", h'', bstr TH ] (45 bytes with SHA-256). */
static size_t enc0_aad(const uint8_t th[32], uint8_t aad[48]) {
  edhoc_w w;
  edhoc_w_init(&w, aad, 48);
  edhoc_w_array(&w, 3);
  edhoc_w_tstr(&w, "Encrypt0");
  edhoc_w_bstr(&w, OSCORE_BYTES(NULL, 0));
  edhoc_w_bstr(&w, OSCORE_BYTES(th, 32));
  return w.len;
}

static edhoc_err enc0_keys(const edhoc_suite *s, const uint8_t prk[32],
                           uint64_t label_k, const uint8_t th[32],
                           uint8_t *k, uint8_t *iv) {
  const oscore_aead_info *a = edhoc_suite_aead(s);
  edhoc_err err = edhoc_kdf(prk, label_k, OSCORE_BYTES(th, 32), k, a->key_len);
  if (err == EDHOC_OK)
    err = edhoc_kdf(prk, label_k + 1, OSCORE_BYTES(th, 32), iv, a->nonce_len);
  return err;
}

edhoc_err edhoc_encrypt0(const edhoc_suite *s, const uint8_t prk[32],
                         uint64_t label_k, const uint8_t th[32],
                         oscore_bytes plain, uint8_t *out, size_t cap,
                         size_t *len, uint8_t *k, uint8_t *iv) {
  const oscore_aead_info *a = edhoc_suite_aead(s);
  uint8_t aad[48];
  size_t aad_len = enc0_aad(th, aad);
  edhoc_err err = enc0_keys(s, prk, label_k, th, k, iv);
  if (err != EDHOC_OK)
    return err;
  oscore_err oe = oscore_aead_encrypt(a, OSCORE_BYTES(k, a->key_len),
                                      OSCORE_BYTES(iv, a->nonce_len),
                                      OSCORE_BYTES(aad, aad_len), plain, out,
                                      cap, len);
  if (oe == OSCORE_ERR_BUFFER_TOO_SMALL)
    return EDHOC_ERR_BUFFER_TOO_SMALL;
  return oe == OSCORE_OK ? EDHOC_OK : EDHOC_ERR_CRYPTO;
}

edhoc_err edhoc_decrypt0(const edhoc_suite *s, const uint8_t prk[32],
                         uint64_t label_k, const uint8_t th[32],
                         oscore_bytes cipher, uint8_t *out, size_t cap,
                         size_t *len, uint8_t *k, uint8_t *iv) {
  const oscore_aead_info *a = edhoc_suite_aead(s);
  uint8_t aad[48];
  size_t aad_len = enc0_aad(th, aad);
  edhoc_err err = enc0_keys(s, prk, label_k, th, k, iv);
  if (err != EDHOC_OK)
    return err;
  if (cipher.len < a->tag_len)
    return EDHOC_ERR_DECRYPT;
  oscore_err oe = oscore_aead_decrypt(a, OSCORE_BYTES(k, a->key_len),
                                      OSCORE_BYTES(iv, a->nonce_len),
                                      OSCORE_BYTES(aad, aad_len), cipher, out,
                                      cap, len);
  if (oe == OSCORE_ERR_DECRYPT)
    return EDHOC_ERR_DECRYPT;
  if (oe == OSCORE_ERR_BUFFER_TOO_SMALL)
    return EDHOC_ERR_MALFORMED;
  return oe == OSCORE_OK ? EDHOC_OK : EDHOC_ERR_CRYPTO;
}

edhoc_err edhoc_ead_check(edhoc_r *r) {
  bool after_label = false;
  while (!edhoc_r_at_end(r)) {
    edhoc_cbor_val v;
    edhoc_err err = edhoc_r_next(r, &v);
    if (err != EDHOC_OK)
      return err;
    if (v.type == EDHOC_CBOR_BSTR && after_label) {
      after_label = false; /* the optional ead_value of that label */
      continue;
    }
    if (v.type != EDHOC_CBOR_INT)
      return EDHOC_ERR_MALFORMED;
    after_label = true;
    if (v.i < 0)
      return EDHOC_ERR_CRITICAL_EAD;
  }
  return EDHOC_OK;
}

edhoc_err edhoc_own_key_check(const edhoc_session *s, bool we_sign) {
  const edhoc_key *k = s->cfg.own_key;
  edhoc_curve want = we_sign ? s->suite->sig : s->suite->dh;
  if (k == NULL || !edhoc_key_has_private(k) || edhoc_key_curve(k) != want ||
      s->cfg.own_cred == NULL || s->cfg.own_cred->pub == NULL ||
      edhoc_key_curve(s->cfg.own_cred->pub) != want)
    return EDHOC_ERR_CRED_MALFORMED;
  return EDHOC_OK;
}

edhoc_err edhoc_peer_cred_resolve(edhoc_session *s, const edhoc_cbor_val *v,
                                  bool peer_signs, edhoc_w *map_w) {
  edhoc_id_cred id;
  edhoc_err err = edhoc_id_cred_read(v, &id, map_w);
  if (err != EDHOC_OK)
    return err;
  if (s->cfg.lookup == NULL)
    return EDHOC_ERR_UNKNOWN_CRED;
  edhoc_cred_clear(&s->peer_cred);
  s->has_peer_cred = false;
  err = s->cfg.lookup(s->cfg.lookup_arg, &id, &s->peer_cred);
  if (err != EDHOC_OK) {
    edhoc_cred_clear(&s->peer_cred);
    return err == EDHOC_ERR_NO_MEMORY ? err : EDHOC_ERR_UNKNOWN_CRED;
  }
  /* The look-up may be lenient; what it returns must still be what the
   * peer named, with a key able to do what the method asks. */
  if (s->peer_cred.pub == NULL || !edhoc_id_cred_matches(&id, &s->peer_cred)) {
    edhoc_cred_clear(&s->peer_cred);
    return EDHOC_ERR_UNKNOWN_CRED;
  }
  edhoc_curve want = peer_signs ? s->suite->sig : s->suite->dh;
  if (edhoc_key_curve(s->peer_cred.pub) != want) {
    edhoc_cred_clear(&s->peer_cred);
    return EDHOC_ERR_UNKNOWN_CRED;
  }
  s->has_peer_cred = true;
  return EDHOC_OK;
}

edhoc_err edhoc_prk_static(const uint8_t prev[32], bool signs,
                           uint64_t salt_label, const uint8_t th[32],
                           const edhoc_key *priv, const edhoc_key *pub,
                           uint8_t out[32]) {
  if (signs) {
    memcpy(out, prev, 32);
    return EDHOC_OK;
  }
  uint8_t salt[32], g[32];
  edhoc_err err = edhoc_kdf(prev, salt_label, OSCORE_BYTES(th, 32), salt, 32);
  if (err == EDHOC_OK)
    err = edhoc_ecdh(priv, pub, g);
  if (err == EDHOC_OK)
    err = edhoc_extract(OSCORE_BYTES(salt, 32), OSCORE_BYTES(g, 32), out);
  oscore_wipe(salt, sizeof salt);
  oscore_wipe(g, sizeof g);
  return err;
}

edhoc_err edhoc_finish_keys(edhoc_session *s) {
  edhoc_err err = edhoc_kdf(s->v.prk_4e3m, 7, OSCORE_BYTES(s->v.th_4, 32),
                            s->v.prk_out, 32);
  if (err == EDHOC_OK)
    err = edhoc_kdf(s->v.prk_out, 10, OSCORE_BYTES(NULL, 0),
                    s->v.prk_exporter, 32);
  return err;
}

edhoc_err edhoc_peer_auth_check(edhoc_session *s, const edhoc_cbor_val *id_cred,
                                bool peer_signs, oscore_bytes pt,
                                size_t ead_at, oscore_bytes sig,
                                const edhoc_peer_step *st) {
  uint8_t idmap[EDHOC_MAX_CRED + 16];
  edhoc_w mw;
  edhoc_w_init(&mw, idmap, sizeof idmap);
  edhoc_err err = edhoc_peer_cred_resolve(s, id_cred, peer_signs, &mw);
  if (err != EDHOC_OK)
    return err;
  err = edhoc_prk_static(st->prk_in, peer_signs, st->salt_label, st->th,
                         s->eph, s->peer_cred.pub, st->prk_out);
  if (err != EDHOC_OK)
    return err;
  oscore_bytes cred = OSCORE_BYTES(s->peer_cred.item, s->peer_cred.item_len);
  oscore_bytes ead = OSCORE_BYTES(pt.ptr + ead_at, pt.len - ead_at);
  oscore_bytes id_map = OSCORE_BYTES(idmap, mw.len);
  *st->mac_len = edhoc_mac_len(s->suite, peer_signs);
  err = edhoc_mac(st->prk_out, st->mac_label, st->c_r, id_map, st->th, cred,
                  ead, st->mac, *st->mac_len);
  if (err == EDHOC_OK)
    err = edhoc_sig_or_mac_check(s->peer_cred.pub, peer_signs, id_map, st->th,
                                 cred, ead,
                                 OSCORE_BYTES(st->mac, *st->mac_len), sig);
  if (err == EDHOC_OK)
    err = edhoc_th_next(st->th, pt, cred, st->th_out);
  return err;
}

edhoc_err edhoc_th_2_prk_2e(edhoc_session *s, const uint8_t g_y[32]) {
  uint8_t buf[68], gxy[32];
  edhoc_w w;
  edhoc_w_init(&w, buf, sizeof buf);
  edhoc_w_bstr(&w, OSCORE_BYTES(g_y, 32));
  edhoc_w_bstr(&w, OSCORE_BYTES(s->h_msg1, 32));
  edhoc_err err = edhoc_sha256(OSCORE_BYTES(buf, w.len), s->v.th_2);
  if (err == EDHOC_OK)
    err = edhoc_ecdh(s->eph, s->peer_eph, gxy);
  if (err == EDHOC_OK)
    err = edhoc_extract(OSCORE_BYTES(s->v.th_2, 32), OSCORE_BYTES(gxy, 32),
                        s->v.prk_2e);
  oscore_wipe(gxy, sizeof gxy);
  return err;
}
