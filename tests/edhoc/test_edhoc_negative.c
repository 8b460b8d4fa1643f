/* EDHOC failure paths and the method x suite x credential matrix: the
 * invalid messages of RFC 9529 §5, tampered messages 2/3/4, wrong and
 * unknown peer credentials, suite negotiation without a common suite,
 * critical EAD, error messages; then every method with suites 0-3, kid
 * and by-value credentials, and X.509 by x5chain, each deriving the same
 * OSCORE context on both sides. */
#include "../unit.h"
#include "edhoc_testutil.h"
#include "edhoc_wire.h"

/* A party: its authentication key and CCS credential. */
typedef struct {
  edhoc_key *key;
  uint8_t ccs[256];
  size_t ccs_len;
  edhoc_cred cred;
} party;

static void party_new(party *p, edhoc_curve c, uint8_t kid) {
  CHECK_EQ_INT(edhoc_key_generate(c, &p->key), EDHOC_OK);
  edhoc_w w;
  edhoc_w_init(&w, p->ccs, sizeof p->ccs);
  CHECK_EQ_INT(edhoc_ccs_write(p->key, OSCORE_BYTES(&kid, 1), "test", &w),
               EDHOC_OK);
  p->ccs_len = w.len;
  CHECK_EQ_INT(edhoc_cred_from_ccs(OSCORE_BYTES(p->ccs, p->ccs_len), &p->cred),
               EDHOC_OK);
}

static void party_free(party *p) {
  edhoc_key_free(p->key);
  edhoc_cred_clear(&p->cred);
}

typedef struct {
  edhoc_session *i, *r;
  test_lookup li, lr;
  edhoc_config ci, cr;
  uint8_t m1[EDHOC_MAX_MESSAGE], m2[EDHOC_MAX_MESSAGE], m3[EDHOC_MAX_MESSAGE];
  size_t m1_len, m2_len, m3_len;
} pair;

static void pair_new(pair *p, int method, int suite, const party *pi,
                     const party *pr, edhoc_idcred_kind style) {
  memset(p, 0, sizeof *p);
  p->li.creds[0] = (test_cred){ EDHOC_CRED_CCS,
                                OSCORE_BYTES(pr->ccs, pr->ccs_len) };
  p->li.n = 1;
  p->lr.creds[0] = (test_cred){ EDHOC_CRED_CCS,
                                OSCORE_BYTES(pi->ccs, pi->ccs_len) };
  p->lr.n = 1;
  p->ci = (edhoc_config){ .method = method, .suites = { suite }, .n_suites = 1,
                          .own_cred = &pi->cred, .own_key = pi->key,
                          .own_id = style, .lookup = test_lookup_fn,
                          .lookup_arg = &p->li, .cid = { 0x01 }, .cid_len = 1 };
  p->cr = (edhoc_config){ .methods = 0xf, .suites = { suite }, .n_suites = 1,
                          .own_cred = &pr->cred, .own_key = pr->key,
                          .own_id = style, .lookup = test_lookup_fn,
                          .lookup_arg = &p->lr, .cid = { 0x41, 0x42 },
                          .cid_len = 2 };
  CHECK_EQ_INT(edhoc_session_new(EDHOC_INITIATOR, &p->ci, &p->i), EDHOC_OK);
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &p->cr, &p->r), EDHOC_OK);
}

static void pair_free(pair *p) {
  edhoc_session_free(p->i);
  edhoc_session_free(p->r);
}

static edhoc_key *eph(const edhoc_suite *s) {
  edhoc_key *k = NULL;
  CHECK_EQ_INT(edhoc_key_generate(s->dh, &k), EDHOC_OK);
  return k;
}

/* Runs message_1 and message_2 (both succeed). */
static void to_message_2(pair *p, int suite) {
  const edhoc_suite *s = edhoc_suite_by_id(suite);
  CHECK_EQ_INT(edhoc_i_message_1(p->i, eph(s), p->m1, sizeof p->m1,
                                 &p->m1_len), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_process_message_1(p->r, OSCORE_BYTES(p->m1, p->m1_len)),
               EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_message_2(p->r, eph(s), p->m2, sizeof p->m2,
                                 &p->m2_len), EDHOC_OK);
}

