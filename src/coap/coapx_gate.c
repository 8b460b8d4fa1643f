#include "coapx_gate.h"
#include <string.h>
#include "oscore_secret.h"

coapx_err coapx_gate_init(coapx_gate *g, store_credentials *creds) {
  if (!g) return COAPX_ERR_INVALID_ARG;
  memset(g, 0, sizeof *g);
  g->creds = creds;
  if (oscore_random(g->echo, sizeof g->echo) != OSCORE_OK)
    return COAPX_ERR_OSCORE;
  return COAPX_OK;
}

void coapx_gate_clear(coapx_gate *g) {
  if (g) oscore_wipe(g->echo, sizeof g->echo);
}

static void refuse(coapx_gate_result *res, uint8_t code, const char *diag) {
  res->verdict = COAPX_GATE_REFUSE;
  res->code = code;
  res->diag = diag;
}

/* The OSCORE option of |outer|: 9, or draft-08's 21 (DRAFT08.md), which
 * libcoap only hands over when a draft-08 context uses it. Option 21 is
 * also RFC 9668's EDHOC option: it counts as OSCORE only when its value
 * names a context speaking draft-08 on 21 (check_option_21); anything else
 * on 21 is an unrecognised critical option. NULL: plain. */
static const oscore_opt *find_oscore(const oscore_msg *outer, bool *both) {
  const oscore_opt *o9 = oscore_msg_find_opt(outer, OSCORE_OPT_OSCORE);
  const oscore_opt *o21 = oscore_msg_find_opt(outer, OSCORE_DRAFT08_OPTION);
  *both = o9 && o21;
  return o9 ? o9 : o21;
}

/* The context |sc| found for a request that came on option |number| must
 * speak OSCORE on that option. On 21 nothing else is OSCORE: 4.02 as for
 * any unrecognised critical option (RFC 7252 §5.4.1); on 9 a draft-08
 * context on 21 is not this request's context. */
static bool option_matches(store_context *sc, uint16_t number,
                           coapx_gate_result *res) {
  if (sc && oscore_profile_option(&store_context_oscore(sc)->profile) ==
                number)
    return true;
  if (number == OSCORE_DRAFT08_OPTION)
    refuse(res, OSCORE_CODE(4, 2), NULL);
  else
    refuse(res, OSCORE_CODE(4, 1), "Security context not found");
  return false;
}

