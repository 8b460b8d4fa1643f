/* The server dispatcher: libcoap context and endpoints, the one catch-all
 * handler, and the order of work per request (coapx_server.h). The pieces
 * live beside it: coapx_dedup (retransmissions), coapx_gate (OSCORE),
 * coapx_observe (observations), coapx_response (application helpers),
 * coapx_server_loop (waiting and reading), coapx_server_security ((D)TLS
 * set-up and identities). */
#include "coapx_server.h"
#include "coapx_server_priv.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "coapx_addr.h"
#include "coapx_amplify.h"
#include "coapx_dedup.h"
#include "coapx_edhoc_server.h"
#include "edhoc_coap.h"
#include "coapx_gate.h"
#include "coapx_observe.h"
#include "coapx_pdu.h"
#include "coapx_reason.h"
#include "coapx_transport.h"
#include "store.h"

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_s(void) { return now_ms() / 1000; }

static bool is_success(uint8_t code) { return (code >> 5) == 2; }

/* "/a/b" from the Uri-Path options, for the log line only. */
static void path_text(const oscore_msg *m, char *out, size_t cap) {
  size_t k = 0;
  out[0] = '\0';
  for (size_t i = 0; m && i < m->n_opts; i++) {
    if (m->opts[i].number != OSCORE_OPT_URI_PATH) continue;
    const oscore_bytes v = m->opts[i].value;
    if (k + 1 + v.len + 4 >= cap) {
      snprintf(out + k, cap - k, "/...");
      return;
    }
    out[k++] = '/';
    for (size_t j = 0; j < v.len; j++)
      out[k++] = (v.ptr[j] >= 0x20 && v.ptr[j] < 0x7f) ? (char)v.ptr[j] : '?';
    out[k] = '\0';
  }
  if (k == 0 && cap > 1) snprintf(out, cap, "/");
}

static void log_line(coapx_server *srv, coapx_log_entry *e) {
  if (srv->log) srv->log(e, srv->log_arg);
}

static void end_observation(coapx_server *srv, coapx_observation *obs,
                            coapx_obs_end why) {
  if (!coapx_obs_unlink(&srv->obs, obs)) return;
  if (srv->on_observe_end) srv->on_observe_end(obs, why, srv->observe_end_arg);
  coapx_obs_free(obs);
}

/* A message the dispatcher sends itself: code and diagnostic payload, and
 * Max-Age 0 when asked (aiocoap's Replay detected). Uses resp_* scratch. */
static void error_msg(coapx_server *srv, oscore_msg *m, uint8_t code,
                      const char *diag, bool max_age_zero) {
  oscore_msg_init(m, srv->resp_opts, COAPX_RESPONSE_MAX_OPTS + 1);
  m->code = code;
  if (max_age_zero)
    oscore_msg_add_opt(m, OSCORE_OPT_MAX_AGE, OSCORE_BYTES(NULL, 0));
  const char *t = diag ? diag : coapx_reason_phrase(code);
  if (t) m->payload = OSCORE_BYTES(t, strlen(t));
}

static void response_init(coapx_server *srv, coapx_response *r) {
  memset(r, 0, sizeof *r);
  /* One slot is held back for the Observe option the dispatcher adds. */
  oscore_msg_init(&r->msg, srv->resp_opts, COAPX_RESPONSE_MAX_OPTS);
  r->msg.code = OSCORE_CODE(2, 5);
  r->buf = srv->resp_buf;
  r->cap = sizeof srv->resp_buf;
}

/* Call the application and bring its answer into shape: a code, no
 * Observe of its own, Observe |obs_value| added when |with_observe|. */
static void run_app(coapx_server *srv, const coapx_request *req,
                    coapx_response *resp, uint8_t obs_buf[4],
                    bool *with_observe, uint32_t obs_value) {
  response_init(srv, resp);
  srv->handler(req, resp, srv->handler_arg);
  if (resp->msg.code == 0 || resp->used > resp->cap)
    coapx_response_error(resp, OSCORE_CODE(5, 0), NULL);
  oscore_msg_remove_opt(&resp->msg, OSCORE_OPT_OBSERVE);
  if (!is_success(resp->msg.code)) *with_observe = false;
  if (*with_observe) {
    resp->msg.cap_opts = COAPX_RESPONSE_MAX_OPTS + 1;
    size_t n = oscore_opt_uint_encode(obs_value, obs_buf);
    oscore_msg_add_opt(&resp->msg, OSCORE_OPT_OBSERVE,
                       OSCORE_BYTES(obs_buf, n));
  }
}

/* Protect (when |sc|) and size-check the answer |plain| into |*out|.
 * |limit| is what the PDU can hold after the token. Failing that, the
 * answer becomes an unprotected 5.00: a protected one could not be built
 * without risking a second use of the request's nonce. */
