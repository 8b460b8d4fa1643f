/* From EDHOC to working OSCORE: after RFC 9529 trace 2 both sides turn the
 * exported parameters into in-memory store contexts (Appendix A.1); a
 * request protected by the initiator (the client, sending as C_R) is
 * verified by the responder, its answer by the initiator; a replay is
 * refused; nothing touches the disk. */
#include "../unit.h"
#include "edhoc_testutil.h"
#include "oscore_option.h"
#include "oscore_protect.h"
#include "store_edhoc.h"

static edhoc_key *priv(const char *key) {
  edhoc_key *k = NULL;
  CHECK_EQ_INT(edhoc_key_from_private(EDHOC_CURVE_P256, tv(key), &k), EDHOC_OK);
  return k;
}

int main(void) {
  tv_load();
  edhoc_key *sk_i = priv("T2.m3.SK_I.raw"), *sk_r = priv("T2.m2.SK_R.raw");
  edhoc_cred ci, cr;
  CHECK_EQ_INT(edhoc_cred_from_ccs(tv("T2.m3.CRED_I.cbor"), &ci), EDHOC_OK);
  CHECK_EQ_INT(edhoc_cred_from_ccs(tv("T2.m2.CRED_R.cbor"), &cr), EDHOC_OK);
  test_lookup li = { .creds = { { EDHOC_CRED_CCS, tv("T2.m2.CRED_R.cbor") } },
                     .n = 1 };
  test_lookup lr = { .creds = { { EDHOC_CRED_CCS, tv("T2.m3.CRED_I.cbor") } },
                     .n = 1 };
  edhoc_config cfg_i = { .method = 3, .suites = { 2 }, .n_suites = 1,
                         .own_cred = &ci, .own_key = sk_i,
                         .own_id = EDHOC_IDCRED_KID, .lookup = test_lookup_fn,
                         .lookup_arg = &li, .cid = { 0x37 }, .cid_len = 1 };
  edhoc_config cfg_r = { .methods = 1u << 3, .suites = { 2 }, .n_suites = 1,
                         .own_cred = &cr, .own_key = sk_r,
                         .own_id = EDHOC_IDCRED_KID, .lookup = test_lookup_fn,
                         .lookup_arg = &lr, .cid = { 0x27 }, .cid_len = 1 };
  edhoc_session *i, *r;
  CHECK_EQ_INT(edhoc_session_new(EDHOC_INITIATOR, &cfg_i, &i), EDHOC_OK);
  CHECK_EQ_INT(edhoc_session_new(EDHOC_RESPONDER, &cfg_r, &r), EDHOC_OK);
  uint8_t m[EDHOC_MAX_MESSAGE];
  size_t n;
  CHECK_EQ_INT(edhoc_i_message_1(i, priv("T2.m1retry.X.raw"), m, sizeof m, &n),
               EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_process_message_1(r, OSCORE_BYTES(m, n)), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_message_2(r, priv("T2.m2.Y.raw"), m, sizeof m, &n),
               EDHOC_OK);
  CHECK_EQ_INT(edhoc_i_process_message_2(i, OSCORE_BYTES(m, n)), EDHOC_OK);
  CHECK_EQ_INT(edhoc_i_message_3(i, m, sizeof m, &n), EDHOC_OK);
  CHECK_EQ_INT(edhoc_r_process_message_3(r, OSCORE_BYTES(m, n)), EDHOC_OK);

  edhoc_oscore oi, or_;
  CHECK_EQ_INT(edhoc_oscore_params(i, &oi), EDHOC_OK);
  CHECK_EQ_INT(edhoc_oscore_params(r, &or_), EDHOC_OK);
  store_diag diag = { .msg = "" };
  store_context *client = NULL, *server = NULL;
  CHECK_EQ_INT(store_context_from_edhoc(&oi, "EDHOC to server", &diag, &client),
               STORE_OK);
  CHECK_EQ_INT(store_context_from_edhoc(&or_, "EDHOC with :client", &diag,
                                        &server), STORE_OK);
  CHECK(store_context_is_in_memory(client) && store_context_is_in_memory(server));
  CHECK_EQ_INT(store_context_prepare_send(client, &diag), STORE_OK);

  /* GET /x from the client, with kid = C_R = 0x27. */
  oscore_opt popts[8], oopts[8], sopts[8];
  oscore_msg plain, outer, seen;
  oscore_msg_init(&plain, popts, 8);
  plain.code = OSCORE_CODE_GET;
  CHECK_EQ_INT(oscore_msg_add_opt(&plain, 11, OSCORE_BYTES("x", 1)), OSCORE_OK);
  uint8_t obuf[256], sbuf[256];
  oscore_msg_init(&outer, oopts, 8);
  oscore_request_id rid_c, rid_s;
  CHECK_EQ_INT(oscore_protect_request(store_context_oscore(client), &plain,
                                      &outer, obuf, sizeof obuf, &rid_c),
               OSCORE_OK);
  const oscore_opt *o9 = oscore_msg_find_opt(&outer, 9);
  oscore_option opt;
  CHECK(o9 && oscore_option_decode(o9->value, &opt) == OSCORE_OK);
  CHECK_MEM(opt.kid.ptr, opt.kid.len, "\x27", 1);
  oscore_msg_init(&seen, sopts, 8);
  CHECK_EQ_INT(oscore_unprotect_request(store_context_oscore(server), &opt,
                                        &outer, &seen, sbuf, sizeof sbuf,
                                        &rid_s), OSCORE_OK);
  CHECK_EQ_INT(seen.code, OSCORE_CODE_GET);
  CHECK_EQ_INT(store_context_window_changed(server, &diag), STORE_OK);
  /* The same datagram again is a replay. */
  oscore_msg_init(&seen, sopts, 8);
  CHECK_EQ_INT(oscore_unprotect_request(store_context_oscore(server), &opt,
                                        &outer, &seen, sbuf, sizeof sbuf,
                                        &rid_s), OSCORE_ERR_REPLAY);

  /* 2.05 "hi" back, verified by the client. */
  oscore_opt ropts[8], r2opts[8], copts[8];
  oscore_msg resp, router, rseen;
  oscore_msg_init(&resp, ropts, 8);
  resp.code = 0x45;
  resp.payload = OSCORE_BYTES("hi", 2);
  uint8_t rbuf[256], cbuf[256];
  oscore_msg_init(&router, r2opts, 8);
  CHECK_EQ_INT(oscore_protect_response(store_context_oscore(server), &rid_s,
                                       false, &resp, &router, rbuf, sizeof rbuf),
               OSCORE_OK);
  oscore_msg_init(&rseen, copts, 8);
  oscore_response_info info;
  CHECK_EQ_INT(oscore_unprotect_response(store_context_oscore(client), &rid_c,
                                         &router, &rseen, cbuf, sizeof cbuf,
                                         &info), OSCORE_OK);
  CHECK_MEM(rseen.payload.ptr, rseen.payload.len, "hi", 2);
  CHECK_EQ_INT(store_context_write_count(client), 0);
  CHECK_EQ_INT(store_context_write_count(server), 0);
  CHECK_EQ_INT(store_context_close(client, &diag), STORE_OK);
  CHECK_EQ_INT(store_context_close(server, &diag), STORE_OK);

  edhoc_session_free(i);
  edhoc_session_free(r);
  edhoc_cred_clear(&ci);
  edhoc_cred_clear(&cr);
  edhoc_key_free(sk_i);
  edhoc_key_free(sk_r);
  return unit_summary("edhoc_oscore");
}
