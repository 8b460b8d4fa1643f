#include "load_run.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "oscore_protect.h"
#include "store.h"

#define MAX_OPTS 48
#define DGRAM_MAX 1500
#define TOKEN_LEN 8
#define RECV_BATCH 64
/* RFC 7252 §4.4: a message ID must not be reused within EXCHANGE_LIFETIME.
 * Servers that deduplicate (aiocoap) would answer a reused one from their
 * cache, so a socket that has used this many moves to a fresh source port
 * (a new endpoint for the server) before its IDs wrap. */
#define MID_ROTATE 60000ul
#define SCAN_NS 5000000ull

enum { T_CON = 0, T_NON = 1, T_ACK = 2, T_RST = 3 };

typedef struct {
  int fd;                      /* -1: unused pool entry */
  uint16_t next_mid;
  unsigned long used;          /* message IDs used on this port */
  unsigned inflight;
} lsock;

typedef struct {
  bool busy;
  bool with_echo;
  uint16_t mid;
  uint32_t gen;                /* second half of the token */
  size_t sock;                 /* pool index */
  size_t ctx;
  uint64_t t0;
  oscore_request_id rid;
} slot;

typedef struct {
  const load_setup *s;
  load_result *r;
  lsock *pool;                 /* 2 * S entries */
  size_t *cur;                 /* S indices into pool: the ports in use */
  size_t n_cur, next_cur;
  slot *slots;
  unsigned *free_list;
  unsigned n_free;
  unsigned inflight;
  unsigned k;
  uint32_t gen;
  size_t next_ctx;
  /* What may still be started: |n| requests in all, before |deadline|. */
  unsigned long n, issued;
  uint64_t deadline;
  bool blocked;                /* the last send found the socket full */
  oscore_opt opts[MAX_OPTS], outer_opts[MAX_OPTS];
  oscore_opt in_opts[MAX_OPTS], inner_opts[MAX_OPTS];
  /* The core builds the plaintext and seals it behind itself. */
  uint8_t pbuf[2 * DGRAM_MAX + 256];
  uint8_t ubuf[DGRAM_MAX + 64];
  uint8_t tx[DGRAM_MAX];
  uint8_t rx[DGRAM_MAX + 1];
} engine;

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static bool pool_open(engine *e, size_t i) {
  int fd = load_net_socket(e->s->target);
  if (fd < 0) return false;
  uint16_t mid;
  /* A random first ID, so that consecutive runs against one server do not
   * start at the same IDs from a recycled port. */
  if (getentropy(&mid, sizeof mid) != 0) mid = (uint16_t)(i * 7919u);
  e->pool[i] = (lsock){ .fd = fd, .next_mid = mid };
  return true;
}

static void pool_close(engine *e, size_t i) {
  if (e->pool[i].fd >= 0) close(e->pool[i].fd);
  e->pool[i] = (lsock){ .fd = -1 };
}

static bool is_current(const engine *e, size_t p) {
  for (size_t i = 0; i < e->n_cur; i++)
    if (e->cur[i] == p) return true;
  return false;
}

/* The port for the next request; a worn one (MID_ROTATE) is replaced when
 * a pool entry is free, and closed once its last answer is in. */
static size_t pick_sock(engine *e) {
  size_t i = e->next_cur++ % e->n_cur;
  lsock *so = &e->pool[e->cur[i]];
  if (so->used >= MID_ROTATE) {
    for (size_t p = 0; p < 2 * e->n_cur; p++) {
      if (e->pool[p].fd >= 0) continue;
      if (!pool_open(e, p)) break;
      size_t old = e->cur[i];
      e->cur[i] = p;
      if (e->pool[old].inflight == 0) pool_close(e, old);
      break;
    }
  }
  return e->cur[i];
}

static void release(engine *e, unsigned idx) {
  slot *sl = &e->slots[idx];
  if (!sl->busy) return;
  sl->busy = false;
  lsock *so = &e->pool[sl->sock];
  so->inflight--;
  if (so->inflight == 0 && !is_current(e, sl->sock)) pool_close(e, sl->sock);
  e->inflight--;
  e->free_list[e->n_free++] = idx;
}

static void note_code(load_result *r, uint8_t code) {
  if (!r->first_error_code) r->first_error_code = code;
  switch (code >> 5) {
  case 4: r->code_4xx++; break;
  case 5: r->code_5xx++; break;
  default: r->code_other++; break;
  }
}

