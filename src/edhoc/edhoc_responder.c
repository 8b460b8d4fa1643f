/* The responder's side: message_1, message_2, message_3, message_4
 * (RFC 9528 §5.2-5.5). */
#include "oscore_secret.h"
#include <stdlib.h>
#include <string.h>
#include "edhoc_kdf.h"
#include "edhoc_priv.h"
#include "edhoc_wire.h"

static edhoc_err fail(edhoc_session *s, edhoc_err err) {
  if (err != EDHOC_OK)
    s->state = ST_FAILED;
  return err;
}

static bool we_support(const edhoc_session *s, int64_t suite) {
  for (size_t i = 0; i < s->cfg.n_suites; i++)
    if (s->cfg.suites[i] == suite)
      return true;
  return false;
}

/* SUITES_I is acceptable when we support the selected (last) suite and
 * none the initiator listed before it (§6.3.2: else it would have chosen
 * one of those). */
static edhoc_err read_suites(edhoc_session *s, edhoc_r *r) {
  edhoc_cbor_val v;
  if (edhoc_r_next(r, &v) != EDHOC_OK)
    return EDHOC_ERR_MALFORMED;
  if (v.type == EDHOC_CBOR_INT) {
    if (!we_support(s, v.i))
      return EDHOC_ERR_UNSUPPORTED_SUITE;
    s->suite = edhoc_suite_by_id(v.i);
    return EDHOC_OK;
  }
  if (v.type != EDHOC_CBOR_ARRAY || v.n < 2) /* one suite is an int */
    return EDHOC_ERR_MALFORMED;
  edhoc_r ar;
  edhoc_r_init(&ar, v.inner);
  bool acceptable = true;
  int64_t id = 0;
  for (size_t i = 0; i < v.n; i++) {
    if (edhoc_r_int(&ar, &id) != EDHOC_OK)
      return EDHOC_ERR_MALFORMED;
    bool ours = we_support(s, id);
    if (i + 1 < v.n ? ours : !ours)
      acceptable = false;
  }
  if (!acceptable)
    return EDHOC_ERR_UNSUPPORTED_SUITE;
  s->suite = edhoc_suite_by_id(id);
  return EDHOC_OK;
}

edhoc_err edhoc_r_process_message_1(edhoc_session *s, oscore_bytes msg) {
  if (s->role != EDHOC_RESPONDER || s->state != ST_START)
    return EDHOC_ERR_STATE;
  edhoc_r r;
  int64_t method;
  edhoc_r_init(&r, msg);
  if (edhoc_r_int(&r, &method) != EDHOC_OK)
    return fail(s, EDHOC_ERR_MALFORMED);
  if (method < 0 || method > 3 || !((s->cfg.methods >> method) & 1u))
    return fail(s, EDHOC_ERR_UNSUPPORTED_METHOD);
  s->method = (int)method;
  edhoc_err err = read_suites(s, &r);
  if (err != EDHOC_OK)
    return fail(s, err);
  oscore_bytes gx, c_i;
  edhoc_cbor_val civ;
  if (edhoc_r_bstr(&r, &gx) != EDHOC_OK || gx.len != 32 ||
      edhoc_r_next(&r, &civ) != EDHOC_OK ||
      edhoc_wire_read_id(&civ, &c_i) != EDHOC_OK || c_i.len > EDHOC_MAX_CID)
    return fail(s, EDHOC_ERR_MALFORMED);
  err = edhoc_ead_check(&r);
  if (err != EDHOC_OK)
    return fail(s, err);
  err = edhoc_key_from_public(s->suite->dh, gx, OSCORE_BYTES(NULL, 0),
                              &s->peer_eph);
  if (err != EDHOC_OK)
    return fail(s, err);
  memcpy(s->c_peer, c_i.ptr, c_i.len);
  s->c_peer_len = c_i.len;
  err = edhoc_sha256(msg, s->h_msg1);
  if (err != EDHOC_OK)
    return fail(s, err);
  s->state = ST_GOT_1;
  return EDHOC_OK;
}

edhoc_err edhoc_r_set_own(edhoc_session *s, const edhoc_cred *own_cred,
                          const edhoc_key *own_key, edhoc_idcred_kind own_id,
                          oscore_bytes cid) {
  if (s->role != EDHOC_RESPONDER || s->state != ST_GOT_1)
    return EDHOC_ERR_STATE;
  if (!own_cred || !own_key || cid.len > EDHOC_MAX_CID ||
      (cid.len && cid.ptr == NULL))
    return EDHOC_ERR_INVALID_ARG;
  s->cfg.own_cred = own_cred;
  s->cfg.own_key = own_key;
  s->cfg.own_id = own_id;
  memcpy(s->cfg.cid, cid.ptr, cid.len);
  s->cfg.cid_len = cid.len;
  return EDHOC_OK;
}

