/* Both traces of RFC 9529 byte for byte: each side run from the trace's
 * keys and ephemeral keys, every message and intermediate value the
 * trace prints compared, the OSCORE parameters exported, key update. */
#include "../unit.h"
#include "edhoc_testutil.h"

static edhoc_key *priv(edhoc_curve c, const char *key) {
  edhoc_key *k = NULL;
  if (edhoc_key_from_private(c, tv(key), &k) != EDHOC_OK) {
    fprintf(stderr, "cannot load key %s\n", key);
    exit(1);
  }
  return k;
}

#define CHECK_TV(p_, n_, key_) do { \
    oscore_bytes e_ = tv(key_); \
    CHECK_MEM((p_), (n_), e_.ptr, e_.len); \
  } while (0)

static void check_values(const edhoc_session *s, const char *t, bool final) {
  const edhoc_values *v = edhoc_session_values(s);
  char k[96];
#define V(field_, n_, name_) do { \
    snprintf(k, sizeof k, "%s.%s", t, name_); CHECK_TV(v->field_, n_, k); \
  } while (0)
  V(th_2, 32, "m2.TH_2.raw");
  V(prk_2e, 32, "m2.PRK_2e.raw");
  V(prk_3e2m, 32, "m2.PRK_3e2m.raw");
  V(mac_2, v->mac_2_len, "m2.MAC_2.raw");
  V(th_3, 32, "m3.TH_3.raw");
  if (!final)
    return;
  V(prk_4e3m, 32, "m3.PRK_4e3m.raw");
  V(mac_3, v->mac_3_len, "m3.MAC_3.raw");
  V(k_3, 16, "m3.K_3.raw");
  V(iv_3, 13, "m3.IV_3.raw");
  V(th_4, 32, "m3.TH_4.raw");
  V(prk_out, 32, "out.PRK_out.raw");
  V(prk_exporter, 32, "out.PRK_exporter.raw");
#undef V
}

/* OSCORE parameters and key update, from either side. */
static void check_oscore(edhoc_session *s, const char *t, bool client) {
  edhoc_oscore o;
  char k[96];
  CHECK_EQ_INT(edhoc_oscore_params(s, &o), EDHOC_OK);
  snprintf(k, sizeof k, "%s.oscore.OSCORE_Master_Secret.raw", t);
  CHECK_TV(o.master_secret, 16, k);
  snprintf(k, sizeof k, "%s.oscore.OSCORE_Master_Salt.raw", t);
  CHECK_TV(o.master_salt, 8, k);
  snprintf(k, sizeof k, "%s.oscore.%s_s_OSCORE_Sender_ID.raw", t,
           client ? "Client" : "Server");
  CHECK_TV(o.sender_id, o.sender_id_len, k);
  snprintf(k, sizeof k, "%s.oscore.%s_s_OSCORE_Sender_ID.raw", t,
           client ? "Server" : "Client");
  CHECK_TV(o.recipient_id, o.recipient_id_len, k);
  CHECK_EQ_INT(o.aead_cose, 10);

  snprintf(k, sizeof k, "%s.update.context_for_KeyUpdate.raw", t);
  CHECK_EQ_INT(edhoc_key_update(s, tv(k)), EDHOC_OK);
  const edhoc_values *v = edhoc_session_values(s);
  snprintf(k, sizeof k, "%s.update.PRK_out_after_KeyUpdate.raw", t);
  CHECK_TV(v->prk_out, 32, k);
  snprintf(k, sizeof k, "%s.update.PRK_exporter_after_KeyUpdate.raw", t);
  CHECK_TV(v->prk_exporter, 32, k);
  CHECK_EQ_INT(edhoc_oscore_params(s, &o), EDHOC_OK);
  snprintf(k, sizeof k, "%s.update.OSCORE_Master_Secret_after_KeyUpdate.raw", t);
  CHECK_TV(o.master_secret, 16, k);
  snprintf(k, sizeof k, "%s.update.OSCORE_Master_Salt_after_KeyUpdate.raw", t);
  CHECK_TV(o.master_salt, 8, k);
}

/* Runs initiator and responder against each other, comparing each
 * message with the trace. */