static bool finish_answer(coapx_server *srv, store_context *sc,
                          oscore_request_id *rid, bool own_piv,
                          const oscore_msg *plain, oscore_msg *outer,
                          size_t limit) {
  if (sc) {
    oscore_msg_init(outer, srv->send_opts, COAPX_RESPONSE_MAX_OPTS + 4);
    if (coapx_gate_protect(sc, rid, own_piv, plain, outer, srv->send_buf,
                           sizeof srv->send_buf) == COAPX_OK &&
        coapx_pdu_wire_size(outer) <= limit)
      return true;
  } else if (coapx_pdu_wire_size(plain) <= limit) {
    *outer = *plain;
    return true;
  }
  error_msg(srv, outer, OSCORE_CODE(5, 0), NULL, false);
  return false;
}

void coapx_server_flush_pending(coapx_server *srv) {
  if (srv->obs.pending == 0) return;
  /* One pass: a notification asked for while building another waits for
   * the next pass (run_once), so an application cannot loop us forever. */
  coapx_observation *due[64];
  size_t n = 0;
  for (coapx_observation *o = srv->obs.head; o && n < 64; o = o->next)
    if (o->pending) due[n++] = o;
  for (size_t i = 0; i < n; i++) {
    if (!coapx_obs_linked(&srv->obs, due[i]) || !due[i]->pending) continue;
    due[i]->pending = false;
    srv->obs.pending--;
    coapx_server_notify(srv, due[i]);
  }
}

static void request_state_init(coapx_server *srv, coap_session_t *session,
                               const coap_pdu_t *request, request_state *st) {
  memset(st, 0, sizeof *st);
  st->session = session;
  st->remote = coap_session_get_addr_remote(session);
  st->local = coap_session_get_addr_local(session);
  st->mid = (uint16_t)coap_pdu_get_mid(request);
  st->reliable = coapx_session_reliable(session);
  st->address_proven =
      st->reliable || coap_session_get_proto(session) == COAP_PROTO_DTLS;
  /* Every TCP request is answered (there is no NON). */
  st->con = st->reliable || coap_pdu_get_type(request) == COAP_MESSAGE_CON;
  st->token = coap_pdu_get_token(request);
  size_t limit = coap_session_max_pdu_size(session);
  st->limit = limit > st->token.length ? limit - st->token.length : 0;
  st->now = now_s();
  if (!srv->last_peer[0] ||
      !coap_address_equals(st->remote, &srv->last_remote)) {
    coapx_addr_format(st->remote, srv->last_peer, sizeof srv->last_peer);
    coapx_addr_format_host_group(st->remote, srv->last_peer_host,
                                 sizeof srv->last_peer_host);
    srv->last_remote = *st->remote;
  }
  st->le.peer = srv->last_peer;
  st->le.path = st->path;
  st->send = true;
}

/* Step 1: a message seen before gets the same answer and nothing runs
 * again; a NON duplicate is ignored (RFC 7252 §4.5). true when done. */
static bool answer_from_cache(coapx_server *srv, request_state *st,
                              coap_pdu_t *response) {
  coapx_dedup_answer cached;
  if (st->reliable) return false;
  if (!coapx_dedup_find(srv->dedup, st->remote, st->local, st->mid, st->now,
                        &cached))
    return false;
  oscore_msg m;
  oscore_msg_init(&m, srv->send_opts, COAPX_RESPONSE_MAX_OPTS + 4);
  if (st->con && cached.code && coapx_dedup_answer_msg(&cached, &m) == COAPX_OK)
    coapx_pdu_write(response, &m);
  st->le.code = st->con ? cached.code : 0;
  st->le.from_cache = true;
  log_line(srv, &st->le);
  return true;
}

/* A derived context the map let go (coapx_edhoc_srv): observations
 * made under it end before it is closed, so none is left pointing at it.
 * Uploads in progress are keyed by identity, which stays valid. */
static void release_context(coapx_server *srv, store_context *sc) {
  if (!sc) return;
  coapx_observation *o = srv->obs.head;
  while (o) {
    coapx_observation *next = o->next;
    if (o->sc == sc) end_observation(srv, o, COAPX_OBS_END_FAILED);
    o = next;
  }
  store_context_close(sc, NULL);
}

/* RFC 9668 (step 1b): an OSCORE request carrying the EDHOC option too
 * finishes EDHOC first, then goes through the gate as a plain OSCORE
 * request under the new context. false: st->answer holds the error. */
static bool edhoc_combined(coapx_server *srv, request_state *st) {
  if (!oscore_msg_find_opt(&st->outer, OSCORE_OPT_OSCORE) ||
      !oscore_msg_find_opt(&st->outer, EDHOC_COAP_OPTION))
    return true;
  coapx_edhoc_done done;
  oscore_msg_init(&st->answer, srv->resp_opts, COAPX_RESPONSE_MAX_OPTS + 1);
  bool ok = coapx_edhoc_srv_combined(srv->edhoc, &st->outer, &st->answer,
                                     &done);
  release_context(srv, done.evicted);
  return ok;
}

/* POST /.well-known/edhoc: message_1 or message_3 (RFC 9528 A.2), in
 * place of the application. */
