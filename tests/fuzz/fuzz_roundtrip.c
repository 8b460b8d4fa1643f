/* Protect, then verify (RFC 8613 §8.1-8.4), over the wire codec: the input
 * is a CoAP datagram taken as the plain request; the client of an Appendix C
 * context protects it, the protected message is encoded to a datagram,
 * decoded again and verified by the server, which protects an answer that
 * goes back the same way to the client. The message ID selects the context
 * (bits 0-1: C.1, C.2, C.3, C.1), whether the answer carries its own
 * partial IV (bit 2) and the protocol (bit 3: draft-08 on option 21 with
 * the null-id Common IV, DRAFT08.md); the token, read as a number, is the
 * sender sequence number (so every partial IV length occurs).
 * Invariants: whatever protect accepts, the other side verifies, and gets
 * back the code, the payload and (without Proxy-Uri, which is split on
 * purpose, §4.1.3.3; Observe aside for answers) the same options in the
 * same order. */
#include <string.h>
#include "fuzz.h"
#include "fuzz_common.h"
#include "oscore_protect.h"

#define MAX_OPTS 64
#define BUF 8192

static oscore_ctx server[2][4], client[2][4];
static bool ready;

static bool same_payload(const oscore_msg *a, const oscore_msg *b) {
  return a->payload.len == b->payload.len &&
         (!a->payload.len ||
          !memcmp(a->payload.ptr, b->payload.ptr, a->payload.len));
}

/* Same options in the same order, leaving out number |skip| (0: none). */
static bool same_opts(const oscore_msg *a, const oscore_msg *b, uint16_t skip) {
  size_t i = 0, j = 0;
  for (;;) {
    while (i < a->n_opts && skip && a->opts[i].number == skip) i++;
    while (j < b->n_opts && skip && b->opts[j].number == skip) j++;
    if (i == a->n_opts || j == b->n_opts) return i == a->n_opts && j == b->n_opts;
    const oscore_opt *x = &a->opts[i++], *y = &b->opts[j++];
    if (x->number != y->number || x->value.len != y->value.len ||
        (x->value.len && memcmp(x->value.ptr, y->value.ptr, x->value.len)))
      return false;
  }
}

