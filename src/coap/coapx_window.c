/* Block2 downloads with several block requests in flight.
 *
 * One block per round trip leaves both ends idle half the time: on
 * loopback a 50 MiB download spent most of its wall time waiting. RFC 7959
 * §2.4 lets a client ask for any block on its own, so up to
 * x->req->window requests (each its own CON, token and, under OSCORE, its
 * own sequence number) go out ahead of the one being delivered. The
 * answers are taken in block order: each is verified, checked against
 * block 0 (code, ETag: coapx_xfer_check_block) and handed to the sink
 * before the next, so the sink sees exactly what a one-at-a-time download
 * gives it, and a changed ETag ends the transfer the same way. Answers
 * that arrive early wait in their slot (at most COAPX_WINDOW_MAX blocks).
 *
 * Only blocks below the Size2 of block 0 are asked for, all of the size
 * block 0 settled on; when the server shrinks the block or the body turns
 * out longer than announced, the window drains and the caller goes on one
 * block at a time. libcoap's NSTART is raised for the session meanwhile
 * (RFC 7252 §4.7 leaves it to the application) and restored after. */
#include "coapx_client_priv.h"

#include <string.h>

typedef struct {
  uint64_t offset;           /* of the block asked for */
  uint64_t deadline_ms;
  oscore_request_id rid;     /* binds its answer (OSCORE) */
} window_req;

typedef struct {
  coapx_xfer *x;
  unsigned cap;              /* requests in flight at most */
  unsigned head;             /* slot of the oldest request */
  unsigned n;                /* requests in flight */
  window_req req[COAPX_WINDOW_MAX];
} window;

/* Ask for the block at |offset| in the slot after the last one. */
static coapx_err issue(window *w, uint64_t offset, unsigned szx) {
  coapx_xfer *x = w->x;
  size_t bs = coapx_block_size(szx);
  coapx_block want = { (uint32_t)(offset / bs), false, szx };
  if (!coapx_block_valid(&want)) {
    coapx_xfer_detail(x, "body too large for block-wise transfer");
    return COAPX_ERR_PROTOCOL;
  }
  /* Option values are copied into the message on sending: one buffer
   * serves every request of the window. */
  size_t bl = coapx_block_encode(&want, x->block_val);
  oscore_opt extra[2];
  size_t n_extra = 0;
  extra[n_extra++] = (oscore_opt){ OSCORE_OPT_BLOCK2,
                                   OSCORE_BYTES(x->block_val, bl) };
  if (x->use_reqtag)
    extra[n_extra++] = (oscore_opt){ OSCORE_OPT_REQUEST_TAG,
                                     OSCORE_BYTES(x->reqtag, sizeof x->reqtag) };
  oscore_bytes payload = OSCORE_BYTES(NULL, 0);
  if (x->req->msg->code == OSCORE_CODE_FETCH && !x->use_reqtag)
    payload = x->req->msg->payload;
  coapx_err e = coapx_xfer_build(x, extra, n_extra, payload);
  if (e) return e;

  unsigned i = (w->head + w->n) % w->cap;
  coapx_pending *p = &x->c->pend[i];
  if (!coapx_xfer_new_token(p->token)) return COAPX_ERR_LIBCOAP;
  p->rx.full = false;
  p->nack = false;
  p->active = true;
  uint16_t mid;
  e = coapx_xfer_send(x, true, p->token, &mid, NULL);
  if (e) {
    p->active = false;
    return e;
  }
  w->req[i] = (window_req){ offset, coapx_now_ms() + x->c->timeout_ms,
                            x->rid };
  w->n++;
  return COAPX_OK;
}

/* A NACK for any request of the window: an RST is ignored under OSCORE
 * (anyone can send one; the answer may still come), anything else ends
 * the transfer. */
