/* Unprotecting requests (oscore_unprotect_request, RFC 8613 §8.2) with the
 * server contexts of RFC 8613 Appendix C.1-C.3, chosen by kid and kid
 * context as a server would. The input is a whole CoAP datagram (the RFC's
 * protected requests C.4-C.6 are seeds). Its message ID, which no OSCORE
 * check covers, selects how the context starts:
 *   bits 0-1  replay window: 0 index 16 with every odd number above it
 *             seen (C.4's partial IV 20 is fresh, 21 a replay, 15 too old),
 *             1 empty, 2 unknown (B.1.2), 3 at the top of the number space;
 *   bit 2     the payload is taken as the plaintext (code, options,
 *             payload) and encrypted here for the option's kid and partial
 *             IV, as a peer holding the key would: the inner decoder and
 *             the outer/inner merge get fuzzed bytes past the AEAD;
 *   bit 3     the answer built in the round trip below uses its own
 *             partial IV.
 * Invariants: a number the window refuses is never accepted; a verified
 * request is marked seen; what comes out points into the caller's buffers;
 * a response protected for the verified request verifies at the client and
 * gives back its code and payload. */
#include <string.h>
#include "fuzz.h"
#include "fuzz_common.h"
#include "oscore_protect.h"

#define MAX_OPTS 64
#define BUF 4096

static oscore_ctx server[4], client[4];
static bool ready;

static void set_window(oscore_replay *w, unsigned mode) {
  oscore_err e = OSCORE_OK;
  switch (mode) {
  case 0: e = oscore_replay_init_persisted(w, 32, 16, 0xAAAAAAAAu); break;
  case 1: e = oscore_replay_init_empty(w, 32); break;
  case 2: e = oscore_replay_init_unknown(w, 32); break;
  default: e = oscore_replay_init_persisted(w, 32, OSCORE_MAX_SEQ - 31, 0);
  }
  FUZZ_CHECK(e == OSCORE_OK);
}

static void response_round_trip(fuzz_vec v, oscore_ctx *srv,
                                oscore_request_id *rid,
                                oscore_msg *plain, bool own_piv) {
  static uint8_t rbuf[BUF], cbuf[BUF];
  oscore_opt ropts[MAX_OPTS], copts[MAX_OPTS];
  oscore_msg outer, back;
  oscore_msg_init(&outer, ropts, MAX_OPTS);
  oscore_msg_init(&back, copts, MAX_OPTS);
  plain->code = OSCORE_CODE(2, 5);
  if (oscore_protect_response(srv, rid, own_piv, plain, &outer, rbuf,
                              sizeof rbuf) != OSCORE_OK)
    return;
  oscore_ctx cl = client[v];
  oscore_response_info info;
  oscore_err e = oscore_unprotect_response(&cl, rid, &outer, &back, cbuf,
                                           sizeof cbuf, &info);
  FUZZ_CHECK(e == OSCORE_OK);
  FUZZ_CHECK(back.code == OSCORE_CODE(2, 5));
  FUZZ_CHECK(back.payload.len == plain->payload.len &&
             (!back.payload.len ||
              !memcmp(back.payload.ptr, plain->payload.ptr, back.payload.len)));
  FUZZ_CHECK(info.has_piv == (own_piv || !rid->piv_reusable));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) {
    for (fuzz_vec v = FUZZ_VEC_C1; v <= FUZZ_VEC_C3; v++) {
      fuzz_ctx(&server[v], v, true);
      fuzz_ctx(&client[v], v, false);
    }
    ready = true;
  }
  oscore_opt opts[MAX_OPTS];
  oscore_datagram d;
  oscore_msg_init(&d.msg, opts, MAX_OPTS);
  if (oscore_datagram_decode(OSCORE_BYTES(data, size), &d) != OSCORE_OK)
    return 0;
  const oscore_opt *oo = oscore_msg_find_opt(&d.msg, OSCORE_OPT_OSCORE);
  oscore_option opt;
  if (!oo || oscore_option_decode(oo->value, &opt) != OSCORE_OK) return 0;

  fuzz_vec v = fuzz_vec_for(&opt);
  oscore_ctx ctx = server[v];
  set_window(&ctx.replay, d.mid & 3);
  const oscore_replay before = ctx.replay;

  static uint8_t sealed[BUF];
  oscore_msg outer = d.msg;
  size_t slen;
  if ((d.mid & 4) && opt.has_kid && opt.kid.len <= OSCORE_MAX_ID_LEN &&
      opt.piv.len >= 1 && opt.piv.len <= 5 &&
      fuzz_seal_as_peer(&ctx, opt.kid, opt.piv, opt.kid, opt.piv,
                        d.msg.payload, sealed, sizeof sealed, &slen))
    outer.payload = OSCORE_BYTES(sealed, slen);

  static uint8_t buf[BUF];
  oscore_opt popts[MAX_OPTS];
  oscore_msg plain;
  oscore_msg_init(&plain, popts, MAX_OPTS);
  oscore_request_id rid;
  oscore_err e = oscore_unprotect_request(&ctx, &opt, &outer, &plain, buf,
                                          sizeof buf, &rid);
  uint64_t seq = 0;
  bool have_seq = opt.piv.len && oscore_piv_decode(opt.piv, &seq) == OSCORE_OK;
  if (have_seq && oscore_replay_check(&before, seq) == OSCORE_ERR_REPLAY)
    FUZZ_CHECK(e != OSCORE_OK && e != OSCORE_ERR_WINDOW_UNINIT);
  if (e != OSCORE_OK && e != OSCORE_ERR_WINDOW_UNINIT) return 0;

  FUZZ_CHECK(fuzz_msg_within(&plain, buf, sizeof buf, data, size));
  for (size_t i = 1; i < plain.n_opts; i++)
    FUZZ_CHECK(plain.opts[i - 1].number <= plain.opts[i].number);
  FUZZ_CHECK(!oscore_msg_find_opt(&plain, OSCORE_OPT_OSCORE));
  FUZZ_CHECK(have_seq && rid.seq == seq && rid.kid_len == opt.kid.len);
  if (e == OSCORE_OK) {
    FUZZ_CHECK(rid.piv_reusable);
    FUZZ_CHECK(oscore_replay_check(&ctx.replay, seq) == OSCORE_ERR_REPLAY);
  } else {
    FUZZ_CHECK(!rid.piv_reusable && !ctx.replay.initialised);
  }
  response_round_trip(v, &ctx, &rid, &plain, (d.mid & 8) != 0);
  return 0;
}