static void same_oscore(pair *p) {
  edhoc_oscore a, b;
  CHECK_EQ_INT(edhoc_oscore_params(p->i, &a), EDHOC_OK);
  CHECK_EQ_INT(edhoc_oscore_params(p->r, &b), EDHOC_OK);
  CHECK_MEM(a.master_secret, 16, b.master_secret, 16);
  CHECK_MEM(a.master_salt, 8, b.master_salt, 8);
  CHECK_MEM(a.sender_id, a.sender_id_len, b.recipient_id, b.recipient_id_len);
  CHECK_MEM(a.recipient_id, a.recipient_id_len, b.sender_id, b.sender_id_len);
  CHECK_MEM(a.sender_id, a.sender_id_len, "\x41\x42", 2);
}

/* Every method with suites 0-3, by kid and by value. */
static void matrix(void) {
  static const edhoc_idcred_kind styles[] = { EDHOC_IDCRED_KID,
                                              EDHOC_IDCRED_KCCS };
  for (int suite = 0; suite <= 3; suite++) {
    const edhoc_suite *s = edhoc_suite_by_id(suite);
    for (int method = 0; method <= 3; method++) {
      for (size_t st = 0; st < 2; st++) {
        party pi, pr;
        party_new(&pi, method <= 1 ? s->sig : s->dh, 0x0a);
        party_new(&pr, method == 0 || method == 2 ? s->sig : s->dh, 0x0b);
        pair p;
        pair_new(&p, method, suite, &pi, &pr, styles[st]);
        to_message_2(&p, suite);
        CHECK_EQ_INT(edhoc_i_process_message_2(p.i, OSCORE_BYTES(p.m2, p.m2_len)),
                     EDHOC_OK);
        CHECK_EQ_INT(edhoc_i_message_3(p.i, p.m3, sizeof p.m3, &p.m3_len),
                     EDHOC_OK);
        CHECK_EQ_INT(edhoc_r_process_message_3(p.r, OSCORE_BYTES(p.m3, p.m3_len)),
                     EDHOC_OK);
        same_oscore(&p);
        const edhoc_values *v = edhoc_session_values(p.i);
        CHECK_EQ_INT(v->mac_2_len, method == 0 || method == 2 ? 32 : s->mac_len);
        if (unit_failures)
          fprintf(stderr, "  (suite %d method %d style %zu)\n", suite, method, st);
        pair_free(&p);
        party_free(&pi);
        party_free(&pr);
      }
    }
  }
}

/* X.509 by value (x5chain) with the trace 1 certificates, method 0. */
static void x5chain(void) {
  edhoc_key *sk_i = NULL, *sk_r = NULL;
  CHECK_EQ_INT(edhoc_key_from_private(EDHOC_CURVE_ED25519, tv("T1.m3.SK_I.raw"),
                                      &sk_i), EDHOC_OK);
  CHECK_EQ_INT(edhoc_key_from_private(EDHOC_CURVE_ED25519, tv("T1.m2.SK_R.raw"),
                                      &sk_r), EDHOC_OK);
  edhoc_cred ci, cr;
  CHECK_EQ_INT(edhoc_cred_from_x509(tv("T1.m3.CRED_I.raw"), &ci), EDHOC_OK);
  CHECK_EQ_INT(edhoc_cred_from_x509(tv("T1.m2.CRED_R.raw"), &cr), EDHOC_OK);
  party pi = { .key = sk_i, .cred = ci }, pr = { .key = sk_r, .cred = cr };
  pair p;
  pair_new(&p, 0, 0, &pi, &pr, EDHOC_IDCRED_X5CHAIN);
  p.li.creds[0] = (test_cred){ EDHOC_CRED_X509, tv("T1.m2.CRED_R.raw") };
  p.lr.creds[0] = (test_cred){ EDHOC_CRED_X509, tv("T1.m3.CRED_I.raw") };
  to_message_2(&p, 0);
  CHECK_EQ_INT(edhoc_i_process_message_2(p.i, OSCORE_BYTES(p.m2, p.m2_len)),
               EDHOC_OK);
  CHECK_EQ_INT(edhoc_i_message_3(p.i, p.m3, sizeof p.m3, &p.m3_len), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_process_message_3(p.r, OSCORE_BYTES(p.m3, p.m3_len)),
               EDHOC_OK);
  same_oscore(&p);
  CHECK(edhoc_session_peer_cred(p.r)->kind == EDHOC_CRED_X509);
  pair_free(&p);
  party_free(&pi);
  party_free(&pr);
}

