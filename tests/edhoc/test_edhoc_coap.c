/* EDHOC over CoAP as a server and a client would run it, without a CoAP
 * stack: the Appendix A.2 payloads (true + message_1, C_R + message_3), the
 * responder's table of sessions in progress (C_R choice, bound, oldest
 * dropped), and the RFC 9668 combined request carrying message_3 in front
 * of the first OSCORE request, which the server then verifies with the
 * context it just derived. */
#include "../unit.h"
#include "edhoc_coap.h"
#include "edhoc_table.h"
#include "edhoc_testutil.h"
#include "oscore_option.h"
#include "oscore_protect.h"
#include "store_edhoc.h"

typedef struct {
  edhoc_key *key;
  uint8_t ccs[200];
  size_t ccs_len;
  edhoc_cred cred;
} party;

static void party_new(party *p, uint8_t kid) {
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_P256, &p->key), EDHOC_OK);
  edhoc_w w;
  edhoc_w_init(&w, p->ccs, sizeof p->ccs);
  CHECK_EQ_INT(edhoc_ccs_write(p->key, OSCORE_BYTES(&kid, 1), NULL, &w), EDHOC_OK);
  p->ccs_len = w.len;
  CHECK_EQ_INT(edhoc_cred_from_ccs(OSCORE_BYTES(p->ccs, w.len), &p->cred),
               EDHOC_OK);
}

/* The one-byte IDs 0x00-0x0f are static OSCORE contexts of the server. */
static bool taken(void *arg, oscore_bytes cid) {
  (void)arg;
  return cid.len == 1 && cid.ptr[0] < 0x10;
}

static edhoc_key *eph(void) {
  edhoc_key *k = NULL;
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_P256, &k), EDHOC_OK);
  return k;
}

