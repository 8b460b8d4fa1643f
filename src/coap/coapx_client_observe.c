/* Client side of an established observation (RFC 7641): wait, verify,
 * drop what is stale, deliver, until a final notification or the caller's
 * stop flag. Like aiocoap, stopping just stops: the server learns it from
 * the RST its next notification gets. */
#include "coapx_client_priv.h"

#include <string.h>

/* RFC 7641 §3.4: is Observe value |v2| (arrived at |t2|) newer than |v1|
 * (arrived at |t1|)? Values are 24-bit and wrap. */
static bool observe_fresher(uint32_t v1, uint64_t t1, uint32_t v2,
                            uint64_t t2) {
  const uint32_t half = UINT32_C(1) << 23;
  return (v1 < v2 && v2 - v1 < half) || (v1 > v2 && v1 - v2 > half) ||
         t2 > t1 + 128000u;
}

/* Take the notification waiting in the client's slot: verify it and check
 * its order. false (with a trace note) when it is to be dropped. */
static bool accept_notification(coapx_xfer *x, coapx_err *fatal) {
  coapx_client *c = x->c;
  coapx_rx tmp = x->cur;
  x->cur = c->note;
  c->note = tmp;
  c->note.full = false;
  *fatal = COAPX_OK;

  coapx_err e = coapx_xfer_open_response(x, &x->obs_rid);
  if (e == COAPX_ERR_SECURITY || e == COAPX_ERR_UNPROTECTED) {
    /* RFC 8613 §8.4: an unverifiable notification is discarded; anyone on
     * the path could have sent it, so it must not end the observation. */
    coapx_client_trace_note(c, "notification dropped: %s", x->res->detail);
    x->res->detail[0] = '\0';
    x->res->oscore_error = OSCORE_OK;
    return false;
  }
  if (e) {
    *fatal = e;
    return false;
  }

  if (x->osc) {
    /* §8.4: a verified response without inner Observe is the final,
     * non-Observe response (a server ending the observation with an
     * error may reuse the request's nonce for it, as libcoap does). It
     * ends the observation, so it cannot be replayed into a later one. */
    if (!x->rinfo.has_piv &&
        !oscore_msg_find_opt(&x->resp, OSCORE_OPT_OBSERVE))
      return true;
    /* §4.1.3.5.2: every notification after the first carries its own
     * partial IV; §7.4.1: only increasing ones are accepted. */
    if (!x->rinfo.has_piv) {
      coapx_client_trace_note(c, "notification without partial IV dropped");
      return false;
    }
    if (x->obs_have_last && x->rinfo.seq <= x->obs_last_seq) {
      coapx_client_trace_note(c, "stale notification dropped (partial IV "
                              "%llu, last %llu)",
                              (unsigned long long)x->rinfo.seq,
                              (unsigned long long)x->obs_last_seq);
      return false;
    }
    x->obs_have_last = true;
    x->obs_last_seq = x->rinfo.seq;
    return true;
  }

  const oscore_opt *ov = oscore_msg_find_opt(&x->resp, OSCORE_OPT_OBSERVE);
  uint32_t v;
  if (ov && oscore_opt_uint(ov->value, &v) == OSCORE_OK) {
    if (x->obs_have_last &&
        !observe_fresher(x->obs_last_val, x->obs_last_ms, v, x->cur.at_ms)) {
      coapx_client_trace_note(c, "stale notification dropped (Observe %u, "
                              "last %u)", (unsigned)v,
                              (unsigned)x->obs_last_val);
      return false;
    }
    x->obs_have_last = true;
    x->obs_last_val = v;
    x->obs_last_ms = x->cur.at_ms;
  }
  return true;
}

coapx_err coapx_xfer_observe(coapx_xfer *x) {
  coapx_client *c = x->c;
  unsigned limit = x->req->notify_timeout_ms;
  uint64_t deadline = limit ? coapx_now_ms() + limit : 0;
  for (;;) {
    c->nack = false;   /* only exchanges in progress take NACKs */
    coapx_err e = coapx_client_wait(c, &c->note, deadline, x->req->stop);
    if (e == COAPX_ERR_TIMEOUT)
      coapx_xfer_detail(x, "no notification within %u.%03u s", limit / 1000,
                        limit % 1000);
    if (e) return e;
    if (!c->note.full) continue;

    coapx_err fatal;
    if (!accept_notification(x, &fatal)) {
      if (fatal) return fatal;
      continue;
    }
    x->exchange_no++;
    if (c->trace) {
      coapx_trace t = { .kind = COAPX_TRACE_RESPONSE,
                        .exchange = x->exchange_no, .msg = &x->resp,
                        .outer = x->osc ? &x->wire : NULL,
                        .profile = x->osc ? &x->osc->profile : NULL,
                        .type = x->cur.type, .mid = x->cur.mid,
                        .token = x->cur.token,
                        .token_len = x->cur.token_len,
                        .reliable = coapx_transport_reliable(c->transport) };
      c->trace(&t, c->trace_arg);
    }
    x->res->notifications++;
    uint8_t code = x->resp.code;
    bool goes_on = (code >> 5) == 2 &&
                   oscore_msg_find_opt(&x->resp, OSCORE_OPT_OBSERVE) != NULL;
    e = coapx_xfer_deliver(x, true);
    if (e) return e;
    if (limit) deadline = coapx_now_ms() + limit;
    /* RFC 7641 §3.2: an error, or a response without Observe, is the
     * last one. */
    if (!goes_on) return COAPX_OK;
  }
}