/* Each RFC 9529 §5 message is refused. */
static void invalid_traces(void) {
  static const char *m1s[] = {
    "INV.array_message.message_1", "INV.bstr_cid.message_1",
    "INV.array_suite.message_1", "INV.tstr_gx.message_1",
    "INV.gx_length.message_1", "INV.x_ge_p.message_1",
    "INV.not_on_curve.message_1", "INV.gx_no_leading_zero.message_1",
    "INV.long_method.message_1", "INV.indefinite_suites.message_1",
  };
  party pr;
  party_new(&pr, EDHOC_CURVE_P256, 0x32);
  edhoc_config cr = { .methods = 0xf, .suites = { 2 }, .n_suites = 1,
                      .own_cred = &pr.cred, .own_key = pr.key,
                      .own_id = EDHOC_IDCRED_KID, .cid = { 0x27 },
                      .cid_len = 1 };
  for (size_t i = 0; i < sizeof m1s / sizeof m1s[0]; i++) {
    edhoc_session *r;
    CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cr, &r), EDHOC_OK);
    edhoc_err err = edhoc_r_process_message_1(r, tv(m1s[i]));
    if (err == EDHOC_OK)
      fprintf(stderr, "accepted %s\n", m1s[i]);
    CHECK(err != EDHOC_OK);
    edhoc_session_free(r);
  }
  party_free(&pr);

  /* Low order X25519 point: accepted as bytes, refused at ECDH. */
  party p0;
  party_new(&p0, EDHOC_CURVE_X25519, 0x32);
  cr = (edhoc_config){ .methods = 0xf, .suites = { 0 }, .n_suites = 1,
                       .own_cred = &p0.cred, .own_key = p0.key,
                       .own_id = EDHOC_IDCRED_KID, .cid = { 0x27 },
                       .cid_len = 1 };
  edhoc_session *r;
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cr, &r), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_process_message_1(r, tv("INV.low_order.message_1")),
               EDHOC_OK);
  uint8_t m[EDHOC_MAX_MESSAGE];
  size_t n;
  edhoc_key *y = NULL;
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_X25519, &y), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_message_2(r, y, m, sizeof m, &n), EDHOC_ERR_BAD_KEY);
  edhoc_session_free(r);
  party_free(&p0);

  /* The PLAINTEXT_2 encodings of ID_CRED_R and C_R. */
  edhoc_r rd;
  edhoc_cbor_val v;
  edhoc_id_cred id;
  uint8_t map[64];
  edhoc_w w;
  oscore_bytes b;
  edhoc_r_init(&rd, tv("INV.map_idcred.PLAINTEXT_2"));
  CHECK_EQ_INT(edhoc_r_next(&rd, &v), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_next(&rd, &v), EDHOC_OK);
  edhoc_w_init(&w, map, sizeof map);
  CHECK_EQ_INT(edhoc_id_cred_read(&v, &id, &w), EDHOC_ERR_MALFORMED);
  edhoc_r_init(&rd, tv("INV.bstr_idcred.PLAINTEXT_2"));
  CHECK_EQ_INT(edhoc_r_next(&rd, &v), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_next(&rd, &v), EDHOC_OK);
  CHECK_EQ_INT(edhoc_wire_read_id(&v, &b), EDHOC_ERR_MALFORMED);
  /* The well-formed compact kid 0x32 reads back as {4: h'32'}. */
  edhoc_r_init(&rd, tv("T2.m2.PLAINTEXT_2.seq"));
  CHECK_EQ_INT(edhoc_r_next(&rd, &v), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_next(&rd, &v), EDHOC_OK);
  edhoc_w_init(&w, map, sizeof map);
  CHECK_EQ_INT(edhoc_id_cred_read(&v, &id, &w), EDHOC_OK);
  CHECK_MEM(map, w.len, tv("T2.m2.ID_CRED_R.cbor").ptr,
            tv("T2.m2.ID_CRED_R.cbor").len);
}