typedef enum { SENT, WOULD_BLOCK, FAILED } send_res;

/* Build, protect and send the request of slot |idx| (its ctx is set). */
static send_res send_req(engine *e, unsigned idx) {
  const load_setup *s = e->s;
  slot *sl = &e->slots[idx];
  load_ctx *c = &s->ctxs[sl->ctx];
  oscore_msg m;
  oscore_msg_init(&m, e->opts, MAX_OPTS);
  m.code = s->tmpl->code;
  for (size_t i = 0; i < s->tmpl->n_opts && i < MAX_OPTS; i++)
    m.opts[m.n_opts++] = s->tmpl->opts[i];
  m.payload = s->tmpl->payload;
  sl->with_echo = c->echo_len > 0;
  if (sl->with_echo &&
      oscore_msg_add_opt(&m, OSCORE_OPT_ECHO,
                         OSCORE_BYTES(c->echo, c->echo_len)) != OSCORE_OK)
    return FAILED;

  oscore_msg wire = m;
  if (c->sc) {
    /* Appendix B.1.1: a number is only used after its reservation is on
     * disk; the store writes sequence.json every few thousand numbers. */
    store_diag diag = { .msg = "" };
    if (store_context_prepare_send(c->sc, &diag) != STORE_OK) return FAILED;
    oscore_msg_init(&wire, e->outer_opts, MAX_OPTS);
    if (oscore_protect_request(store_context_oscore(c->sc), &m, &wire, e->pbuf,
                               sizeof e->pbuf, &sl->rid) != OSCORE_OK)
      return FAILED;
  }
  size_t p = pick_sock(e);
  lsock *so = &e->pool[p];
  oscore_datagram d = { .type = s->non ? T_NON : T_CON, .mid = so->next_mid,
                        .token_len = TOKEN_LEN, .msg = wire };
  sl->gen = ++e->gen;
  put32(d.token, idx);
  put32(d.token + 4, sl->gen);
  size_t len;
  if (oscore_datagram_encode(&d, e->tx, sizeof e->tx, &len) != OSCORE_OK)
    return FAILED;
  if (send(so->fd, e->tx, len, 0) < 0) {
    /* A full socket buffer: try again later (under OSCORE with a new
     * number; the unused one is simply skipped, which is allowed). */
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
      return WOULD_BLOCK;
    if (errno == ECONNREFUSED) e->r->reset++;
    return FAILED;
  }
  so->next_mid++;
  so->used++;
  so->inflight++;
  sl->busy = true;
  sl->mid = d.mid;
  sl->sock = p;
  e->inflight++;
  e->r->sent++;
  return SENT;
}

/* Start a request for the next context in a free slot. */
static send_res start_one(engine *e, uint64_t now) {
  unsigned idx = e->free_list[e->n_free - 1];
  slot *sl = &e->slots[idx];
  sl->ctx = e->next_ctx;
  sl->t0 = now;
  send_res sr = send_req(e, idx);
  if (sr == SENT) {
    e->n_free--;
    e->next_ctx = (e->next_ctx + 1) % e->s->n_ctxs;
  }
  return sr;
}

static bool may_send(const engine *e, uint64_t now) {
  return e->issued < e->n && now < e->deadline &&
         !(e->s->stop && *e->s->stop);
}

/* Fill free slots. Called after every answer, not only once per round:
 * a new request goes out while the server still works on the others, so
 * both sides run at once instead of taking turns batch by batch. */
static void refill(engine *e, uint64_t now) {
  e->blocked = false;
  while (e->n_free && may_send(e, now)) {
    send_res sr = start_one(e, now);
    if (sr == WOULD_BLOCK) {
      e->blocked = true;
      return;
    }
    e->issued++;   /* a failed one counts too, or a dead target loops */
    if (sr == FAILED) e->r->send_failed++;
  }
}

static void send_empty(engine *e, size_t p, uint8_t type, uint16_t mid) {
  uint8_t b[4] = { (uint8_t)(1u << 6 | (unsigned)type << 4), 0,
                   (uint8_t)(mid >> 8), (uint8_t)mid };
  (void)!send(e->pool[p].fd, b, sizeof b, 0);
}