/* Put |m| on the wire and read it back into |out| (values in |wire|). */
static void wire_trip(const oscore_msg *m, uint8_t *wire, size_t cap,
                      oscore_opt *opts, oscore_datagram *out) {
  oscore_datagram d = { .type = 0, .mid = 0x1234, .token_len = 2,
                        .token = { 0xab, 0xcd }, .msg = *m };
  size_t len;
  FUZZ_CHECK(oscore_datagram_encode(&d, wire, cap, &len) == OSCORE_OK);
  oscore_msg_init(&out->msg, opts, MAX_OPTS);
  FUZZ_CHECK(oscore_datagram_decode(OSCORE_BYTES(wire, len), out) ==
             OSCORE_OK);
  FUZZ_CHECK(out->msg.code == m->code && out->msg.n_opts == m->n_opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) {
    oscore_profile d08;
    FUZZ_CHECK(oscore_profile_draft08(OSCORE_DRAFT08_OPTION, true, &d08) ==
               OSCORE_OK);
    for (fuzz_vec v = FUZZ_VEC_C1; v <= FUZZ_VEC_C3; v++) {
      fuzz_ctx(&server[0][v], v, true);
      fuzz_ctx(&client[0][v], v, false);
      fuzz_ctx_profile(&server[1][v], v, true, &d08);
      fuzz_ctx_profile(&client[1][v], v, false, &d08);
    }
    ready = true;
  }
  oscore_opt opts[MAX_OPTS];
  oscore_datagram d;
  oscore_msg_init(&d.msg, opts, MAX_OPTS);
  if (oscore_datagram_decode(OSCORE_BYTES(data, size), &d) != OSCORE_OK)
    return 0;
  static const fuzz_vec by_bits[4] = { FUZZ_VEC_C1, FUZZ_VEC_C2, FUZZ_VEC_C3,
                                       FUZZ_VEC_C1 };
  fuzz_vec v = by_bits[d.mid & 3];
  bool draft08 = (d.mid & 8) != 0;
  oscore_ctx cl = client[draft08][v], sv = server[draft08][v];
  uint64_t seq = 0;
  for (size_t i = 0; i < d.token_len; i++) seq = seq << 8 | d.token[i];
  cl.sender_seq = seq & OSCORE_MAX_SEQ;

  /* Client -> server. */
  static uint8_t pbuf[BUF], wire[BUF], sbuf[BUF];
  oscore_opt oopts[MAX_OPTS], wopts[MAX_OPTS], sopts[MAX_OPTS];
  oscore_msg outer, inner;
  oscore_msg_init(&outer, oopts, MAX_OPTS);
  oscore_request_id crid, srid;
  if (oscore_protect_request(&cl, &d.msg, &outer, pbuf, sizeof pbuf, &crid) !=
      OSCORE_OK)
    return 0;
  FUZZ_CHECK(cl.sender_seq == crid.seq + 1);
  oscore_datagram w;
  wire_trip(&outer, wire, sizeof wire, wopts, &w);
  const oscore_opt *oo =
      oscore_msg_find_opt(&w.msg, oscore_profile_option(&cl.profile));
  oscore_option opt;
  FUZZ_CHECK(oo && oscore_option_decode(oo->value, &opt) == OSCORE_OK);
  FUZZ_CHECK(fuzz_vec_for(&opt) == v);
  oscore_msg_init(&inner, sopts, MAX_OPTS);
  oscore_err e = oscore_unprotect_request(&sv, &opt, &w.msg, &inner, sbuf,
                                          sizeof sbuf, &srid);
  /* Proxy-Uri can split into more options than the receiver keeps. */
  if (e == OSCORE_ERR_BUFFER_TOO_SMALL &&
      oscore_msg_find_opt(&d.msg, OSCORE_OPT_PROXY_URI))
    return 0;
  FUZZ_CHECK(e == OSCORE_OK);
  FUZZ_CHECK(inner.code == d.msg.code && same_payload(&inner, &d.msg));
  if (!oscore_msg_find_opt(&d.msg, OSCORE_OPT_PROXY_URI))
    FUZZ_CHECK(same_opts(&inner, &d.msg, 0));
  FUZZ_CHECK(srid.seq == crid.seq && srid.kid_len == crid.kid_len &&
             srid.piv_len == crid.piv_len &&
             !memcmp(srid.piv, crid.piv, crid.piv_len) &&
             srid.observe == crid.observe);
  /* The same datagram again is a replay. */
  oscore_msg_init(&inner, sopts, MAX_OPTS);
  FUZZ_CHECK(oscore_unprotect_request(&sv, &opt, &w.msg, &inner, sbuf,
                                      sizeof sbuf, &srid) ==
             OSCORE_ERR_REPLAY);

  /* Server -> client: the request's own message as the answer. */
  static uint8_t rbuf[BUF], wire2[BUF], cbuf[BUF];
  oscore_opt ropts[MAX_OPTS], w2opts[MAX_OPTS], bopts[MAX_OPTS];
  oscore_msg answer = d.msg, router, back;
  answer.code = OSCORE_CODE(2, 5);
  oscore_msg_init(&router, ropts, MAX_OPTS);
  if (oscore_protect_response(&sv, &crid, (d.mid & 4) != 0, &answer, &router,
                              rbuf, sizeof rbuf) != OSCORE_OK)
    return 0;
  FUZZ_CHECK(router.code == (crid.observe && !draft08 ? OSCORE_CODE(2, 5)
                                                      : OSCORE_CODE(2, 4)));
  oscore_datagram w2;
  wire_trip(&router, wire2, sizeof wire2, w2opts, &w2);
  oscore_msg_init(&back, bopts, MAX_OPTS);
  oscore_response_info info;
  e = oscore_unprotect_response(&cl, &crid, &w2.msg, &back, cbuf, sizeof cbuf,
                                &info);
  FUZZ_CHECK(e == OSCORE_OK);
  FUZZ_CHECK(back.code == answer.code && same_payload(&back, &answer));
  FUZZ_CHECK(same_opts(&back, &answer, OSCORE_OPT_OBSERVE));
  /* draft-08: every Observe response carries its own partial IV. */
  bool notification = oscore_msg_find_opt(&answer, OSCORE_OPT_OBSERVE) != NULL;
  FUZZ_CHECK(info.has_piv == ((d.mid & 4) != 0 || (draft08 && notification)));
  return 0;
}