/* Tampering and wrong credentials, with method |method| and suite 2. */
static void tampering(int method) {
  const edhoc_suite *s = edhoc_suite_by_id(2);
  party pi, pr, other;
  party_new(&pi, s->dh, 0x0a);
  party_new(&pr, s->dh, 0x0b);
  party_new(&other, s->dh, 0x0b); /* same kid, another key */
  for (int what = 0; what < 6; what++) {
    pair p;
    pair_new(&p, method, 2, &pi, &pr, EDHOC_IDCRED_KID);
    if (what == 4) /* the initiator trusts another key under R's kid */
      p.li.creds[0] = (test_cred){ EDHOC_CRED_CCS,
                                   OSCORE_BYTES(other.ccs, other.ccs_len) };
    if (what == 5) /* the initiator knows no credential for R */
      p.li.n = 0;
    to_message_2(&p, 2);
    if (what == 0 || what == 1) {
      /* 0: last byte (in Signature_or_MAC_2); 1: G_Y */
      p.m2[what == 0 ? p.m2_len - 1 : 5] ^= 0x01;
    }
    edhoc_err err = edhoc_i_process_message_2(p.i, OSCORE_BYTES(p.m2, p.m2_len));
    if (what == 0)
      CHECK_EQ_INT(err, EDHOC_ERR_AUTH);
    else if (what == 1)
      CHECK(err != EDHOC_OK);
    else if (what == 4)
      CHECK_EQ_INT(err, EDHOC_ERR_AUTH);
    else if (what == 5)
      CHECK_EQ_INT(err, EDHOC_ERR_UNKNOWN_CRED);
    else
      CHECK_EQ_INT(err, EDHOC_OK);
    if (err != EDHOC_OK) {
      /* A failed session stays failed, and exports nothing. */
      size_t n;
      edhoc_oscore o;
      CHECK_EQ_INT(edhoc_i_message_3(p.i, p.m3, sizeof p.m3, &n), EDHOC_ERR_STATE);
      CHECK_EQ_INT(edhoc_oscore_params(p.i, &o), EDHOC_ERR_STATE);
      pair_free(&p);
      continue;
    }
    CHECK_EQ_INT(edhoc_i_message_3(p.i, p.m3, sizeof p.m3, &p.m3_len), EDHOC_OK);
    if (what == 2)
      p.m3[p.m3_len / 2] ^= 0x80;
    if (what == 3) /* the responder knows no credential for I */
      p.lr.n = 0;
    err = edhoc_r_process_message_3(p.r, OSCORE_BYTES(p.m3, p.m3_len));
    CHECK_EQ_INT(err, what == 2 ? EDHOC_ERR_DECRYPT : EDHOC_ERR_UNKNOWN_CRED);
    edhoc_oscore o;
    CHECK_EQ_INT(edhoc_oscore_params(p.r, &o), EDHOC_ERR_STATE);
    pair_free(&p);
  }
  party_free(&pi);
  party_free(&pr);
  party_free(&other);
}

/* message_4 verifies, and a flipped bit does not. */
static void message_4(void) {
  party pi, pr;
  party_new(&pi, EDHOC_CURVE_X25519, 1);
  party_new(&pr, EDHOC_CURVE_X25519, 2);
  pair p;
  pair_new(&p, 3, 0, &pi, &pr, EDHOC_IDCRED_KID);
  to_message_2(&p, 0);
  CHECK_EQ_INT(edhoc_i_process_message_2(p.i, OSCORE_BYTES(p.m2, p.m2_len)),
               EDHOC_OK);
  CHECK_EQ_INT(edhoc_i_message_3(p.i, p.m3, sizeof p.m3, &p.m3_len), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_process_message_3(p.r, OSCORE_BYTES(p.m3, p.m3_len)),
               EDHOC_OK);
  uint8_t m4[64];
  size_t n;
  CHECK_EQ_INT(edhoc_r_message_4(p.r, m4, sizeof m4, &n), EDHOC_OK);
  m4[n - 1] ^= 1;
  CHECK_EQ_INT(edhoc_i_process_message_4(p.i, OSCORE_BYTES(m4, n)),
               EDHOC_ERR_DECRYPT);
  m4[n - 1] ^= 1;
  CHECK_EQ_INT(edhoc_i_process_message_4(p.i, OSCORE_BYTES(m4, n)), EDHOC_OK);
  pair_free(&p);
  party_free(&pi);
  party_free(&pr);
}