/* Writes PLAINTEXT_2 = ( C_R, ID_CRED_R, Signature_or_MAC_2 ) to |pw|,
 * computing PRK_3e2m and MAC_2 on the way. */
static edhoc_err plaintext_2(edhoc_session *s, edhoc_w *pw) {
  bool r_signs = edhoc_r_signs(s->method);
  const edhoc_cred *own = s->cfg.own_cred;
  oscore_bytes cred = OSCORE_BYTES(own->item, own->item_len);
  edhoc_err err = edhoc_prk_static(s->v.prk_2e, r_signs, 1, s->v.th_2,
                                   s->cfg.own_key, s->peer_eph, s->v.prk_3e2m);
  uint8_t idmap[EDHOC_MAX_CRED + 16], cid[EDHOC_MAX_CID + 2];
  edhoc_w mw, cw;
  edhoc_w_init(&mw, idmap, sizeof idmap);
  edhoc_w_init(&cw, cid, sizeof cid);
  edhoc_wire_write_id(&cw, OSCORE_BYTES(s->cfg.cid, s->cfg.cid_len));
  if (err == EDHOC_OK)
    err = edhoc_id_cred_write(own, s->cfg.own_id, &mw);
  if (err != EDHOC_OK)
    return err;
  oscore_bytes id_cred = OSCORE_BYTES(idmap, mw.len);
  s->v.mac_2_len = edhoc_mac_len(s->suite, r_signs);
  err = edhoc_mac(s->v.prk_3e2m, 2, OSCORE_BYTES(cid, cw.len), id_cred,
                  s->v.th_2, cred, OSCORE_BYTES(NULL, 0), s->v.mac_2,
                  s->v.mac_2_len);
  uint8_t sig[EDHOC_SIG_LEN];
  size_t sig_len = 0;
  if (err == EDHOC_OK)
    err = edhoc_sig_or_mac(s->cfg.own_key, r_signs, id_cred, s->v.th_2, cred,
                           OSCORE_BYTES(NULL, 0),
                           OSCORE_BYTES(s->v.mac_2, s->v.mac_2_len), sig,
                           &sig_len);
  if (err != EDHOC_OK)
    return err;
  edhoc_w_raw(pw, OSCORE_BYTES(cid, cw.len));
  err = edhoc_id_cred_write_compact(id_cred, pw);
  edhoc_w_bstr(pw, OSCORE_BYTES(sig, sig_len));
  return err == EDHOC_OK ? edhoc_w_status(pw) : err;
}

edhoc_err edhoc_r_message_2(edhoc_session *s, edhoc_key *eph, uint8_t *out,
                            size_t cap, size_t *len) {
  if (s->role != EDHOC_RESPONDER || s->state != ST_GOT_1) {
    edhoc_key_free(eph);
    return EDHOC_ERR_STATE;
  }
  edhoc_key_free(s->eph);
  s->eph = eph;
  if (eph == NULL || edhoc_key_curve(eph) != s->suite->dh ||
      !edhoc_key_has_private(eph))
    return EDHOC_ERR_INVALID_ARG;
  if (s->cfg.cid_len == s->c_peer_len &&
      memcmp(s->cfg.cid, s->c_peer, s->c_peer_len) == 0)
    return EDHOC_ERR_CID_CLASH; /* the caller picks another C_R */
  edhoc_err err = edhoc_own_key_check(s, edhoc_r_signs(s->method));
  if (err != EDHOC_OK)
    return fail(s, err);
  uint8_t gy[32];
  err = edhoc_key_public(eph, gy, NULL);
  if (err == EDHOC_OK)
    err = edhoc_th_2_prk_2e(s, gy);
  if (err != EDHOC_OK)
    return fail(s, err);
  uint8_t pt[EDHOC_MAX_CRED + 128];
  edhoc_w pw;
  edhoc_w_init(&pw, pt, sizeof pt);
  err = plaintext_2(s, &pw);
  /* message_2 = bstr( G_Y || PLAINTEXT_2 XOR KEYSTREAM_2 ) */
  edhoc_w mw;
  edhoc_w_init(&mw, out, cap);
  edhoc_w_bstr_head(&mw, 32 + pw.len);
  edhoc_w_raw(&mw, OSCORE_BYTES(gy, 32));
  size_t ct_at = mw.len;
  edhoc_w_raw(&mw, OSCORE_BYTES(pt, pw.len));
  if (err == EDHOC_OK)
    err = edhoc_w_status(&mw);
  if (err == EDHOC_OK) {
    uint8_t *ks = malloc(pw.len);
    err = ks ? edhoc_kdf(s->v.prk_2e, 0, OSCORE_BYTES(s->v.th_2, 32), ks,
                         pw.len)
             : EDHOC_ERR_NO_MEMORY;
    for (size_t i = 0; err == EDHOC_OK && i < pw.len; i++)
      out[ct_at + i] ^= ks[i];
    if (ks)
      oscore_wipe(ks, pw.len);
    free(ks);
  }
  if (err == EDHOC_OK)
    err = edhoc_th_next(s->v.th_2, OSCORE_BYTES(pt, pw.len),
                        OSCORE_BYTES(s->cfg.own_cred->item,
                                     s->cfg.own_cred->item_len), s->v.th_3);
  oscore_wipe(pt, sizeof pt);
  if (err != EDHOC_OK)
    return fail(s, err);
  *len = mw.len;
  s->state = ST_SENT_2;
  return EDHOC_OK;
}