/* One client run; |combined| picks RFC 9668 or a separate message_3. */
static void run(bool combined, party *client, party *server, edhoc_table *t) {
  test_lookup lc = { .creds = { { EDHOC_CRED_CCS,
                                  OSCORE_BYTES(server->ccs, server->ccs_len) } },
                     .n = 1 };
  test_lookup ls = { .creds = { { EDHOC_CRED_CCS,
                                  OSCORE_BYTES(client->ccs, client->ccs_len) } },
                     .n = 1 };
  edhoc_config ci = { .method = 3, .suites = { 2 }, .n_suites = 1,
                      .own_cred = &client->cred, .own_key = client->key,
                      .own_id = EDHOC_IDCRED_KID, .lookup = test_lookup_fn,
                      .lookup_arg = &lc, .cid = { 0x2a }, .cid_len = 1 };
  edhoc_session *i;
  CHECK_EQ_INT(edhoc_session_new(EDHOC_INITIATOR, &ci, &i), EDHOC_OK);
  uint8_t m[EDHOC_MAX_MESSAGE], pl[EDHOC_MAX_MESSAGE + 16];
  size_t n;
  edhoc_w w;

  /* Client: POST /.well-known/edhoc "true, message_1". */
  CHECK_EQ_INT(edhoc_i_message_1(i, eph(), m, sizeof m, &n), EDHOC_OK);
  edhoc_w_init(&w, pl, sizeof pl);
  CHECK_EQ_INT(edhoc_coap_write_request_1(OSCORE_BYTES(m, n), &w), EDHOC_OK);
  CHECK_EQ_INT(pl[0], 0xf5);

  /* Server: a new responder session under a fresh C_R. */
  edhoc_coap_request rq;
  CHECK_EQ_INT(edhoc_coap_read_request(OSCORE_BYTES(pl, w.len), &rq), EDHOC_OK);
  CHECK(rq.is_message_1);
  edhoc_config cr = { .methods = 0xf, .suites = { 2 }, .n_suites = 1,
                      .own_cred = &server->cred, .own_key = server->key,
                      .own_id = EDHOC_IDCRED_KID, .lookup = test_lookup_fn,
                      .lookup_arg = &ls };
  CHECK_EQ_INT(edhoc_table_pick_cid(t, OSCORE_BYTES("\x2a", 1), taken, NULL,
                                    cr.cid, &cr.cid_len), EDHOC_OK);
  CHECK(!taken(NULL, OSCORE_BYTES(cr.cid, cr.cid_len)));
  edhoc_session *r;
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cr, &r), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_process_message_1(r, rq.message), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_message_2(r, eph(), m, sizeof m, &n), EDHOC_OK);
  CHECK_EQ_INT(edhoc_table_put(t, OSCORE_BYTES(cr.cid, cr.cid_len), r), EDHOC_OK);

  /* Client: message_2 (the 2.04's payload), then message_3. */
  CHECK_EQ_INT(edhoc_i_process_message_2(i, OSCORE_BYTES(m, n)), EDHOC_OK);
  CHECK_EQ_INT(edhoc_i_message_3(i, m, sizeof m, &n), EDHOC_OK);
  edhoc_oscore oi;
  CHECK_EQ_INT(edhoc_oscore_params(i, &oi), EDHOC_OK);
  store_diag diag = { .msg = "" };
  store_context *cctx = NULL;
  CHECK_EQ_INT(store_context_from_edhoc(&oi, "client", &diag, &cctx), STORE_OK);

  /* The first OSCORE request: GET /x. */
  oscore_opt popts[4], oopts[8];
  oscore_msg plain, outer;
  oscore_msg_init(&plain, popts, 4);
  plain.code = OSCORE_CODE_GET;
  oscore_msg_add_opt(&plain, 11, OSCORE_BYTES("x", 1));
  oscore_msg_init(&outer, oopts, 8);
  uint8_t obuf[256];
  oscore_request_id rid;
  CHECK_EQ_INT(oscore_protect_request(store_context_oscore(cctx), &plain, &outer,
                                      obuf, sizeof obuf, &rid), OSCORE_OK);
  oscore_bytes c_r;
  oscore_bytes msg3;
  if (combined) {
    edhoc_w_init(&w, pl, sizeof pl);
    CHECK_EQ_INT(edhoc_coap_write_combined(OSCORE_BYTES(m, n), outer.payload, &w),
                 EDHOC_OK);
    /* Server: the kid names the session, message_3 comes off the front. */
    oscore_option opt;
    oscore_bytes rest;
    CHECK_EQ_INT(oscore_option_decode(oscore_msg_find_opt(&outer, 9)->value,
                                      &opt), OSCORE_OK);
    CHECK_EQ_INT(edhoc_coap_read_combined(OSCORE_BYTES(pl, w.len), &msg3, &rest),
                 EDHOC_OK);
    CHECK_MEM(rest.ptr, rest.len, outer.payload.ptr, outer.payload.len);
    c_r = opt.kid;
  } else {
    edhoc_w_init(&w, pl, sizeof pl);
    CHECK_EQ_INT(edhoc_coap_write_request_3(edhoc_session_peer_cid(i),
                                            OSCORE_BYTES(m, n), &w), EDHOC_OK);
    CHECK_EQ_INT(edhoc_coap_read_request(OSCORE_BYTES(pl, w.len), &rq), EDHOC_OK);
    CHECK(!rq.is_message_1);
    c_r = rq.c_r;
    msg3 = rq.message;
  }
  CHECK_MEM(c_r.ptr, c_r.len, cr.cid, cr.cid_len);
  r = edhoc_table_take(t, c_r);
  CHECK(r != NULL);
  CHECK_EQ_INT(edhoc_r_process_message_3(r, msg3), EDHOC_OK);
  edhoc_oscore or_;
  CHECK_EQ_INT(edhoc_oscore_params(r, &or_), EDHOC_OK);
  store_context *sctx = NULL;
  CHECK_EQ_INT(store_context_from_edhoc(&or_, "server", &diag, &sctx), STORE_OK);
  oscore_option opt;
  CHECK_EQ_INT(oscore_option_decode(oscore_msg_find_opt(&outer, 9)->value, &opt),
               OSCORE_OK);
  oscore_opt sopts[8];
  oscore_msg seen;
  oscore_msg_init(&seen, sopts, 8);
  uint8_t sbuf[256];
  oscore_request_id srid;
  CHECK_EQ_INT(oscore_unprotect_request(store_context_oscore(sctx), &opt, &outer,
                                        &seen, sbuf, sizeof sbuf, &srid),
               OSCORE_OK);
  CHECK_EQ_INT(seen.code, OSCORE_CODE_GET);
  /* message_3 again (a replayed combined request) finds no session. */
  CHECK(edhoc_table_take(t, c_r) == NULL);
  store_context_close(cctx, NULL);
  store_context_close(sctx, NULL);
  edhoc_session_free(i);
  edhoc_session_free(r);
}