static void edhoc_step(coapx_server *srv, request_state *st) {
  uint8_t host[16];
  size_t n = coapx_addr_host_key(st->remote, host);
  coapx_edhoc_done done;
  oscore_msg plain;
  oscore_msg_init(&plain, srv->resp_opts, COAPX_RESPONSE_MAX_OPTS + 1);
  coapx_edhoc_srv_answer(srv->edhoc, st->req, coapx_addr_key_hash(host, n),
                         &plain, &done);
  /* A message_2 with a large credential by value might not fit. */
  finish_answer(srv, NULL, &st->g.rid, false, &plain, &st->answer, st->limit);
  release_context(srv, done.evicted);
  st->le.identity = done.identity;
  st->le.code = st->answer.code;
  st->le.payload_len = st->answer.payload.len;
}

/* Step 2: the OSCORE gate. true when the application is to run on
 * st->req; otherwise st->answer (and st->send) are set. */
static bool pass_gate(coapx_server *srv, const coap_pdu_t *request,
                      request_state *st) {
  oscore_msg_init(&st->outer, srv->outer_opts, MAX_IN_OPTS);
  oscore_msg_init(&st->inner, srv->inner_opts, MAX_IN_OPTS);
  if (coapx_pdu_read(request, &st->outer) != COAPX_OK) {
    /* More options than we keep: not a request we can serve. */
    error_msg(srv, &st->answer, OSCORE_CODE(4, 0), NULL, false);
    st->send = st->con;
    return false;
  }
  st->req_size = 4 + st->token.length + coapx_pdu_wire_size(&st->outer);
  if (srv->edhoc && !edhoc_combined(srv, st)) return false;
  coapx_gate_result *g = &st->g;
  coapx_gate_check(&srv->gate, &st->outer, &st->inner, srv->plain,
                   sizeof srv->plain, g);
  switch (g->verdict) {
  case COAPX_GATE_REFUSE:
    /* §8.2 / aiocoap: OSCORE-layer errors are unprotected and only
     * answered to CON requests. */
    error_msg(srv, &st->answer, g->code, g->diag, g->max_age_zero);
    st->send = st->con;
    return false;
  case COAPX_GATE_CHALLENGE:
    path_text(&st->inner, st->path, sizeof st->path);
    st->le.method = st->inner.code;
    st->le.identity = g->identity;
    st->le.is_protected = true;
    oscore_msg_init(&st->answer, srv->send_opts, COAPX_RESPONSE_MAX_OPTS + 4);
    if (coapx_gate_challenge(&srv->gate, g, &st->answer, srv->send_buf,
                             sizeof srv->send_buf) != COAPX_OK) {
      error_msg(srv, &st->answer, OSCORE_CODE(5, 0), NULL, false);
      st->send = st->con;
    }
    st->le.code = OSCORE_CODE(4, 1);
    return false;
  case COAPX_GATE_PROTECTED:
  case COAPX_GATE_PLAIN:
    break;
  }
  st->prot = g->verdict == COAPX_GATE_PROTECTED;
  st->req = st->prot ? &st->inner : &st->outer;
  path_text(st->req, st->path, sizeof st->path);
  st->le.method = st->req->code;
  st->le.identity = st->prot ? g->identity : coapx_server_secure_identity(srv, st->session);
  st->le.is_protected = st->prot;
  return true;
}

/* RFC 8323 §6: libcoap 4.3.1 announces BERT in every CSM, so a TCP peer
 * may send Block1/Block2 with SZX 7 (units of 1024 bytes). We announce
 * a Max-Message-Size of one datagram, so a BERT block holds at most one
 * unit: SZX 7 with NUM n is SZX 6 with NUM n, which the application
 * knows; a longer BERT payload then fails its block-size check. The
 * answer's Block option says 6, which RFC 7959 §2.5 lets a server pick. */
static void bert_as_1024(request_state *st, oscore_msg *req) {
  static const uint16_t nums[2] = { OSCORE_OPT_BLOCK1, OSCORE_OPT_BLOCK2 };
  for (size_t k = 0; k < 2; k++)
    for (size_t i = 0; i < req->n_opts; i++) {
      oscore_opt *o = &req->opts[i];
      if (o->number != nums[k] || o->value.len == 0 || o->value.len > 3 ||
          (o->value.ptr[o->value.len - 1] & 7) != 7)
        continue;
      memcpy(st->bert_buf[k], o->value.ptr, o->value.len);
      st->bert_buf[k][o->value.len - 1] &= (uint8_t)~1u;   /* 7 -> 6 */
      o->value = OSCORE_BYTES(st->bert_buf[k], o->value.len);
    }
}

/* Step 3, Observe (RFC 7641 §3.6, §4.1): a registration or deregistration
 * on a token replaces what was observed under it. A registration beyond
 * the caps gets no candidate: the application answers it once, without
 * Observe, which tells the client it is not observed (§4.1). */
