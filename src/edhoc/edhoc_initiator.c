/* The initiator's side: message_1, message_2, message_3, message_4
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

edhoc_err edhoc_i_message_1(edhoc_session *s, edhoc_key *eph, uint8_t *out,
                            size_t cap, size_t *len) {
  if (s->role != EDHOC_INITIATOR || s->state != ST_START) {
    edhoc_key_free(eph);
    return EDHOC_ERR_STATE;
  }
  edhoc_key_free(s->eph);
  s->eph = eph;
  s->suite = edhoc_suite_by_id(s->cfg.suites[s->sel]);
  if (eph == NULL || edhoc_key_curve(eph) != s->suite->dh ||
      !edhoc_key_has_private(eph))
    return EDHOC_ERR_INVALID_ARG;
  uint8_t gx[32];
  edhoc_err err = edhoc_key_public(eph, gx, NULL);
  if (err != EDHOC_OK)
    return err;
  edhoc_w w;
  edhoc_w_init(&w, out, cap);
  edhoc_w_int(&w, s->method);
  /* SUITES_I: the selected suite last, after every suite the initiator
   * prefers to it (§5.2.2); a single suite as an int. */
  if (s->sel == 0) {
    edhoc_w_int(&w, s->cfg.suites[0]);
  } else {
    edhoc_w_array(&w, s->sel + 1);
    for (size_t i = 0; i <= s->sel; i++)
      edhoc_w_int(&w, s->cfg.suites[i]);
  }
  edhoc_w_bstr(&w, OSCORE_BYTES(gx, 32));
  edhoc_wire_write_id(&w, OSCORE_BYTES(s->cfg.cid, s->cfg.cid_len));
  err = edhoc_w_status(&w);
  if (err == EDHOC_OK)
    err = edhoc_sha256(OSCORE_BYTES(out, w.len), s->h_msg1);
  if (err != EDHOC_OK)
    return err;
  *len = w.len;
  s->state = ST_SENT_1;
  return EDHOC_OK;
}

edhoc_err edhoc_i_set_cid(edhoc_session *s, oscore_bytes cid) {
  if (s->role != EDHOC_INITIATOR || s->state != ST_START)
    return EDHOC_ERR_STATE;
  if (cid.len > EDHOC_MAX_CID || (cid.len && cid.ptr == NULL))
    return EDHOC_ERR_INVALID_ARG;
  memcpy(s->cfg.cid, cid.ptr, cid.len);
  s->cfg.cid_len = cid.len;
  return EDHOC_OK;
}

const edhoc_suite *edhoc_i_next_suite(const edhoc_session *s) {
  if (s->role != EDHOC_INITIATOR || s->sel >= s->cfg.n_suites)
    return NULL;
  return edhoc_suite_by_id(s->cfg.suites[s->sel]);
}

edhoc_err edhoc_i_process_error(edhoc_session *s, const edhoc_peer_error *e) {
  if (s->role != EDHOC_INITIATOR || s->state != ST_SENT_1)
    return EDHOC_ERR_STATE;
  if (e->code != EDHOC_ERRCODE_WRONG_SUITE)
    return fail(s, EDHOC_ERR_PEER_ERROR);
  for (size_t i = 0; i < s->cfg.n_suites; i++)
    for (size_t j = 0; j < e->n_suites_r; j++)
      if (s->cfg.suites[i] == e->suites_r[j]) {
        if (i == s->sel)
          return fail(s, EDHOC_ERR_UNSUPPORTED_SUITE); /* no progress */
        s->sel = i;
        s->state = ST_START;
        return EDHOC_OK;
      }
  return fail(s, EDHOC_ERR_UNSUPPORTED_SUITE);
}

