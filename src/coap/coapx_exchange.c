/* One request/response exchange of the client engine: protect, send, wait,
 * verify, and the one-time Echo retry of RFC 8613 Appendix B.1.2. */
#include "coapx_client_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oscore_secret.h"
#include "store.h"

void coapx_xfer_detail(coapx_xfer *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->res->detail, sizeof x->res->detail, fmt, ap);
  va_end(ap);
}

coapx_err coapx_xfer_build(coapx_xfer *x, const oscore_opt *extra,
                           size_t n_extra, oscore_bytes payload) {
  const oscore_msg *t = x->req->msg;
  oscore_msg_init(&x->inner, x->req_opts, x->req_cap);
  x->inner.code = t->code;
  /* The template is sorted; copying in order keeps it so, and the extra
   * options are inserted at their place. */
  for (size_t i = 0; i < t->n_opts; i++) {
    if (x->inner.n_opts >= x->inner.cap_opts) return COAPX_ERR_TOO_MANY_OPTIONS;
    x->inner.opts[x->inner.n_opts++] = t->opts[i];
  }
  for (size_t i = 0; i < n_extra; i++)
    if (oscore_msg_add_opt(&x->inner, extra[i].number, extra[i].value))
      return COAPX_ERR_TOO_MANY_OPTIONS;
  x->inner.payload = payload;
  return COAPX_OK;
}

static void trace_msg(coapx_xfer *x, coapx_trace_kind kind, bool is_block,
                      const oscore_msg *msg, const oscore_msg *outer,
                      uint8_t type, uint16_t mid, const uint8_t *tok,
                      size_t tok_len) {
  coapx_client *c = x->c;
  if (!c->trace) return;
  coapx_trace t = { .kind = kind, .exchange = x->exchange_no,
                    .is_block = is_block, .msg = msg, .outer = outer,
                    .profile = x->osc ? &x->osc->profile : NULL,
                    .type = type, .mid = mid, .token = tok,
                    .token_len = tok_len,
                    .reliable = coapx_transport_reliable(c->transport) };
  c->trace(&t, c->trace_arg);
}