static void start_observation(coapx_server *srv, request_state *st) {
  const oscore_msg *req = st->req;
  const oscore_opt *oo = oscore_msg_find_opt(req, OSCORE_OPT_OBSERVE);
  uint32_t ov = 0;
  if (!oo || oscore_opt_uint(oo->value, &ov) != OSCORE_OK || ov > 1) return;
  coapx_observation *old = coapx_obs_find_token(st->session, st->token);
  if (old) end_observation(srv, old, COAPX_OBS_END_DEREGISTERED);
  if (ov == 0 && (req->code == OSCORE_CODE(0, OSCORE_CODE_GET) ||
                  req->code == OSCORE_CODE(0, OSCORE_CODE_FETCH)) &&
      coapx_obs_admit(&srv->obs, st->remote))
    coapx_obs_new(st->session, st->token, req, st->prot, st->g.sc,
                  &st->g.rid, st->le.identity, st->le.peer, &st->cand);
}

/* Steps 4 and 5: the application, then protection with the request's
 * nonce where the core allows it. */
static void run_application(coapx_server *srv, request_state *st) {
  /* POST /.well-known/edhoc (a plain POST: never an observation) is the
   * EDHOC responder's, in place of the application. */
  if (srv->edhoc && !st->prot && coapx_edhoc_srv_wants(st->req)) {
    edhoc_step(srv, st);
    return;
  }
  coapx_request areq = {
    .msg = st->req, .identity = st->le.identity, .is_protected = st->prot,
    .peer = st->le.peer, .peer_host = srv->last_peer_host,
    .observation = st->cand, .is_notification = false,
  };
  coapx_response aresp;
  st->with_observe = st->cand != NULL;
  /* The answer is written after this returns: nothing it points to may
   * live on this stack frame. */
  run_app(srv, &areq, &aresp, st->obs_buf, &st->with_observe,
          st->cand ? coapx_obs_next_value(st->cand) : 0);
  st->app_accepted = st->cand && aresp.observe;
  st->with_observe = st->with_observe && aresp.observe;
  if (!st->with_observe)
    oscore_msg_remove_opt(&aresp.msg, OSCORE_OPT_OBSERVE);
  oscore_msg answer_plain = aresp.msg;
  st->le.code = answer_plain.code;
  st->le.payload_len = answer_plain.payload.len;
  if (!finish_answer(srv, st->prot ? st->g.sc : NULL, &st->g.rid, false,
                     &answer_plain, &st->answer, st->limit)) {
    st->with_observe = false;
    st->le.code = st->answer.code;
    st->le.payload_len = st->answer.payload.len;
  }
}

/* A 4.01 with our Echo for |remote| into |m| (send_opts scratch): the
 * answer to an unproven address that a bigger one would amplify. */
static void echo_challenge(coapx_server *srv, const coap_address_t *remote,
                           uint64_t now, oscore_msg *m) {
  oscore_msg_init(m, srv->send_opts, COAPX_RESPONSE_MAX_OPTS + 4);
  m->code = OSCORE_CODE(4, 1);
  coapx_amplify_echo(&srv->amp, remote, now, srv->echo_buf);
  oscore_msg_add_opt(m, OSCORE_OPT_ECHO,
                     OSCORE_BYTES(srv->echo_buf, sizeof srv->echo_buf));
}

/* Step 5b, RFC 9175 §2.4: an unprotected answer to an address not proven
 * is at most 3 times the request; a bigger one becomes a 4.01 with Echo
 * (and no observation), which the client repeats with the Echo. */
static void limit_amplification(coapx_server *srv, request_state *st) {
  if (st->address_proven) {
    if (st->cand) st->cand->verified = true;
    return;
  }
  const oscore_opt *echo = oscore_msg_find_opt(&st->outer, OSCORE_OPT_ECHO);
  bool proven = coapx_amplify_verified(&srv->amp, st->remote,
                                       echo ? &echo->value : NULL, st->now);
  if (st->cand) {
    st->cand->req_size = st->req_size;
    st->cand->verified = proven;
  }
  size_t answer = 4 + st->token.length + coapx_pdu_wire_size(&st->answer);
  if (proven || coapx_amplify_fits(st->req_size, answer)) return;
  echo_challenge(srv, st->remote, st->now, &st->answer);
  st->with_observe = false;
  st->le.code = st->answer.code;
  st->le.payload_len = 0;
}

/* The candidate observation comes about or is dropped. */
static void settle_observation(coapx_server *srv, request_state *st) {
  coapx_observation *cand = st->cand;
  if (!cand) return;
  if (st->with_observe && coapx_obs_link(&srv->obs, cand) == COAPX_OK)
    return;
  /* The application may have filed the handle when it accepted; tell it
   * that the observation did not come about. */
  if (st->app_accepted && srv->on_observe_end)
    srv->on_observe_end(cand, is_success(st->le.code)
                                  ? COAPX_OBS_END_FAILED
                                  : COAPX_OBS_END_ERROR_CODE,
                        srv->observe_end_arg);
  coapx_obs_free(cand);
}