/* PLAINTEXT_2 = ( C_R, ID_CRED_R, Signature_or_MAC_2, ? EAD_2 ). */
static edhoc_err check_plaintext_2(edhoc_session *s, oscore_bytes pt) {
  edhoc_r r;
  edhoc_cbor_val cr, idv;
  oscore_bytes c_r, sig;
  edhoc_r_init(&r, pt);
  edhoc_err err = edhoc_r_next(&r, &cr);
  if (err == EDHOC_OK)
    err = edhoc_wire_read_id(&cr, &c_r);
  if (err == EDHOC_OK)
    err = edhoc_r_next(&r, &idv);
  if (err == EDHOC_OK)
    err = edhoc_r_bstr(&r, &sig);
  if (err != EDHOC_OK)
    return EDHOC_ERR_MALFORMED;
  size_t ead_at = r.pos;
  err = edhoc_ead_check(&r);
  if (err != EDHOC_OK)
    return err;
  if (c_r.len > EDHOC_MAX_CID)
    return EDHOC_ERR_MALFORMED;
  if (c_r.len == s->cfg.cid_len && memcmp(c_r.ptr, s->cfg.cid, c_r.len) == 0)
    return EDHOC_ERR_CID_CLASH;
  memcpy(s->c_peer, c_r.ptr, c_r.len);
  s->c_peer_len = c_r.len;

  const edhoc_peer_step step = {
    .prk_in = s->v.prk_2e, .salt_label = 1, .mac_label = 2,
    .c_r = cr.span, .th = s->v.th_2, .prk_out = s->v.prk_3e2m,
    .mac = s->v.mac_2, .mac_len = &s->v.mac_2_len, .th_out = s->v.th_3,
  };
  return edhoc_peer_auth_check(s, &idv, edhoc_r_signs(s->method), pt, ead_at,
                               sig, &step);
}

edhoc_err edhoc_i_process_message_2(edhoc_session *s, oscore_bytes msg) {
  if (s->role != EDHOC_INITIATOR || s->state != ST_SENT_1)
    return EDHOC_ERR_STATE;
  if (edhoc_is_error(msg))
    return EDHOC_ERR_PEER_ERROR; /* state kept: a suite error may follow */
  edhoc_r r;
  oscore_bytes gyc;
  edhoc_r_init(&r, msg);
  if (edhoc_r_bstr(&r, &gyc) != EDHOC_OK || !edhoc_r_at_end(&r) ||
      gyc.len <= 32 || gyc.len - 32 > EDHOC_MAX_KDF_OUT)
    return fail(s, EDHOC_ERR_MALFORMED);
  edhoc_key_free(s->peer_eph);
  s->peer_eph = NULL;
  edhoc_err err = edhoc_key_from_public(s->suite->dh, OSCORE_BYTES(gyc.ptr, 32),
                                        OSCORE_BYTES(NULL, 0), &s->peer_eph);
  if (err != EDHOC_OK)
    return fail(s, err == EDHOC_ERR_INVALID_ARG ? EDHOC_ERR_MALFORMED : err);
  err = edhoc_th_2_prk_2e(s, gyc.ptr);
  if (err != EDHOC_OK)
    return fail(s, err);
  size_t n = gyc.len - 32;
  uint8_t *pt = malloc(n);
  if (pt == NULL)
    return fail(s, EDHOC_ERR_NO_MEMORY);
  err = edhoc_kdf(s->v.prk_2e, 0, OSCORE_BYTES(s->v.th_2, 32), pt, n);
  if (err == EDHOC_OK) {
    for (size_t i = 0; i < n; i++)
      pt[i] ^= gyc.ptr[32 + i];
    err = check_plaintext_2(s, OSCORE_BYTES(pt, n));
  }
  oscore_wipe(pt, n);
  free(pt);
  if (err != EDHOC_OK)
    return fail(s, err);
  s->state = ST_GOT_2;
  return EDHOC_OK;
}