void coapx_gate_check(coapx_gate *g, const oscore_msg *outer,
                      oscore_msg *inner, uint8_t *buf, size_t cap,
                      coapx_gate_result *res) {
  memset(res, 0, sizeof *res);
  bool both;
  const oscore_opt *o9 = find_oscore(outer, &both);
  if (!o9) {
    res->verdict = COAPX_GATE_PLAIN;
    return;
  }
  /* A server without credentials does not speak OSCORE: option 9 is then
   * an unrecognised critical option (RFC 7252 §5.4.1, test-spec5 16b), as
   * aiocoap and libcoap answer without an OSCORE setup. */
  if (!g->creds || both) {
    refuse(res, OSCORE_CODE(4, 2), NULL);
    return;
  }
  /* §8.2 and aiocoap: the outer method of an OSCORE request is POST, or
   * FETCH for Observe; anything else is not a well-formed OSCORE request. */
  if (outer->code != OSCORE_CODE(0, OSCORE_CODE_POST) &&
      outer->code != OSCORE_CODE(0, OSCORE_CODE_FETCH)) {
    refuse(res, OSCORE_CODE(4, 5), NULL);
    return;
  }
  oscore_option opt;
  /* §8.2 step 2: a request must carry a partial IV and a kid to name the
   * context; without them it cannot be decoded as an OSCORE request. */
  if (oscore_option_decode(o9->value, &opt) != OSCORE_OK || !opt.has_kid ||
      opt.piv.len == 0) {
    refuse(res, OSCORE_CODE(4, 2), o9->number == OSCORE_OPT_OSCORE
                                       ? "Failed to decode COSE" : NULL);
    return;
  }
  const char *identity = NULL;
  store_context *sc = g->creds
      ? store_credentials_find(g->creds, opt.kid.ptr, opt.kid.len,
                               opt.has_kid_context, opt.kid_context.ptr,
                               opt.kid_context.len, &identity)
      : NULL;
  if (!option_matches(sc, o9->number, res)) return;
  oscore_ctx *ctx = store_context_oscore(sc);
  res->sc = sc;
  res->identity = identity;
  oscore_err e = oscore_unprotect_request(ctx, &opt, outer, inner, buf, cap,
                                          &res->rid);
  res->oscore_error = e;
  switch (e) {
  case OSCORE_OK:
    break;
  case OSCORE_ERR_DECRYPT:
    refuse(res, OSCORE_CODE(4, 0), "Decryption failed");
    return;
  case OSCORE_ERR_REPLAY:
    refuse(res, OSCORE_CODE(4, 1), oscore_profile_replay_text(&ctx->profile));
    res->max_age_zero = true;
    return;
  case OSCORE_ERR_WINDOW_UNINIT: {
    /* B.1.2: only an Echo we handed out in this process proves that the
     * request is younger than our restart. */
    const oscore_opt *echo = oscore_msg_find_opt(inner, OSCORE_OPT_ECHO);
    if (!echo || echo->value.len != sizeof g->echo ||
        !oscore_secret_equal(echo->value.ptr, g->echo, sizeof g->echo)) {
      res->verdict = COAPX_GATE_CHALLENGE;
      return;
    }
    oscore_replay_init_from_fresh(&ctx->replay, res->rid.seq);
    break;
  }
  case OSCORE_ERR_OPTION_MALFORMED:
  case OSCORE_ERR_MSG_MALFORMED:
  case OSCORE_ERR_KID_MISMATCH:
    refuse(res, OSCORE_CODE(4, 2), "Failed to decode COSE");
    return;
  case OSCORE_ERR_BUFFER_TOO_SMALL:
    refuse(res, OSCORE_CODE(4, 13), NULL);
    return;
  default:
    refuse(res, OSCORE_CODE(5, 0), NULL);
    return;
  }
  /* B.1.2: the window moved; the store must have written "unknown" before
   * we act on the request, or a crash could bring back a stale window. */
  if (store_context_window_changed(sc, NULL) != STORE_OK) {
    refuse(res, OSCORE_CODE(5, 0), NULL);
    return;
  }
  res->verdict = COAPX_GATE_PROTECTED;
}

coapx_err coapx_gate_protect(store_context *sc, oscore_request_id *rid,
                             bool own_piv, const oscore_msg *plain,
                             oscore_msg *outer, uint8_t *buf, size_t cap) {
  if (!sc || !rid || !plain || !outer) return COAPX_ERR_INVALID_ARG;
  if (oscore_response_needs_own_piv(store_context_oscore(sc), rid, own_piv,
                                    plain) &&
      store_context_prepare_send(sc, NULL) != STORE_OK)
    return COAPX_ERR_STORE;
  oscore_err e = oscore_protect_response(store_context_oscore(sc), rid,
                                         own_piv, plain, outer, buf, cap);
  return e == OSCORE_OK ? COAPX_OK : COAPX_ERR_OSCORE;
}

coapx_err coapx_gate_challenge(const coapx_gate *g, const coapx_gate_result *res,
                               oscore_msg *outer, uint8_t *buf, size_t cap) {
  if (!g || !res || res->verdict != COAPX_GATE_CHALLENGE)
    return COAPX_ERR_INVALID_ARG;
  oscore_opt opts[1];
  oscore_msg plain;
  oscore_msg_init(&plain, opts, 1);
  plain.code = OSCORE_CODE(4, 1);
  oscore_msg_add_opt(&plain, OSCORE_OPT_ECHO,
                     OSCORE_BYTES(g->echo, sizeof g->echo));
  /* The request may be a replay of something older than our restart: its
   * nonce must not be reused, so the challenge carries our own PIV. */
  oscore_request_id rid = res->rid;
  return coapx_gate_protect(res->sc, &rid, true, &plain, outer, buf, cap);
}