/* Step 6: send, cache and log the answer in st. */
static void finish_request(coapx_server *srv, request_state *st,
                           coap_pdu_t *response) {
  if (st->send) coapx_pdu_write(response, &st->answer);
  /* A failed put only costs the byte-identical retransmission answer. */
  if (!st->reliable)
    coapx_dedup_put(srv->dedup, st->remote, st->local, st->mid, st->now,
                    st->send ? &st->answer : NULL);
  settle_observation(srv, st);
  if (!st->send) st->le.code = 0;
  log_line(srv, &st->le);
}

static void on_request(coap_resource_t *resource, coap_session_t *session,
                       const coap_pdu_t *request, const coap_string_t *query,
                       coap_pdu_t *response) {
  (void)resource; (void)query;
  coapx_server *srv = coap_get_app_data(coap_session_get_context(session));
  if (!srv) return;
  srv->handled++;
  request_state *st = &srv->st;
  request_state_init(srv, session, request, st);
  if (answer_from_cache(srv, st, response)) return;
  srv->busy = true;
  if (pass_gate(srv, request, st)) {
    if (st->reliable) bert_as_1024(st, st->prot ? &st->inner : &st->outer);
    start_observation(srv, st);
    run_application(srv, st);
    if (!st->prot) limit_amplification(srv, st);
  } else if (st->le.code == 0) {
    st->le.code = st->answer.code;
    st->le.payload_len = st->answer.payload.len;
  }
  finish_request(srv, st, response);
  srv->busy = false;
  coapx_server_flush_pending(srv);
}

/* A CON to this session was never acknowledged (RFC 7641 §4.5): the peer
 * is gone, so every observation on the session ends and libcoap drops the
 * notifications queued behind it (NSTART 1) instead of trying each for
 * another 93 s. */
static void drop_session(coapx_server *srv, coap_session_t *session) {
  srv->dropping = true;   /* the nacks of what libcoap drops are ours */
  coap_session_reference(session);
  coapx_observation *o;
  while ((o = coapx_obs_of_session(session)) != NULL)
    end_observation(srv, o, COAPX_OBS_END_FAILED);
  coap_session_disconnected(session, COAP_NACK_TOO_MANY_RETRIES);
  coap_session_release(session);
  srv->dropping = false;
}

static void on_nack(coap_session_t *session, const coap_pdu_t *sent,
                    const coap_nack_reason_t reason, const coap_mid_t mid) {
  (void)sent;
  coapx_server *srv = coap_get_app_data(coap_session_get_context(session));
  if (!srv || srv->dropping) return;
  coapx_observation *obs = coapx_obs_find_mid(session, mid);
  if (!obs) return;
  /* RFC 7641 §3.6: an RST to a notification cancels; a CON notification
   * that is never acknowledged means the client is gone (§4.5). */
  if (reason == COAP_NACK_TOO_MANY_RETRIES)
    drop_session(srv, session);
  else
    end_observation(srv, obs, reason == COAP_NACK_RST ? COAPX_OBS_END_RST
                                                      : COAPX_OBS_END_FAILED);
}

/* May |answer| go to the plain observer |obs| (RFC 9175 §2.4)? */
static bool notification_fits(coapx_server *srv, coapx_observation *obs,
                              const oscore_msg *answer) {
  if (obs->verified ||
      coapx_amplify_verified(&srv->amp,
                             coap_session_get_addr_remote(obs->session), NULL,
                             now_s()))
    return true;
  return coapx_amplify_fits(obs->req_size,
                            4 + obs->token_len + coapx_pdu_wire_size(answer));
}