edhoc_err edhoc_i_message_3(edhoc_session *s, uint8_t *out, size_t cap,
                            size_t *len) {
  if (s->role != EDHOC_INITIATOR || s->state != ST_GOT_2)
    return EDHOC_ERR_STATE;
  bool i_signs = edhoc_i_signs(s->method);
  const edhoc_cred *own = s->cfg.own_cred;
  oscore_bytes cred = OSCORE_BYTES(own->item, own->item_len);
  /* Our key is checked against the suite only now: the first message_1
   * may propose a suite the responder then refuses (§6.3). */
  edhoc_err err = edhoc_own_key_check(s, i_signs);
  if (err == EDHOC_OK)
    err = edhoc_prk_static(s->v.prk_3e2m, i_signs, 5, s->v.th_3,
                           s->cfg.own_key, s->peer_eph, s->v.prk_4e3m);
  uint8_t idmap[EDHOC_MAX_CRED + 16];
  edhoc_w mw;
  edhoc_w_init(&mw, idmap, sizeof idmap);
  if (err == EDHOC_OK)
    err = edhoc_id_cred_write(own, s->cfg.own_id, &mw);
  if (err != EDHOC_OK)
    return fail(s, err);
  oscore_bytes id_cred = OSCORE_BYTES(idmap, mw.len);
  s->v.mac_3_len = edhoc_mac_len(s->suite, i_signs);
  uint8_t sig[EDHOC_SIG_LEN];
  size_t sig_len = 0;
  err = edhoc_mac(s->v.prk_4e3m, 6, OSCORE_BYTES(NULL, 0), id_cred, s->v.th_3,
                  cred, OSCORE_BYTES(NULL, 0), s->v.mac_3, s->v.mac_3_len);
  if (err == EDHOC_OK)
    err = edhoc_sig_or_mac(s->cfg.own_key, i_signs, id_cred, s->v.th_3, cred,
                           OSCORE_BYTES(NULL, 0),
                           OSCORE_BYTES(s->v.mac_3, s->v.mac_3_len), sig,
                           &sig_len);
  /* PLAINTEXT_3 = ( ID_CRED_I, Signature_or_MAC_3 ) */
  uint8_t pt[EDHOC_MAX_CRED + 96];
  edhoc_w pw;
  edhoc_w_init(&pw, pt, sizeof pt);
  if (err == EDHOC_OK)
    err = edhoc_id_cred_write_compact(id_cred, &pw);
  edhoc_w_bstr(&pw, OSCORE_BYTES(sig, sig_len));
  if (err == EDHOC_OK)
    err = edhoc_w_status(&pw);
  uint8_t *ct = out;
  size_t ct_len = 0;
  /* message_3 = bstr CIPHERTEXT_3: leave room for the longest head. */
  size_t tag = edhoc_suite_aead(s->suite)->tag_len;
  if (err == EDHOC_OK && cap < 3 + pw.len + tag)
    err = EDHOC_ERR_BUFFER_TOO_SMALL;
  if (err == EDHOC_OK) {
    ct = out + 3;
    err = edhoc_encrypt0(s->suite, s->v.prk_3e2m, 3, s->v.th_3,
                         OSCORE_BYTES(pt, pw.len), ct, cap - 3, &ct_len,
                         s->v.k_3, s->v.iv_3);
  }
  if (err == EDHOC_OK) {
    edhoc_w hw;
    uint8_t head[3];
    edhoc_w_init(&hw, head, sizeof head);
    edhoc_w_bstr_head(&hw, ct_len);
    memmove(out + hw.len, ct, ct_len);
    memcpy(out, head, hw.len);
    *len = hw.len + ct_len;
    err = edhoc_th_next(s->v.th_3, OSCORE_BYTES(pt, pw.len), cred, s->v.th_4);
  }
  oscore_wipe(pt, sizeof pt);
  if (err == EDHOC_OK)
    err = edhoc_finish_keys(s);
  if (err != EDHOC_OK)
    return fail(s, err);
  s->state = ST_DONE;
  return EDHOC_OK;
}

edhoc_err edhoc_i_process_message_4(edhoc_session *s, oscore_bytes msg) {
  if (s->role != EDHOC_INITIATOR || s->state != ST_DONE)
    return EDHOC_ERR_STATE;
  if (edhoc_is_error(msg))
    return EDHOC_ERR_PEER_ERROR;
  edhoc_r r;
  oscore_bytes ct;
  edhoc_r_init(&r, msg);
  if (edhoc_r_bstr(&r, &ct) != EDHOC_OK || !edhoc_r_at_end(&r))
    return EDHOC_ERR_MALFORMED;
  uint8_t pt[EDHOC_MAX_MESSAGE];
  size_t pt_len;
  edhoc_err err = edhoc_decrypt0(s->suite, s->v.prk_4e3m, 8, s->v.th_4, ct,
                                 pt, sizeof pt, &pt_len, s->v.k_4, s->v.iv_4);
  if (err != EDHOC_OK)
    return err;
  edhoc_r_init(&r, OSCORE_BYTES(pt, pt_len));
  return edhoc_ead_check(&r);
}