static coapx_err take_nacks(window *w) {
  coapx_client *c = w->x->c;
  c->nack = false;
  bool named = false;
  for (unsigned k = 0; k < w->n; k++) {
    coapx_pending *p = &c->pend[(w->head + k) % w->cap];
    if (!p->nack) continue;
    p->nack = false;
    named = true;
    if (p->nack_reason == COAP_NACK_RST && w->x->osc) {
      coapx_client_trace_note(c, "RST from %s ignored (not authenticated); "
                              "still waiting", c->peer);
      continue;
    }
    c->nack_reason = p->nack_reason;
    return coapx_xfer_nack_error(w->x);
  }
  /* A NACK no request was named in: the DTLS session closed or failed
   * under the whole window (nothing of it can be answered any more; over
   * TCP no window is used, coapx_transfer.c). */
  if (!named) return coapx_xfer_nack_error(w->x);
  return COAPX_OK;
}

/* Wait for the answer to the oldest request and open it into x->resp. */
static coapx_err take_head(window *w) {
  coapx_xfer *x = w->x;
  coapx_client *c = x->c;
  coapx_pending *p = &c->pend[w->head];
  const window_req *r = &w->req[w->head];
  for (;;) {
    coapx_err e = coapx_client_wait(c, &p->rx, r->deadline_ms, x->req->stop);
    if (e == COAPX_ERR_TIMEOUT)
      coapx_xfer_detail(x, "no response from %s within %u.%03u s", c->peer,
                        c->timeout_ms / 1000, c->timeout_ms % 1000);
    if (e) return e;
    if (p->rx.full) break;
    e = take_nacks(w);
    if (e) return e;
  }
  coapx_rx tmp = x->cur;
  x->cur = p->rx;
  p->rx = tmp;
  p->rx.full = false;
  p->active = false;
  w->head = (w->head + 1) % w->cap;
  w->n--;
  coapx_err e = coapx_xfer_open_response(x, &r->rid);
  if (!e) coapx_xfer_trace_response(x, true);
  return e;
}

/* Forget the requests still in flight: their late answers find no slot
 * and are refused like any answer nobody waits for. */
static void drop_all(window *w) {
  for (unsigned i = 0; i < COAPX_WINDOW_MAX; i++) {
    w->x->c->pend[i].active = false;
    w->x->c->pend[i].rx.full = false;
  }
  w->x->c->nack = false;
  w->n = 0;
}

coapx_err coapx_xfer_window(coapx_xfer *x, const coapx_block2_ref *ref,
                            uint64_t size, uint64_t *offset, unsigned *szx,
                            bool *more) {
  window w = { .x = x, .cap = x->req->window };
  if (w.cap > COAPX_WINDOW_MAX) w.cap = COAPX_WINDOW_MAX;
  coap_session_t *s = x->c->session;
  uint16_t nstart = coap_session_get_nstart(s);
  coap_session_set_nstart(s, (uint16_t)w.cap);

  size_t bs = coapx_block_size(*szx);
  uint64_t next = *offset;   /* the next block to ask for */
  coapx_err e = COAPX_OK;
  while (*more && !e) {
    if (x->req->stop && *x->req->stop) {
      e = COAPX_ERR_CANCELLED;
      break;
    }
    while (w.n < w.cap && next < size && !e) {
      e = issue(&w, next, *szx);
      next += bs;
    }
    if (e) break;
    if (w.n == 0) break;   /* past Size2 and still more: one at a time */
    uint64_t at = w.req[w.head].offset;
    coapx_block got;
    e = take_head(&w);
    if (!e) e = coapx_xfer_check_block(x, ref, at, *szx, &got);
    if (!e) e = coapx_xfer_sink_data(x, at);
    if (e) break;
    *offset = at + x->resp.payload.len;
    *more = got.more;
    if (got.szx != *szx) {
      /* The server shrank the block: the numbers asked for ahead are of
       * the old size. Go on one at a time from here. */
      *szx = got.szx;
      break;
    }
  }
  drop_all(&w);
  coap_session_set_nstart(s, nstart);
  return e;
}