coapx_err coapx_server_notify(coapx_server *srv, coapx_observation *obs) {
  if (!srv || !obs) return COAPX_ERR_INVALID_ARG;
  if (!coapx_obs_linked(&srv->obs, obs)) return COAPX_ERR_NOT_FOUND;
  if (srv->busy) {
    if (!obs->pending) {
      obs->pending = true;
      srv->obs.pending++;
    }
    return COAPX_OK;
  }
  srv->busy = true;
  oscore_msg req, answer;
  oscore_msg_init(&req, srv->inner_opts, MAX_IN_OPTS);
  coapx_err err = coapx_obs_request(obs, &req);
  if (err != COAPX_OK) {
    srv->busy = false;
    end_observation(srv, obs, COAPX_OBS_END_FAILED);
    return err;
  }
  char path[PATH_TEXT];
  path_text(&req, path, sizeof path);
  coapx_log_entry le = {
    .peer = obs->peer, .identity = obs->identity,
    .is_protected = obs->is_protected, .method = req.code, .path = path,
    .notification = true,
  };
  char peer_host[COAPX_ADDR_TEXT];
  coapx_addr_format_host_group(coap_session_get_addr_remote(obs->session),
                               peer_host, sizeof peer_host);
  coapx_request areq = {
    .msg = &req, .identity = obs->identity, .is_protected = obs->is_protected,
    .peer = obs->peer, .peer_host = peer_host, .observation = obs,
    .is_notification = true,
  };
  coapx_response aresp;
  uint8_t obs_buf[4];
  bool with_observe = true;
  /* The value is only consumed when the notification keeps Observe. */
  run_app(srv, &areq, &aresp, obs_buf, &with_observe,
          (obs->observe + 1) & 0xFFFFFFu);
  if (with_observe) coapx_obs_next_value(obs);
  bool ends = !with_observe;
  le.code = aresp.msg.code;
  le.payload_len = aresp.msg.payload.len;

  coap_session_t *s = obs->session;
  size_t limit = coap_session_max_pdu_size(s);
  limit = limit > obs->token_len ? limit - obs->token_len : 0;
  /* Notifications after the registration's answer carry our own partial
   * IV (RFC 8613 §8.3): the request's nonce was used by that answer. */
  oscore_msg plain = aresp.msg;
  if (!finish_answer(srv, obs->sc, &obs->rid, true, &plain, &answer, limit)) {
    ends = true;
    le.code = answer.code;
  }
  if (!obs->is_protected && !notification_fits(srv, obs, &answer)) {
    /* RFC 9175 §2.4: the last notification, a 4.01 with Echo; the client
     * may register again with it. */
    echo_challenge(srv, coap_session_get_addr_remote(s), now_s(), &answer);
    ends = true;
    le.code = answer.code;
    le.payload_len = 0;
  }
  /* CON, so that a vanished client is noticed (RFC 7641 §4.5) and its RST
   * reaches on_nack. */
  coap_pdu_t *pdu = coap_pdu_init(COAP_MESSAGE_CON, (coap_pdu_code_t)answer.code,
                                  coap_new_message_id(s),
                                  coap_session_max_pdu_size(s));
  coap_mid_t mid = COAP_INVALID_MID;
  if (pdu && coap_add_token(pdu, obs->token_len, obs->token) &&
      coapx_pdu_write(pdu, &answer) == COAPX_OK) {
    mid = coap_send(s, pdu);
  } else if (pdu) {
    coap_delete_pdu(pdu);
  }
  if (mid != COAP_INVALID_MID) coapx_obs_sent(obs, mid);
  log_line(srv, &le);
  srv->busy = false;
  if (mid == COAP_INVALID_MID) {
    end_observation(srv, obs, COAPX_OBS_END_FAILED);
    return COAPX_ERR_LIBCOAP;
  }
  if (ends) end_observation(srv, obs, COAPX_OBS_END_ERROR_CODE);
  coapx_server_flush_pending(srv);
  return COAPX_OK;
}

/* A connection (TCP) or DTLS session that closed or failed: nothing
 * more reaches its observers, and no unacknowledged CON would tell. */
static void end_session_observations(coapx_server *srv,
                                     coap_session_t *session) {
  coapx_observation *o;
  while ((o = coapx_obs_of_session(session)) != NULL)
    end_observation(srv, o, COAPX_OBS_END_FAILED);
}

/* TCP connections: a flood of them must not exhaust our descriptors, so
 * beyond max_stream_sessions a new one is closed once libcoap's pass is
 * over (coapx_server_close_excess); a closed one ends its observations (there is no
 * unacknowledged CON to tell us, RFC 8323 §3.4). */
static void forget_young(coapx_server *srv, coap_session_t *session) {
  for (size_t i = 0; i < srv->n_young; i++)
    if (srv->young[i].session == session) {
      srv->young[i] = srv->young[--srv->n_young];
      return;
    }
}

static void on_stream_event(coapx_server *srv, coap_session_t *session,
                            coap_event_t event) {
  if (event == COAP_EVENT_SERVER_SESSION_NEW) {
    if (++srv->stream_sessions > srv->max_stream_sessions &&
        srv->n_to_close < COAPX_MAX_CLOSE_PER_PASS)
      srv->to_close[srv->n_to_close++] = coap_session_reference(session);
    else if (coapx_session_secure(session) && srv->n_young < srv->cap_young)
      srv->young[srv->n_young++] =
          (struct coapx_young_stream){ session, now_ms() };
  } else if (event == COAP_EVENT_DTLS_CONNECTED) {
    forget_young(srv, session);   /* the TLS handshake is done */
  } else if (event == COAP_EVENT_SERVER_SESSION_DEL) {
    forget_young(srv, session);
    if (srv->stream_sessions) srv->stream_sessions--;
  } else if (event == COAP_EVENT_TCP_CLOSED ||
             event == COAP_EVENT_TCP_FAILED) {
    forget_young(srv, session);
    end_session_observations(srv, session);
  }
}

/* TLS connections still without a finished handshake after
 * handshake_timeout_ms join the ones to close. */
static void expire_young(coapx_server *srv) {
  /* After every pass, under load once per datagram: nothing to look at
   * (the usual case) costs no clock reading. */
  if (srv->n_young == 0) return;
  uint64_t now = now_ms();
  for (size_t i = 0; i < srv->n_young &&
                     srv->n_to_close < COAPX_MAX_CLOSE_PER_PASS;) {
    if (now - srv->young[i].since_ms < srv->handshake_timeout_ms) {
      i++;
      continue;
    }
    srv->to_close[srv->n_to_close++] =
        coap_session_reference(srv->young[i].session);
    srv->young[i] = srv->young[--srv->n_young];
  }
}

