/* Unprotecting responses (oscore_unprotect_response, RFC 8613 §8.4) at the
 * client of RFC 8613 Appendix C, for a request with partial IV 20 (0x14)
 * as in C.4-C.6. The input is a whole CoAP datagram (the RFC's protected
 * responses C.7 and C.8 are seeds). Its message ID selects:
 *   bits 0-1  the context and the request's kid: 0 and 3 C.1 (kid ""),
 *             1 C.2 (kid 00), 2 C.3 (kid "" with ID context);
 *   bit 2     the payload is taken as the plaintext and encrypted here as
 *             the server would (its own nonce when the option carries a
 *             partial IV, else the request's), so that fuzzed plaintexts
 *             reach the inner decoder and the Observe handling.
 * Invariants: what comes out points into the caller's buffers, carries no
 * OSCORE option, and has an Observe option exactly when the outer message
 * has one, holding the response's partial IV (0 without). */
#include <string.h>
#include "fuzz.h"
#include "fuzz_common.h"
#include "oscore_protect.h"

#define MAX_OPTS 64
#define BUF 4096

static oscore_ctx client[4];
static bool ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) {
    for (fuzz_vec v = FUZZ_VEC_C1; v <= FUZZ_VEC_C3; v++)
      fuzz_ctx(&client[v], v, false);
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
  oscore_ctx ctx = client[v];
  oscore_request_id rid;
  memset(&rid, 0, sizeof rid);
  memcpy(rid.kid, ctx.sender_id, ctx.sender_id_len);
  rid.kid_len = ctx.sender_id_len;
  rid.piv[0] = 0x14;
  rid.piv_len = 1;
  rid.seq = 20;
  rid.piv_reusable = true;
  oscore_bytes req_kid = OSCORE_BYTES(rid.kid, rid.kid_len);
  oscore_bytes req_piv = OSCORE_BYTES(rid.piv, rid.piv_len);

  const oscore_opt *oo = oscore_msg_find_opt(&d.msg, OSCORE_OPT_OSCORE);
  oscore_option opt;
  bool opt_ok = oo && oscore_option_decode(oo->value, &opt) == OSCORE_OK;

  static uint8_t sealed[BUF];
  oscore_msg outer = d.msg;
  size_t slen;
  if ((d.mid & 4) && opt_ok) {
    oscore_bytes nid = opt.piv.len
        ? OSCORE_BYTES(ctx.recipient_id, ctx.recipient_id_len) : req_kid;
    oscore_bytes npiv = opt.piv.len ? opt.piv : req_piv;
    if (fuzz_seal_as_peer(&ctx, nid, npiv, req_kid, req_piv, d.msg.payload,
                          sealed, sizeof sealed, &slen))
      outer.payload = OSCORE_BYTES(sealed, slen);
  }

  static uint8_t buf[BUF];
  oscore_opt popts[MAX_OPTS];
  oscore_msg plain;
  oscore_msg_init(&plain, popts, MAX_OPTS);
  oscore_response_info info;
  oscore_err e = oscore_unprotect_response(&ctx, &rid, &outer, &plain, buf,
                                           sizeof buf, &info);
  if (!oo) FUZZ_CHECK(e == OSCORE_ERR_NO_OSCORE_OPTION);
  if (e != OSCORE_OK) return 0;

  FUZZ_CHECK(opt_ok);
  FUZZ_CHECK(fuzz_msg_within(&plain, buf, sizeof buf, data, size));
  FUZZ_CHECK(!oscore_msg_find_opt(&plain, OSCORE_OPT_OSCORE));
  FUZZ_CHECK(info.has_piv == (opt.piv.len > 0));
  const oscore_opt *obs = oscore_msg_find_opt(&plain, OSCORE_OPT_OBSERVE);
  bool outer_obs = oscore_msg_find_opt(&outer, OSCORE_OPT_OBSERVE) != NULL;
  FUZZ_CHECK((obs != NULL) == outer_obs);
  if (obs) {
    uint32_t ov;
    FUZZ_CHECK(oscore_opt_uint(obs->value, &ov) == OSCORE_OK);
    FUZZ_CHECK(ov == (info.has_piv ? (uint32_t)(info.seq & 0xFFFFFFu) : 0));
    size_t n = 0;
    for (size_t i = 0; i < plain.n_opts; i++)
      n += plain.opts[i].number == OSCORE_OPT_OBSERVE;
    FUZZ_CHECK(n == 1);
  }
  return 0;
}