static void finish(engine *e, unsigned idx, const oscore_msg *outer,
                   uint64_t now) {
  slot *sl = &e->slots[idx];
  load_ctx *c = &e->s->ctxs[sl->ctx];
  load_result *r = e->r;
  const oscore_msg *resp = outer;
  oscore_msg inner;
  if (c->sc) {
    if (!oscore_msg_find_opt(outer, OSCORE_OPT_OSCORE)) {
      /* The server's OSCORE layer refused (§8.2) or it speaks none. */
      r->unprotected++;
      if (!r->first_error_code) r->first_error_code = outer->code;
      release(e, idx);
      return;
    }
    oscore_msg_init(&inner, e->inner_opts, MAX_OPTS);
    oscore_response_info info;
    if (oscore_unprotect_response(store_context_oscore(c->sc), &sl->rid, outer,
                                  &inner, e->ubuf, sizeof e->ubuf, &info) !=
        OSCORE_OK) {
      r->verify_failed++;
      release(e, idx);
      return;
    }
    resp = &inner;
  }
  if ((resp->code >> 5) == 2) {
    r->ok++;
    load_lat_add(&r->lat, now - sl->t0);
    c->echo_len = 0;
    const oscore_opt *b2 = oscore_msg_find_opt(resp, OSCORE_OPT_BLOCK2);
    if (b2 && b2->value.len && (b2->value.ptr[b2->value.len - 1] & 0x08))
      r->blockwise = true;
    release(e, idx);
    return;
  }
  const oscore_opt *echo = oscore_msg_find_opt(resp, OSCORE_OPT_ECHO);
  if (resp->code == OSCORE_CODE(4, 1) && echo && !sl->with_echo &&
      echo->value.len > 0 && echo->value.len <= LOAD_ECHO_MAX) {
    /* Appendix B.1.2: the server does not know our numbers yet (fresh
     * start); or, plain, RFC 9175 §2.4: the server wants our address
     * proven before it sends more than 3x what we sent. The same request
     * again with its Echo, in the same slot. */
    memcpy(c->echo, echo->value.ptr, echo->value.len);
    c->echo_len = echo->value.len;
    r->echo_retries++;
    uint64_t t0 = sl->t0;
    size_t ctx = sl->ctx;
    release(e, idx);
    e->n_free--;   /* the slot stays taken: it is the top of the stack */
    sl->ctx = ctx;
    sl->t0 = t0;
    if (send_req(e, idx) != SENT) {
      r->send_failed++;
      e->free_list[e->n_free++] = idx;
    }
    return;
  }
  note_code(r, resp->code);
  release(e, idx);
}

static void on_datagram(engine *e, size_t p, size_t len, uint64_t now) {
  oscore_datagram d;
  oscore_msg_init(&d.msg, e->in_opts, MAX_OPTS);
  if (oscore_datagram_decode(OSCORE_BYTES(e->rx, len), &d) != OSCORE_OK) {
    e->r->stray++;
    return;
  }
  if (d.type == T_RST) {
    for (unsigned i = 0; i < e->k; i++)
      if (e->slots[i].busy && e->slots[i].sock == p &&
          e->slots[i].mid == d.mid) {
        e->r->reset++;
        release(e, i);
        return;
      }
    e->r->stray++;
    return;
  }
  if (d.msg.code == 0) {
    /* An empty ACK: a separate response follows. An empty CON (ping) gets
     * an RST, RFC 7252 §4.3. */
    if (d.type == T_CON) send_empty(e, p, T_RST, d.mid);
    return;
  }
  if (d.type == T_CON) send_empty(e, p, T_ACK, d.mid);
  if (d.token_len != TOKEN_LEN) {
    e->r->stray++;
    return;
  }
  uint32_t idx = get32(d.token), gen = get32(d.token + 4);
  if (idx >= e->k || !e->slots[idx].busy || e->slots[idx].gen != gen ||
      e->slots[idx].sock != p ||
      (d.type == T_ACK && e->slots[idx].mid != d.mid)) {
    e->r->stray++;
    return;
  }
  finish(e, idx, &d.msg, now);
}

/* ICMP port unreachable, reported on the next call on the socket: the
 * oldest request on it is the likeliest victim. */
static void on_refused(engine *e, size_t p) {
  unsigned victim = e->k;
  for (unsigned i = 0; i < e->k; i++)
    if (e->slots[i].busy && e->slots[i].sock == p &&
        (victim == e->k || e->slots[i].t0 < e->slots[victim].t0))
      victim = i;
  if (victim < e->k) {
    e->r->reset++;
    release(e, victim);
  }
}