void coapx_server_close_excess(coapx_server *srv) {
  expire_young(srv);
  /* Closing raises events that may touch the lists: the array is taken
   * first. */
  size_t n = srv->n_to_close;
  srv->n_to_close = 0;
  coap_session_t *closing[COAPX_MAX_CLOSE_PER_PASS];
  memcpy(closing, srv->to_close, n * sizeof closing[0]);
  for (size_t i = 0; i < n; i++) {
    coap_session_disconnected(closing[i], COAP_NACK_NOT_DELIVERABLE);
    coap_session_release(closing[i]);
  }
}

static int on_event(coap_session_t *session, const coap_event_t event) {
  coapx_server *srv = coap_get_app_data(coap_session_get_context(session));
  if (!srv) return 0;
  if (event == COAP_EVENT_SERVER_SESSION_NEW) {
    srv->sessions++;
    if (srv->ack_timeout_ms)
      coap_session_set_ack_timeout(
          session, (coap_fixed_point_t){ srv->ack_timeout_ms / 1000,
                                         srv->ack_timeout_ms % 1000 });
    if (srv->max_retransmit)
      coap_session_set_max_retransmit(session,
                                      (uint16_t)srv->max_retransmit);
  }
  if (event == COAP_EVENT_SERVER_SESSION_DEL && srv->sessions) srv->sessions--;
  if (coapx_session_reliable(session)) on_stream_event(srv, session, event);
  /* A DTLS session the client closed (close_notify) or that failed
   * cannot carry notifications any more: end its observations now (a TLS
   * one also reports TCP_CLOSED, on_stream_event). */
  if (event == COAP_EVENT_DTLS_CLOSED || event == COAP_EVENT_DTLS_ERROR)
    end_session_observations(srv, session);
  return 0;
}

size_t coapx_server_sessions(const coapx_server *srv) {
  return srv ? srv->sessions : 0;
}

static coapx_err add_catch_all(coapx_server *srv) {
  static const coap_request_t methods[] = {
    COAP_REQUEST_GET, COAP_REQUEST_POST, COAP_REQUEST_PUT,
    COAP_REQUEST_DELETE, COAP_REQUEST_FETCH, COAP_REQUEST_PATCH,
    COAP_REQUEST_IPATCH,
  };
  coap_resource_t *any = coap_resource_unknown_init2(on_request, 0);
  /* Without this resource libcoap answers GET /.well-known/core itself. */
  coap_resource_t *wkc =
      coap_resource_init(coap_make_str_const(".well-known/core"), 0);
  if (!any || !wkc) {
    if (any) coap_delete_resource(NULL, any);
    if (wkc) coap_delete_resource(NULL, wkc);
    return COAPX_ERR_NO_MEMORY;
  }
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    coap_register_request_handler(any, methods[i], on_request);
    coap_register_request_handler(wkc, methods[i], on_request);
  }
  coap_add_resource(srv->ctx, any);
  coap_add_resource(srv->ctx, wkc);
  return COAPX_OK;
}