/* Payload of an error answer as one printable line for res->detail. */
static void printable(char *out, size_t cap, oscore_bytes p) {
  size_t o = 0;
  for (size_t i = 0; i < p.len && o + 1 < cap; i++) {
    uint8_t ch = p.ptr[i];
    out[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
  }
  out[o] = '\0';
}

coapx_err coapx_xfer_open_response(coapx_xfer *x,
                                   const oscore_request_id *rid) {
  oscore_msg_init(&x->wire, x->wire_opts, COAPX_RESP_MAX_OPTS);
  if (oscore_opts_payload_decode(OSCORE_BYTES(x->cur.raw, x->cur.raw_len),
                                 &x->wire) != OSCORE_OK) {
    coapx_xfer_detail(x, "undecodable options in the response");
    return COAPX_ERR_PROTOCOL;
  }
  x->wire.code = x->cur.code;
  memset(&x->rinfo, 0, sizeof x->rinfo);
  if (!x->osc) {
    x->resp = x->wire;
    return COAPX_OK;
  }

  /* RFC 8613 §4.2: a protected response has the outer code 2.04 or 2.05.
   * Anything else is an unprotected refusal even when it carries the
   * option: libcoap answers an OSCORE option it does not accept (draft-08's
   * 21 at an RFC 8613 server) with 4.02 Bad Option echoing it. */
  uint8_t wc = x->wire.code;
  if (!oscore_msg_find_opt(&x->wire, oscore_profile_option(&x->osc->profile)) ||
      (wc != OSCORE_CODE(2, 4) && wc != OSCORE_CODE(2, 5))) {
    /* The server's OSCORE layer refused the request (context not found,
     * replay, decryption failed: RFC 8613 §8.2), or a plain server
     * answered. Never taken as the resource's answer. */
    char text[200];
    x->res->code = x->wire.code;
    /* RFC 9668 §3.3.1: a combined request's EDHOC part failed. */
    if (x->req->edhoc_message_3.len &&
        x->c->combined->describe_error(x->wire.payload, text, sizeof text)) {
      coapx_xfer_detail(x, "the server refused EDHOC at message_3 (combined "
                        "request): %s", text);
      x->res->edhoc_refused = true;
      return COAPX_ERR_SECURITY;
    }
    printable(text, sizeof text, x->wire.payload);
    coapx_xfer_detail(x, "%u.%02u%s%s", x->wire.code >> 5, x->wire.code & 31,
                      text[0] ? " " : "", text);
    return COAPX_ERR_UNPROTECTED;
  }
  if (x->cur.raw_len + 64 > x->ucap) {
    size_t cap = x->cur.raw_len + 64;
    uint8_t *p = realloc(x->ubuf, cap);
    if (!p) return COAPX_ERR_NO_MEMORY;
    x->ubuf = p;
    x->ucap = cap;
  }
  oscore_msg_init(&x->resp, x->resp_opts, COAPX_RESP_MAX_OPTS);
  oscore_err oe = oscore_unprotect_response(x->osc, rid, &x->wire, &x->resp,
                                            x->ubuf, x->ucap, &x->rinfo);
  if (oe != OSCORE_OK) {
    x->res->oscore_error = oe;
    coapx_xfer_detail(x, "%s", oscore_strerror(oe));
    return COAPX_ERR_SECURITY;
  }
  return COAPX_OK;
}

/* RFC 9668 §3.2: the first request carries the EDHOC option and
 * message_3 in front of its OSCORE payload. */
static coapx_err combine(coapx_xfer *x) {
  const coapx_combined_ops *ops = x->c->combined;
  oscore_bytes m3 = x->req->edhoc_message_3;
  /* The byte string's head takes at most 9 bytes. */
  size_t cap = m3.len + 9 + x->outer.payload.len, len;
  free(x->cbuf);
  if (!(x->cbuf = malloc(cap))) return COAPX_ERR_NO_MEMORY;
  if (!ops->combine(m3, x->outer.payload, x->cbuf, cap, &len) ||
      oscore_msg_add_opt(&x->outer, ops->option, OSCORE_BYTES(NULL, 0)))
    return COAPX_ERR_PDU_FULL;
  x->outer.payload = OSCORE_BYTES(x->cbuf, len);
  return COAPX_OK;
}

/* Protect x->inner into x->outer (consuming a sequence number reserved on
 * disk first, Appendix B.1.1). */
static coapx_err protect(coapx_xfer *x) {
  store_diag diag = { .msg = "" };
  store_err se = store_context_prepare_send(x->req->security, &diag);
  if (se != STORE_OK) {
    x->res->store_error = (int)se;
    coapx_xfer_detail(x, "%s", diag.msg[0] ? diag.msg : store_strerror(se));
    return COAPX_ERR_STORE;
  }
  /* The core builds the plaintext in |pbuf| and seals it behind itself:
   * twice the plaintext, plus OSCORE option value and tag. */
  size_t plain = x->inner.payload.len + 8;
  for (size_t i = 0; i < x->inner.n_opts; i++)
    plain += x->inner.opts[i].value.len + 5;
  size_t need = 2 * plain + 128;
  if (need > x->pcap) {
    uint8_t *p = realloc(x->pbuf, need);
    if (!p) return COAPX_ERR_NO_MEMORY;
    x->pbuf = p;
    x->pcap = need;
  }
  oscore_msg_init(&x->outer, x->outer_opts,
                  sizeof x->outer_opts / sizeof x->outer_opts[0]);
  oscore_err oe = oscore_protect_request(x->osc, &x->inner, &x->outer, x->pbuf,
                                         x->pcap, &x->rid);
  if (oe != OSCORE_OK) {
    x->res->oscore_error = oe;
    coapx_xfer_detail(x, "protecting the request: %s", oscore_strerror(oe));
    return COAPX_ERR_OSCORE;
  }
  return x->exchange_no == 0 && x->req->edhoc_message_3.len ? combine(x)
                                                             : COAPX_OK;
}

coapx_err coapx_xfer_nack_error(coapx_xfer *x) {
  coapx_client *c = x->c;
  if (c->dtls_failed) {
    /* An alert ended the handshake: say what the credential suggests. */
    char why[1400];
    const char *scheme = coapx_transport_scheme(c->transport);
    if (c->pki_check.host_mismatch)
      snprintf(why, sizeof why, "the server's certificate does not name %s",
               c->pki_check.host);
    else if (c->pki)
      snprintf(why, sizeof why, "the server's certificate does not verify "
               "against %s, or no %s:// server there", c->ca_file, scheme);
    else
      snprintf(why, sizeof why, "wrong pre-shared key or identity, or no "
               "%s:// server there", scheme);
    coapx_xfer_detail(x, "the %s handshake with %s failed (%s)",
                      coapx_transport_security_name(c->transport), c->peer,
                      why);
    return COAPX_ERR_DTLS;
  }
  switch (c->nack_reason) {
  case COAP_NACK_TOO_MANY_RETRIES:
    coapx_xfer_detail(x, "no answer from %s after all retransmissions",
                      c->peer);
    return COAPX_ERR_TIMEOUT;
  case COAP_NACK_RST:
    coapx_xfer_detail(x, "%s answered with a reset (RST)", c->peer);
    return COAPX_ERR_RESET;
  case COAP_NACK_ICMP_ISSUE:
    coapx_xfer_detail(x, "%s: ICMP destination unreachable (no CoAP server "
                      "listening?)", c->peer);
    return COAPX_ERR_UNREACHABLE;
  default:
    if (coapx_transport_reliable(c->transport)) {
      coapx_xfer_detail(x, "%s: the TCP connection %s", c->peer,
                        c->heard_peer ? "closed before the answer came"
                                      : "could not be made (no CoAP over TCP "
                                        "server listening?)");
      return COAPX_ERR_UNREACHABLE;
    }
    coapx_xfer_detail(x, "%s: message could not be delivered", c->peer);
    return COAPX_ERR_UNREACHABLE;
  }
}

/* Random tokens (RFC 7252 §5.3.1) make off-path spoofing of plain
 * responses hard; libcoap's own are a counter. They come from a per-thread
 * pool of CSPRNG bytes, 32 tokens per refill: one call per block was a
 * tenth of the client's CPU in a long download. */
bool coapx_xfer_new_token(uint8_t tok[COAPX_TOKEN_LEN]) {
  static _Thread_local uint8_t pool[32 * COAPX_TOKEN_LEN];
  static _Thread_local size_t used = sizeof pool;
  if (used == sizeof pool) {
    if (oscore_random(pool, sizeof pool) != OSCORE_OK) return false;
    used = 0;
  }
  memcpy(tok, pool + used, COAPX_TOKEN_LEN);
  used += COAPX_TOKEN_LEN;
  return true;
}

/* Nothing came within the timeout: say what we were waiting for. */
static coapx_err timeout_error(coapx_xfer *x) {
  coapx_client *c = x->c;
  unsigned s = c->timeout_ms / 1000, ms = c->timeout_ms % 1000;
  if (coapx_transport_secure(c->transport) && !c->dtls_connected) {
    /* A wrong key shows only as a Finished the server cannot decrypt,
     * which DTLS drops silently (RFC 6347 §4.1.2.7): no alert comes.
     * (TLS answers it with an alert, but a peer that never answers the
     * ClientHello ends here too.) */
    coapx_xfer_detail(x, "the %s handshake with %s did not complete "
                      "within %u.%03u s (%s, or no %s:// server there?)",
                      coapx_transport_security_name(c->transport), c->peer,
                      s, ms, c->pki ? "a certificate refused"
                                    : "wrong pre-shared key",
                      coapx_transport_scheme(c->transport));
    return COAPX_ERR_DTLS;
  }
  if (coapx_transport_reliable(c->transport) && !c->session_up) {
    coapx_xfer_detail(x, "%s took the connection but sent no CSM within "
                      "%u.%03u s (no %s:// server there?)", c->peer, s, ms,
                      coapx_transport_scheme(c->transport));
    return COAPX_ERR_TIMEOUT;
  }
  coapx_xfer_detail(x, "no response from %s within %u.%03u s", c->peer, s,
                    ms);
  return COAPX_ERR_TIMEOUT;
}

/* The session ready for a first request (TCP/TLS: the peer's CSM in),
 * within this exchange's timeout and stop flag; a timeout says what was
 * missing. */
static coapx_err await_session(coapx_xfer *x) {
  coapx_err e = coapx_client_await_session(
      x->c, coapx_now_ms() + x->c->timeout_ms, x->req->stop);
  return e == COAPX_ERR_TIMEOUT ? timeout_error(x) : e;
}

coapx_err coapx_xfer_send(coapx_xfer *x, bool is_block,
                          const uint8_t tok[COAPX_TOKEN_LEN], uint16_t *mid,
                          const oscore_msg **wire_out) {
  /* Before protecting: no sequence number is spent on a peer that never
   * becomes ready. */
  coapx_err e = await_session(x);
  if (e) return e;
  const oscore_msg *wire = &x->inner;
  if (x->osc) {
    e = protect(x);
    if (e) return e;
    wire = &x->outer;
  }
  x->exchange_no++;
  x->res->exchanges++;
  e = coapx_client_send(x->c, wire, x->req->non, tok, COAPX_TOKEN_LEN, mid);
  if (e) return e;
  trace_msg(x, COAPX_TRACE_REQUEST, is_block, &x->inner,
            x->osc ? &x->outer : NULL, x->req->non ? 1 : 0, *mid, tok,
            COAPX_TOKEN_LEN);
  if (wire_out) *wire_out = wire;
  return COAPX_OK;
}

void coapx_xfer_trace_response(coapx_xfer *x, bool is_block) {
  trace_msg(x, COAPX_TRACE_RESPONSE, is_block, &x->resp,
            x->osc ? &x->wire : NULL, x->cur.type, x->cur.mid, x->cur.token,
            x->cur.token_len);
}

/* Send the current x->inner once (protected when needed) and wait for its
 * response into x->cur. */
static coapx_err send_and_wait(coapx_xfer *x, bool is_block,
                               bool register_obs) {
  coapx_client *c = x->c;
  uint8_t tok[COAPX_TOKEN_LEN];
  if (!coapx_xfer_new_token(tok)) return COAPX_ERR_LIBCOAP;
  memcpy(c->token, tok, sizeof tok);
  c->token_len = sizeof tok;
  c->rx.full = false;
  c->nack = false;
  c->waiting = true;
  if (register_obs) {
    memcpy(c->obs_token, tok, sizeof tok);
    c->obs_token_len = sizeof tok;
    c->observing = true;
    c->note.full = false;
  }

  uint16_t mid = 0;
  const oscore_msg *wire = NULL;
  coapx_err e = coapx_xfer_send(x, is_block, tok, &mid, &wire);
  if (e) {
    c->waiting = false;
    return e;
  }

  uint64_t deadline = coapx_now_ms() + c->timeout_ms;
  for (;;) {
    e = coapx_client_wait(c, &c->rx, deadline, x->req->stop);
    if (e == COAPX_ERR_TIMEOUT)
      e = timeout_error(x);
    else if (e == COAPX_ERR_PROTOCOL)
      coapx_xfer_detail(x, "a response with more than %d options",
                        COAPX_RESP_MAX_OPTS);
    if (e || c->rx.full) break;
    /* A NACK for this exchange. */
    if (c->nack_reason == COAP_NACK_RST && x->osc) {
      /* An RST is never protected: anyone can send one. It stopped
       * libcoap's retransmission, but the answer may still come. */
      coapx_client_trace_note(c, "RST from %s ignored (not authenticated); "
                              "still waiting", c->peer);
      c->nack = false;
      continue;
    }
    /* Over TCP a refused connection says the same as ICMP does over UDP. */
    bool unreachable = c->nack_reason == COAP_NACK_ICMP_ISSUE ||
                       (coapx_transport_reliable(c->transport) &&
                        c->nack_reason == COAP_NACK_NOT_DELIVERABLE);
    if (unreachable && !c->heard_peer && coapx_client_next_address(c)) {
      coapx_client_trace_note(c, "unreachable; trying %s", c->peer);
      c->nack = false;
      /* The same bytes to the next address: for OSCORE this is a
       * retransmission of the same protected message, no new number. */
      e = await_session(x);
      if (!e) e = coapx_client_send(c, wire, x->req->non, tok, sizeof tok,
                                    &mid);
      if (e) break;
      deadline = coapx_now_ms() + c->timeout_ms;
      continue;
    }
    e = coapx_xfer_nack_error(x);
    break;
  }
  c->waiting = false;
  if (e) return e;

  /* Take the answer out of the client's slot so that later exchanges can
   * not overwrite what x->resp points into. */
  coapx_rx tmp = x->cur;
  x->cur = c->rx;
  c->rx = tmp;
  c->rx.full = false;
  return COAPX_OK;
}

coapx_err coapx_xfer_exchange(coapx_xfer *x, bool is_block,
                              bool register_obs) {
  for (;;) {
    coapx_err e = send_and_wait(x, is_block, register_obs);
    if (e) return e;
    e = coapx_xfer_open_response(x, &x->rid);
    if (e) return e;
    if (register_obs) {
      x->obs_rid = x->rid;
      x->obs_have_last = false;
      if (x->osc && x->rinfo.has_piv) {
        x->obs_have_last = true;
        x->obs_last_seq = x->rinfo.seq;
      }
      const oscore_opt *ov = oscore_msg_find_opt(&x->resp, OSCORE_OPT_OBSERVE);
      if (!x->osc && ov && oscore_opt_uint(ov->value, &x->obs_last_val) == 0) {
        x->obs_have_last = true;
        x->obs_last_ms = x->cur.at_ms;
      }
    }
    coapx_xfer_trace_response(x, is_block);

    const oscore_opt *echo = oscore_msg_find_opt(&x->resp, OSCORE_OPT_ECHO);
    if (x->resp.code != OSCORE_CODE(4, 1) || !echo || x->echo_done)
      return COAPX_OK;
    if (echo->value.len == 0 || echo->value.len > COAPX_ECHO_MAX) {
      coapx_xfer_detail(x, "4.01 with an Echo of %zu bytes (1..40 allowed)",
                        echo->value.len);
      return COAPX_ERR_PROTOCOL;
    }
    /* Appendix B.1.2 / RFC 9175 §2.4: the very same request (all options,
     * Uri-Query too — node-coap lost it) plus Echo, under a new sequence
     * number, once. */
    memcpy(x->echo, echo->value.ptr, echo->value.len);
    x->echo_len = echo->value.len;
    x->echo_done = true;
    x->res->echo_retried = true;
    oscore_msg_remove_opt(&x->inner, OSCORE_OPT_ECHO);
    if (oscore_msg_add_opt(&x->inner, OSCORE_OPT_ECHO,
                           OSCORE_BYTES(x->echo, x->echo_len)))
      return COAPX_ERR_TOO_MANY_OPTIONS;
    if (x->c->trace) {
      coapx_trace t = { .kind = COAPX_TRACE_ECHO_RETRY,
                        .exchange = x->exchange_no, .is_block = is_block,
                        .msg = &x->resp };
      x->c->trace(&t, x->c->trace_arg);
    }
  }
}