/* Suites: no common one; SUITES_R lists several; a critical EAD item. */
static void negotiation_and_ead(void) {
  party pi, pr;
  party_new(&pi, EDHOC_CURVE_X25519, 1);
  party_new(&pr, EDHOC_CURVE_P256, 2);
  pair p;
  pair_new(&p, 3, 0, &pi, &pr, EDHOC_IDCRED_KID);
  edhoc_session_free(p.r);
  p.cr.suites[0] = 2;
  p.cr.suites[1] = 3;
  p.cr.n_suites = 2;
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &p.cr, &p.r), EDHOC_OK);
  CHECK_EQ_INT(edhoc_i_message_1(p.i, eph(edhoc_suite_by_id(0)), p.m1,
                                 sizeof p.m1, &p.m1_len), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_process_message_1(p.r, OSCORE_BYTES(p.m1, p.m1_len)),
               EDHOC_ERR_UNSUPPORTED_SUITE);
  uint8_t e[32];
  size_t n;
  CHECK_EQ_INT(edhoc_error_suites(&p.cr, e, sizeof e, &n), EDHOC_OK);
  CHECK_MEM(e, n, "\x02\x82\x02\x03", 4);
  CHECK_EQ_INT(edhoc_i_process_message_2(p.i, OSCORE_BYTES(e, n)),
               EDHOC_ERR_PEER_ERROR);
  edhoc_peer_error pe;
  CHECK_EQ_INT(edhoc_error_decode(OSCORE_BYTES(e, n), &pe), EDHOC_OK);
  CHECK_EQ_INT(pe.n_suites_r, 2);
  CHECK_EQ_INT(edhoc_i_process_error(p.i, &pe), EDHOC_ERR_UNSUPPORTED_SUITE);
  pair_free(&p);

  /* EAD_1: a non-critical item (label 5, a value) is ignored; a critical
   * one (label -5) refused. */
  pair_new(&p, 3, 0, &pi, &pi, EDHOC_IDCRED_KID);
  CHECK_EQ_INT(edhoc_i_message_1(p.i, eph(edhoc_suite_by_id(0)), p.m1,
                                 sizeof p.m1, &p.m1_len), EDHOC_OK);
  memcpy(p.m1 + p.m1_len, "\x05\x41\x00", 3);
  CHECK_EQ_INT(edhoc_r_process_message_1(p.r, OSCORE_BYTES(p.m1, p.m1_len + 3)),
               EDHOC_OK);
  edhoc_session_free(p.r);
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &p.cr, &p.r), EDHOC_OK);
  p.m1[p.m1_len] = 0x24; /* -5 */
  CHECK_EQ_INT(edhoc_r_process_message_1(p.r, OSCORE_BYTES(p.m1, p.m1_len + 3)),
               EDHOC_ERR_CRITICAL_EAD);
  pair_free(&p);
  party_free(&pi);
  party_free(&pr);

  /* Error messages: code 1 text (control bytes masked), code 3. */
  CHECK_EQ_INT(edhoc_error_unspecified("bad\nthing", e, sizeof e, &n), EDHOC_OK);
  CHECK_EQ_INT(edhoc_error_decode(OSCORE_BYTES(e, n), &pe), EDHOC_OK);
  CHECK(strcmp(pe.diag, "bad?thing") == 0);
  CHECK_EQ_INT(edhoc_error_unknown_cred(e, sizeof e, &n), EDHOC_OK);
  CHECK_MEM(e, n, "\x03\xf5", 2);
  CHECK_EQ_INT(edhoc_error_decode(OSCORE_BYTES("\x02", 1), &pe),
               EDHOC_ERR_MALFORMED);
}

int main(void) {
  tv_load();
  matrix();
  x5chain();
  invalid_traces();
  tampering(3);
  tampering(0);
  message_4();
  negotiation_and_ead();
  return unit_summary("edhoc_negative");
}