coapx_err coapx_server_new(const coapx_server_config *cfg, coapx_server **out) {
  if (!cfg || !out || !cfg->handler || (cfg->n_bind && !cfg->bind))
    return COAPX_ERR_INVALID_ARG;
  *out = NULL;
  coap_startup();
  coapx_server *srv = calloc(1, sizeof *srv);
  if (!srv) return COAPX_ERR_NO_MEMORY;
  srv->app_fd = -1;
  /* Ours from here on, but the caller's again on failure (fail:). The
   * DTLS/TLS set-up looks PSKs up in it before the endpoints exist. */
  srv->creds = cfg->credentials;
  srv->handler = cfg->handler;
  srv->handler_arg = cfg->handler_arg;
  srv->on_observe_end = cfg->on_observe_end;
  srv->observe_end_arg = cfg->observe_end_arg;
  srv->log = cfg->log;
  srv->log_arg = cfg->log_arg;
  srv->ack_timeout_ms = cfg->ack_timeout_ms && cfg->ack_timeout_ms < 1000
                           ? 1000
                           : cfg->ack_timeout_ms;
  srv->max_retransmit = cfg->max_retransmit > 20 ? 20 : cfg->max_retransmit;
  coapx_err err = coapx_gate_init(&srv->gate, cfg->credentials);
  if (err == COAPX_OK) err = coapx_amplify_init(&srv->amp);
  if (err == COAPX_OK)
    err = coapx_obs_list_init(&srv->obs, cfg->max_observers,
                              cfg->max_observers_per_peer);
  if (err != COAPX_OK) goto fail;
  srv->dedup = coapx_dedup_new(COAPX_DEDUP_MAX_ENTRIES,
                               COAPX_EXCHANGE_LIFETIME_S);
  srv->ctx = coap_new_context(NULL);
  size_t n = cfg->n_bind ? cfg->n_bind : 1;
  srv->eps = calloc(n, sizeof *srv->eps);
  err = COAPX_ERR_NO_MEMORY;
  if (!srv->dedup || !srv->ctx || !srv->eps) goto fail;
  coap_set_app_data(srv->ctx, srv);
  /* Block-wise is end-to-end under OSCORE and done by the application. */
  coap_context_set_block_mode(srv->ctx, 0);
  coap_register_option(srv->ctx, COAP_OPTION_OSCORE);
  /* draft-08 contexts on option 21 (DRAFT08.md): libcoap would refuse it
   * as an unknown critical option; without one it still does, 4.02. */
  if (cfg->credentials &&
      (err = coapx_edhoc_srv_new(cfg->credentials, cfg->max_edhoc_contexts,
                                 &srv->edhoc)) != COAPX_OK)
    goto fail;
  /* The same number is RFC 9668's EDHOC option. */
  if (srv->edhoc ||
      store_credentials_uses_option(cfg->credentials, OSCORE_DRAFT08_OPTION))
    coap_register_option(srv->ctx, OSCORE_DRAFT08_OPTION);
  coap_register_nack_handler(srv->ctx, on_nack);
  coap_register_event_handler(srv->ctx, on_event);
  /* RFC 8323 §5.3.1: what we announce in our CSM. A TCP peer would
   * otherwise send a 1 MiB body as one message (libcoap 4.3.5's
   * coap-client does), too big for the gate's buffer under OSCORE; held
   * to the datagram size it uses block-wise as over UDP. */
  coap_context_set_csm_max_message_size(srv->ctx, SERVER_MTU);
  coap_context_set_max_idle_sessions(
      srv->ctx, cfg->max_idle_sessions ? cfg->max_idle_sessions
                                       : COAPX_DEFAULT_MAX_IDLE_SESSIONS);
  srv->max_stream_sessions = cfg->max_stream_sessions
                                 ? cfg->max_stream_sessions
                                 : COAPX_DEFAULT_MAX_STREAM_SESSIONS;
  srv->handshake_timeout_ms = cfg->tls_handshake_timeout_ms
                                  ? cfg->tls_handshake_timeout_ms
                                  : COAPX_DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
  srv->cap_young = srv->max_stream_sessions + COAPX_MAX_CLOSE_PER_PASS;
  srv->young = calloc(srv->cap_young, sizeof srv->young[0]);
  err = COAPX_ERR_NO_MEMORY;
  if (!srv->young) goto fail;
  if ((err = add_catch_all(srv)) != COAPX_OK) goto fail;

  bool secure_on = false;
  for (size_t i = 0; i < n; i++) {
    coap_address_t a;
    coapx_transport t;
    char spec[300];
    if (cfg->failed_bind) *cfg->failed_bind = i;
    err = COAPX_ERR_ADDRESS;
    if (!coapx_transport_split_bind(cfg->n_bind ? cfg->bind[i] : "[::]", &t,
                                    spec, sizeof spec))
      goto fail;
    if (coapx_transport_secure(t) &&
        (err = coapx_server_enable_security(srv, cfg, t, &secure_on)) != COAPX_OK)
      goto fail;
    err = coapx_addr_parse_bind_port(spec, coapx_transport_default_port(t),
                                     &a);
    /* Two TCP listeners cannot share a port even with SO_REUSEADDR: only
     * UDP needs the probe. */
    if (err == COAPX_OK && !coapx_transport_reliable(t))
      err = coapx_addr_probe_free(&a);
    if (err != COAPX_OK) goto fail;
    errno = 0;
    srv->eps[i] = coap_new_endpoint(srv->ctx, &a, coapx_transport_proto(t));
    if (!srv->eps[i]) {
      err = errno == EADDRINUSE ? COAPX_ERR_IN_USE : COAPX_ERR_BIND;
      goto fail;
    }
    coap_endpoint_set_default_mtu(srv->eps[i], SERVER_MTU);
    srv->n_eps++;
  }
  *out = srv;
  return COAPX_OK;

fail:
  /* The caller keeps the credentials on failure. */
  srv->creds = NULL;
  coapx_server_free(srv);
  return err;
}

uint16_t coapx_server_port(const coapx_server *srv, size_t i) {
  if (!srv || i >= srv->n_eps) return 0;
  return coapx_addr_endpoint_port(srv->eps[i]);
}

void coapx_libcoap_verbosity(int level) {
  coap_set_log_level(level <= 0 ? LOG_EMERG
                     : level == 1 ? LOG_WARNING : LOG_DEBUG);
}

void coapx_server_free(coapx_server *srv) {
  if (!srv) return;
  while (srv->obs.head)
    end_observation(srv, srv->obs.head, COAPX_OBS_END_SHUTDOWN);
  coapx_server_close_excess(srv);
  if (srv->ctx) coap_free_context(srv->ctx);
  free(srv->eps);
  coapx_dedup_free(srv->dedup);
  coapx_obs_list_clear(&srv->obs);
  coapx_amplify_clear(&srv->amp);
  coapx_gate_clear(&srv->gate);
  coapx_edhoc_srv_free(srv->edhoc);
  free(srv->young);
  /* Writes the exact sequence numbers and replay windows back. */
  if (srv->creds) store_credentials_close(srv->creds, NULL);
  free(srv);
}