static void receive(engine *e, uint64_t now) {
  for (size_t p = 0; p < 2 * e->n_cur; p++) {
    for (int b = 0; b < RECV_BATCH && e->pool[p].fd >= 0; b++) {
      ssize_t n = recv(e->pool[p].fd, e->rx, sizeof e->rx, 0);
      if (n < 0) {
        if (errno == ECONNREFUSED) {
          on_refused(e, p);
          continue;
        }
        break;
      }
      if ((size_t)n > DGRAM_MAX) {
        e->r->stray++;   /* truncated: not ours */
        continue;
      }
      /* The clock per answer: latencies are not rounded to the batch. */
      now = load_now_ns();
      on_datagram(e, p, (size_t)n, now);
      refill(e, now);
    }
  }
}

static void expire(engine *e, uint64_t now) {
  uint64_t limit = (uint64_t)e->s->timeout_ms * 1000000u;
  for (unsigned i = 0; i < e->k; i++)
    if (e->slots[i].busy && now - e->slots[i].t0 > limit) {
      e->r->lost++;
      release(e, i);
    }
}

static void engine_free(engine *e) {
  if (e->pool)
    for (size_t p = 0; p < 2 * e->n_cur; p++) pool_close(e, p);
  free(e->pool);
  free(e->cur);
  free(e->slots);
  free(e->free_list);
  /* The plaintexts are not secret, but no reason to leave them. */
  memset(e->pbuf, 0, sizeof e->pbuf);
  memset(e->ubuf, 0, sizeof e->ubuf);
  free(e);
}

bool load_run(const load_setup *s, unsigned long n, unsigned k,
              uint64_t deadline_ns, load_result *r, char *why, size_t why_cap) {
  if (!s || !s->n_ctxs || !k || !s->sockets ||
      s->sockets > LOAD_SOCKETS_MAX || !s->tmpl) {
    snprintf(why, why_cap, "nothing to run");
    return false;
  }
  engine *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(why, why_cap, "out of memory");
    return false;
  }
  e->s = s;
  e->r = r;
  e->k = k;
  e->n_cur = s->sockets;
  e->pool = calloc(2 * e->n_cur, sizeof *e->pool);
  e->cur = calloc(e->n_cur, sizeof *e->cur);
  e->slots = calloc(k, sizeof *e->slots);
  e->free_list = calloc(k, sizeof *e->free_list);
  if (!e->pool || !e->cur || !e->slots || !e->free_list) {
    snprintf(why, why_cap, "out of memory");
    engine_free(e);
    return false;
  }
  for (size_t p = 0; p < 2 * e->n_cur; p++) e->pool[p].fd = -1;
  for (size_t i = 0; i < e->n_cur; i++) {
    if (!pool_open(e, i)) {
      snprintf(why, why_cap, "UDP socket to %s: %s", s->target->text,
               strerror(errno));
      engine_free(e);
      return false;
    }
    e->cur[i] = i;
  }
  for (unsigned i = 0; i < k; i++) e->free_list[i] = k - 1 - i;
  e->n_free = k;
  if (getentropy(&e->gen, sizeof e->gen) != 0) e->gen = 1;

  struct pollfd pfd[2 * LOAD_SOCKETS_MAX];
  uint64_t start = load_now_ns(), next_scan = start + SCAN_NS;
  /* The run ends with its last answer: requests lost at the end must not
   * stretch the time the answered ones took. */
  uint64_t last = start;
  e->n = n;
  e->deadline = deadline_ns;
  for (;;) {
    uint64_t now = load_now_ns();
    refill(e, now);
    if (!may_send(e, now) && e->inflight == 0) break;
    if (now >= next_scan) {
      expire(e, now);
      next_scan = now + SCAN_NS;
    }
    if (e->inflight == 0 && !e->blocked) continue;

    size_t np = 0;
    for (size_t p = 0; p < 2 * e->n_cur; p++)
      if (e->pool[p].fd >= 0)
        pfd[np++] = (struct pollfd){ e->pool[p].fd, POLLIN, 0 };
    int pr = poll(pfd, (nfds_t)np, e->blocked ? 1 : 5);
    if (pr < 0 && errno != EINTR) {
      snprintf(why, why_cap, "poll: %s", strerror(errno));
      break;
    }
    if (pr > 0) {
      unsigned long before = r->ok + r->code_4xx + r->code_5xx;
      uint64_t t = load_now_ns();
      receive(e, t);
      if (r->ok + r->code_4xx + r->code_5xx != before) last = t;
    }
  }
  r->elapsed_ns = last > start ? last - start : load_now_ns() - start;
  engine_free(e);
  return true;
}