static void run(const char *t, edhoc_session *i, edhoc_session *r,
                edhoc_key *x, edhoc_key *y, const char *m1key) {
  uint8_t m[EDHOC_MAX_MESSAGE];
  size_t n = 0;
  char k[96];
  CHECK_EQ_INT(edhoc_i_message_1(i, x, m, sizeof m, &n), EDHOC_OK);
  CHECK_TV(m, n, m1key);
  CHECK_EQ_INT(edhoc_r_process_message_1(r, OSCORE_BYTES(m, n)), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_message_2(r, y, m, sizeof m, &n), EDHOC_OK);
  snprintf(k, sizeof k, "%s.m2.message_2.seq", t);
  CHECK_TV(m, n, k);
  check_values(r, t, false);
  CHECK_EQ_INT(edhoc_i_process_message_2(i, OSCORE_BYTES(m, n)), EDHOC_OK);
  check_values(i, t, false);
  CHECK_EQ_INT(edhoc_i_message_3(i, m, sizeof m, &n), EDHOC_OK);
  snprintf(k, sizeof k, "%s.m3.message_3.seq", t);
  CHECK_TV(m, n, k);
  check_values(i, t, true);
  CHECK_EQ_INT(edhoc_r_process_message_3(r, OSCORE_BYTES(m, n)), EDHOC_OK);
  check_values(r, t, true);
  CHECK(edhoc_session_done(i) && edhoc_session_done(r));
  CHECK_EQ_INT(edhoc_r_message_4(r, m, sizeof m, &n), EDHOC_OK);
  snprintf(k, sizeof k, "%s.m4.message_4.seq", t);
  CHECK_TV(m, n, k);
  const edhoc_values *rv = edhoc_session_values(r);
  snprintf(k, sizeof k, "%s.m4.K_4.raw", t);
  CHECK_TV(rv->k_4, 16, k);
  snprintf(k, sizeof k, "%s.m4.IV_4.raw", t);
  CHECK_TV(rv->iv_4, 13, k);
  CHECK_EQ_INT(edhoc_i_process_message_4(i, OSCORE_BYTES(m, n)), EDHOC_OK);
  check_oscore(i, t, true);
  check_oscore(r, t, false);
}

/* Trace 1 (RFC 9529 §3): method 0, suite 0, X.509 by x5t. */
static void trace_1(void) {
  edhoc_key *sk_i = priv(EDHOC_CURVE_ED25519, "T1.m3.SK_I.raw");
  edhoc_key *sk_r = priv(EDHOC_CURVE_ED25519, "T1.m2.SK_R.raw");
  edhoc_cred cred_i, cred_r;
  CHECK_EQ_INT(edhoc_cred_from_x509(tv("T1.m3.CRED_I.raw"), &cred_i), EDHOC_OK);
  CHECK_EQ_INT(edhoc_cred_from_x509(tv("T1.m2.CRED_R.raw"), &cred_r), EDHOC_OK);
  CHECK_MEM(cred_r.item, cred_r.item_len, tv("T1.m2.CRED_R.cbor").ptr,
            tv("T1.m2.CRED_R.cbor").len);
  uint8_t pk[32];
  CHECK_EQ_INT(edhoc_key_public(cred_i.pub, pk, NULL), EDHOC_OK);
  CHECK_TV(pk, 32, "T1.m3.PK_I.raw");
  uint8_t idc[64];
  edhoc_w w;
  edhoc_w_init(&w, idc, sizeof idc);
  CHECK_EQ_INT(edhoc_id_cred_write(&cred_r, EDHOC_IDCRED_X5T, &w), EDHOC_OK);
  CHECK_TV(idc, w.len, "T1.m2.ID_CRED_R.cbor");

  test_lookup li = { .creds = { { EDHOC_CRED_X509, tv("T1.m2.CRED_R.raw") } },
                     .n = 1 };
  test_lookup lr = { .creds = { { EDHOC_CRED_X509, tv("T1.m3.CRED_I.raw") } },
                     .n = 1 };
  edhoc_config ci = { .method = 0, .suites = { 0 }, .n_suites = 1,
                      .own_cred = &cred_i, .own_key = sk_i,
                      .own_id = EDHOC_IDCRED_X5T, .lookup = test_lookup_fn,
                      .lookup_arg = &li, .cid = { 0x2d }, .cid_len = 1 };
  edhoc_config cr = { .methods = 1u << 0, .suites = { 0 }, .n_suites = 1,
                      .own_cred = &cred_r, .own_key = sk_r,
                      .own_id = EDHOC_IDCRED_X5T, .lookup = test_lookup_fn,
                      .lookup_arg = &lr, .cid = { 0x18 }, .cid_len = 1 };
  edhoc_session *i, *r;
  CHECK_EQ_INT(edhoc_session_new(EDHOC_INITIATOR, &ci, &i), EDHOC_OK);
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cr, &r), EDHOC_OK);
  run("T1", i, r, priv(EDHOC_CURVE_X25519, "T1.m1.X.raw"),
      priv(EDHOC_CURVE_X25519, "T1.m2.Y.raw"), "T1.m1.message_1.seq");
  CHECK_EQ_INT(li.calls, 1);
  CHECK_EQ_INT(lr.calls, 1);
  edhoc_session_free(i);
  edhoc_session_free(r);
  edhoc_cred_clear(&cred_i);
  edhoc_cred_clear(&cred_r);
  edhoc_key_free(sk_i);
  edhoc_key_free(sk_r);
}