/* PLAINTEXT_3 = ( ID_CRED_I, Signature_or_MAC_3, ? EAD_3 ). */
static edhoc_err check_plaintext_3(edhoc_session *s, oscore_bytes pt) {
  edhoc_r r;
  edhoc_cbor_val idv;
  oscore_bytes sig;
  edhoc_r_init(&r, pt);
  if (edhoc_r_next(&r, &idv) != EDHOC_OK || edhoc_r_bstr(&r, &sig) != EDHOC_OK)
    return EDHOC_ERR_MALFORMED;
  size_t ead_at = r.pos;
  edhoc_err err = edhoc_ead_check(&r);
  if (err != EDHOC_OK)
    return err;
  const edhoc_peer_step step = {
    .prk_in = s->v.prk_3e2m, .salt_label = 5, .mac_label = 6,
    .c_r = OSCORE_BYTES(NULL, 0), .th = s->v.th_3, .prk_out = s->v.prk_4e3m,
    .mac = s->v.mac_3, .mac_len = &s->v.mac_3_len, .th_out = s->v.th_4,
  };
  return edhoc_peer_auth_check(s, &idv, edhoc_i_signs(s->method), pt, ead_at,
                               sig, &step);
}

edhoc_err edhoc_r_process_message_3(edhoc_session *s, oscore_bytes msg) {
  if (s->role != EDHOC_RESPONDER || s->state != ST_SENT_2)
    return EDHOC_ERR_STATE;
  if (edhoc_is_error(msg))
    return fail(s, EDHOC_ERR_PEER_ERROR);
  edhoc_r r;
  oscore_bytes ct;
  edhoc_r_init(&r, msg);
  if (edhoc_r_bstr(&r, &ct) != EDHOC_OK || !edhoc_r_at_end(&r))
    return fail(s, EDHOC_ERR_MALFORMED);
  uint8_t pt[EDHOC_MAX_MESSAGE];
  size_t pt_len = 0;
  edhoc_err err = edhoc_decrypt0(s->suite, s->v.prk_3e2m, 3, s->v.th_3, ct,
                                 pt, sizeof pt, &pt_len, s->v.k_3, s->v.iv_3);
  if (err == EDHOC_OK)
    err = check_plaintext_3(s, OSCORE_BYTES(pt, pt_len));
  oscore_wipe(pt, sizeof pt);
  if (err == EDHOC_OK)
    err = edhoc_finish_keys(s);
  if (err != EDHOC_OK)
    return fail(s, err);
  s->state = ST_DONE;
  return EDHOC_OK;
}

edhoc_err edhoc_r_message_4(edhoc_session *s, uint8_t *out, size_t cap,
                            size_t *len) {
  if (s->role != EDHOC_RESPONDER || s->state != ST_DONE)
    return EDHOC_ERR_STATE;
  uint8_t ct[64];
  size_t ct_len;
  edhoc_err err = edhoc_encrypt0(s->suite, s->v.prk_4e3m, 8, s->v.th_4,
                                 OSCORE_BYTES(NULL, 0), ct, sizeof ct, &ct_len,
                                 s->v.k_4, s->v.iv_4);
  if (err != EDHOC_OK)
    return err;
  edhoc_w w;
  edhoc_w_init(&w, out, cap);
  edhoc_w_bstr(&w, OSCORE_BYTES(ct, ct_len));
  *len = w.len;
  return edhoc_w_status(&w);
}