static void bounds(party *server) {
  edhoc_table *t = edhoc_table_new(2);
  edhoc_config cr = { .methods = 0xf, .suites = { 2 }, .n_suites = 1,
                      .own_cred = &server->cred, .own_key = server->key,
                      .own_id = EDHOC_IDCRED_KID, .cid_len = 1 };
  for (uint8_t c = 0x20; c < 0x23; c++) {
    edhoc_session *s;
    cr.cid[0] = c;
    CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cr, &s), EDHOC_OK);
    CHECK_EQ_INT(edhoc_table_put(t, OSCORE_BYTES(&c, 1), s), EDHOC_OK);
  }
  CHECK_EQ_INT(edhoc_table_count(t), 2);
  CHECK(edhoc_table_take(t, OSCORE_BYTES("\x20", 1)) == NULL); /* dropped */
  edhoc_session *s = edhoc_table_take(t, OSCORE_BYTES("\x21", 1));
  CHECK(s != NULL);
  edhoc_session_free(s);
  CHECK_EQ_INT(edhoc_table_count(t), 1);
  edhoc_table_free(t); /* frees 0x22 */

  /* Per peer: peer 7 keeps at most 2 of the 4 places, its own oldest
   * going first; peer 8's session stays. */
  t = edhoc_table_new(4);
  for (uint8_t c = 0x30; c < 0x34; c++) {
    edhoc_session *ps;
    cr.cid[0] = c;
    CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cr, &ps), EDHOC_OK);
    CHECK_EQ_INT(edhoc_table_put_owned(t, OSCORE_BYTES(&c, 1), ps,
                                       c == 0x31 ? 8 : 7, 2), EDHOC_OK);
  }
  CHECK_EQ_INT(edhoc_table_count(t), 3);
  CHECK(edhoc_table_take(t, OSCORE_BYTES("\x30", 1)) == NULL); /* 7's oldest */
  edhoc_session *kept = edhoc_table_take(t, OSCORE_BYTES("\x31", 1));
  CHECK(kept != NULL);                                         /* peer 8's */
  edhoc_session_free(kept);
  edhoc_table_free(t);

  /* Payloads a server must refuse. */
  edhoc_coap_request rq;
  static const struct { const char *b; size_t n; } bad[] = {
    { "", 0 }, { "\xf5", 1 }, { "\x41\x05\x58", 3 }, { "\xf4\x00", 2 },
    { "\x5f\x41\x01\xff\x00", 5 },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_EQ_INT(edhoc_coap_read_request(OSCORE_BYTES(bad[i].b, bad[i].n), &rq),
                 EDHOC_ERR_MALFORMED);
  oscore_bytes a, b;
  CHECK_EQ_INT(edhoc_coap_read_combined(OSCORE_BYTES("\x42\x01\x02", 3), &a, &b),
               EDHOC_ERR_MALFORMED); /* nothing after message_3 */
  CHECK_EQ_INT(edhoc_coap_read_combined(OSCORE_BYTES("\x01\x02", 2), &a, &b),
               EDHOC_ERR_MALFORMED);
}

int main(void) {
  tv_load();
  party client, server;
  party_new(&client, 0x01);
  party_new(&server, 0x0a);
  edhoc_table *t = edhoc_table_new(4);
  run(false, &client, &server, t);
  run(true, &client, &server, t);
  CHECK_EQ_INT(edhoc_table_count(t), 0);
  edhoc_table_free(t);
  bounds(&server);
  edhoc_key_free(client.key);
  edhoc_key_free(server.key);
  edhoc_cred_clear(&client.cred);
  edhoc_cred_clear(&server.cred);
  return unit_summary("edhoc_coap");
}