/* Trace 2 (RFC 9529 §4): method 3, the initiator prefers suite 6, the
 * responder answers with SUITES_R 2, then suite 2 with CCS by kid. */
static void trace_2(void) {
  edhoc_key *sk_i = priv(EDHOC_CURVE_P256, "T2.m3.SK_I.raw");
  edhoc_key *sk_r = priv(EDHOC_CURVE_P256, "T2.m2.SK_R.raw");
  edhoc_cred cred_i, cred_r;
  CHECK_EQ_INT(edhoc_cred_from_ccs(tv("T2.m3.CRED_I.cbor"), &cred_i), EDHOC_OK);
  CHECK_EQ_INT(edhoc_cred_from_ccs(tv("T2.m2.CRED_R.cbor"), &cred_r), EDHOC_OK);
  uint8_t x[32], y[32];
  CHECK_EQ_INT(edhoc_key_public(sk_r, x, y), EDHOC_OK);
  CHECK_TV(x, 32, "T2.m2.PK_R_x.raw");
  CHECK_TV(y, 32, "T2.m2.PK_R_y.raw");
  CHECK_EQ_INT(edhoc_key_public(cred_i.pub, x, y), EDHOC_OK);
  CHECK_TV(x, 32, "T2.m3.PK_I_x.raw");
  CHECK_TV(y, 32, "T2.m3.PK_I_y.raw");

  test_lookup li = { .creds = { { EDHOC_CRED_CCS, tv("T2.m2.CRED_R.cbor") } },
                     .n = 1 };
  test_lookup lr = { .creds = { { EDHOC_CRED_CCS, tv("T2.m3.CRED_I.cbor") } },
                     .n = 1 };
  edhoc_config ci = { .method = 3, .suites = { 6, 2 }, .n_suites = 2,
                      .own_cred = &cred_i, .own_key = sk_i,
                      .own_id = EDHOC_IDCRED_KID, .lookup = test_lookup_fn,
                      .lookup_arg = &li, .cid = { 0x0e }, .cid_len = 1 };
  edhoc_config cr = { .methods = 1u << 3, .suites = { 2 }, .n_suites = 1,
                      .own_cred = &cred_r, .own_key = sk_r,
                      .own_id = EDHOC_IDCRED_KID, .lookup = test_lookup_fn,
                      .lookup_arg = &lr, .cid = { 0x27 }, .cid_len = 1 };
  edhoc_session *i, *r;
  CHECK_EQ_INT(edhoc_session_new(EDHOC_INITIATOR, &ci, &i), EDHOC_OK);
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cr, &r), EDHOC_OK);

  /* The trace's first message_1 (suite 6) is refused with SUITES_R 2. Its
   * G_X is a P-256 value although suite 6 uses X25519, so our initiator
   * cannot reproduce those bytes; the responder is fed them instead. */
  uint8_t m[EDHOC_MAX_MESSAGE];
  size_t n = 0;
  CHECK_EQ_INT(edhoc_r_process_message_1(r, tv("T2.m1.message_1.seq")),
               EDHOC_ERR_UNSUPPORTED_SUITE);
  CHECK_EQ_INT(edhoc_error_suites(&cr, m, sizeof m, &n), EDHOC_OK);
  CHECK_TV(m, n, "T2.error.error.seq");
  edhoc_session_free(r);
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cr, &r), EDHOC_OK);

  edhoc_key *x25519 = NULL;
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_X25519, &x25519), EDHOC_OK);
  CHECK_EQ_INT(edhoc_i_message_1(i, x25519, m, sizeof m, &n), EDHOC_OK);
  CHECK_EQ_INT(m[1], 0x06);
  edhoc_peer_error pe;
  CHECK(edhoc_is_error(tv("T2.error.error.seq")));
  CHECK_EQ_INT(edhoc_error_decode(tv("T2.error.error.seq"), &pe), EDHOC_OK);
  CHECK_EQ_INT(pe.code, 2);
  CHECK_EQ_INT(edhoc_i_process_error(i, &pe), EDHOC_OK);
  CHECK_EQ_INT(edhoc_i_set_cid(i, tv("T2.m1retry.C_I.raw")), EDHOC_OK);
  run("T2", i, r, priv(EDHOC_CURVE_P256, "T2.m1retry.X.raw"),
      priv(EDHOC_CURVE_P256, "T2.m2.Y.raw"), "T2.m1retry.message_1.seq");
  edhoc_session_free(i);
  edhoc_session_free(r);
  edhoc_cred_clear(&cred_i);
  edhoc_cred_clear(&cred_r);
  edhoc_key_free(sk_i);
  edhoc_key_free(sk_r);
}

int main(void) {
  tv_load();
  trace_1();
  trace_2();
  return unit_summary("edhoc_traces");
}
