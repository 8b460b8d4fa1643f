/* Loopback probe of the libcoap 4.3.1 behaviour the glue layer relies on.
 * Every assertion here is a fact written down in docs/DESIGN.md ("libcoap
 * 4.3.1: which call does what"); if a libcoap update changes one, this test
 * says which. The measured numbers are printed to stderr.
 *
 * The server is a libcoap context set up the way src/coap/coapx_server.c
 * sets it up; the client is either a raw UDP socket with hand-made datagrams
 * (to see exactly what libcoap puts on the wire) or a libcoap client session
 * (what the client engine uses). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <coap3/coap.h>
#include "coapx_pdu.h"
#include "unit.h"

/* ---- what the catch-all handler saw, and how it answers ---------------- */

typedef struct {
  int calls;
  uint8_t code;
  coap_pdu_type_t type;
  size_t max_pdu;
  coap_session_t *session;
  uint8_t opt_nums[32];
  uint8_t opt_vals[32][64];
  size_t opt_lens[32];
  size_t n_opts;
  uint8_t payload[2048];
  size_t payload_len;
} seen_t;

typedef struct {
  uint8_t code;              /* 0: leave the response empty */
  bool with_oscore;          /* add option 9 (value "\x09\x01") */
  bool with_observe;         /* add Observe 7 */
  size_t payload_len;        /* pattern payload */
  size_t added;              /* out: 1 when coap_add_data succeeded */
} answer_t;

static seen_t seen;
static answer_t answer;

static uint8_t pattern(size_t i) { return (uint8_t)(i * 7 + 3); }

static void catch_all(coap_resource_t *r, coap_session_t *s,
                      const coap_pdu_t *req, const coap_string_t *q,
                      coap_pdu_t *resp) {
  (void)r; (void)q;
  seen.calls++;
  seen.code = (uint8_t)coap_pdu_get_code(req);
  seen.type = coap_pdu_get_type(req);
  seen.max_pdu = coap_session_max_pdu_size(s);
  seen.session = s;
  oscore_opt opts[32];
  oscore_msg m;
  m.opts = opts; m.cap_opts = 32; m.n_opts = 0;
  if (coapx_pdu_read(req, &m) == COAPX_OK) {
    seen.n_opts = m.n_opts;
    for (size_t i = 0; i < m.n_opts; i++) {
      seen.opt_nums[i] = (uint8_t)m.opts[i].number;
      seen.opt_lens[i] = m.opts[i].value.len;
      memcpy(seen.opt_vals[i], m.opts[i].value.ptr,
             m.opts[i].value.len < 64 ? m.opts[i].value.len : 64);
    }
    seen.payload_len = m.payload.len < sizeof seen.payload
                           ? m.payload.len : sizeof seen.payload;
    if (m.payload.len) memcpy(seen.payload, m.payload.ptr, seen.payload_len);
  }
  if (!answer.code) return;
  coap_pdu_set_code(resp, (coap_pdu_code_t)answer.code);
  if (answer.with_observe) {
    uint8_t seven = 7;
    coap_add_option(resp, COAP_OPTION_OBSERVE, 1, &seven);
  }
  if (answer.with_oscore)
    coap_add_option(resp, COAP_OPTION_OSCORE, 2, (const uint8_t *)"\x09\x01");
  if (answer.payload_len) {
    uint8_t *buf = malloc(answer.payload_len);
    for (size_t i = 0; i < answer.payload_len; i++) buf[i] = pattern(i);
    answer.added = (size_t)coap_add_data(resp, answer.payload_len, buf);
    free(buf);
  }
}

static int explicit_calls;
static void explicit_handler(coap_resource_t *r, coap_session_t *s,
                             const coap_pdu_t *req, const coap_string_t *q,
                             coap_pdu_t *resp) {
  (void)r; (void)s; (void)req; (void)q;
  explicit_calls++;
  coap_pdu_set_code(resp, COAP_RESPONSE_CODE(205));
  coap_add_data(resp, 3, (const uint8_t *)"wkc");
}

static int nack_rst, nack_other;
static coap_mid_t nack_mid;
static void on_nack(coap_session_t *s, const coap_pdu_t *sent,
                    const coap_nack_reason_t reason, const coap_mid_t mid) {
  (void)s; (void)sent;
  if (reason == COAP_NACK_RST) nack_rst++; else nack_other++;
  nack_mid = mid;
}

/* ---- hand-made datagrams (RFC 7252 §3), independent of our codecs ------- */

typedef struct { uint16_t num; const uint8_t *val; size_t len; } raw_opt;

static size_t put_ext(uint8_t *p, size_t v, uint8_t *nib) {
  if (v < 13) { *nib = (uint8_t)v; return 0; }
  if (v < 269) { *nib = 13; p[0] = (uint8_t)(v - 13); return 1; }
  *nib = 14; p[0] = (uint8_t)((v - 269) >> 8); p[1] = (uint8_t)(v - 269);
  return 2;
}

static size_t encode(uint8_t *out, int type, uint8_t code, uint16_t mid,
                     const uint8_t *tok, size_t tok_len, const raw_opt *opts,
                     size_t n, const uint8_t *pl, size_t pl_len) {
  size_t k = 0;
  out[k++] = (uint8_t)(0x40 | (type << 4) | tok_len);
  out[k++] = code;
  out[k++] = (uint8_t)(mid >> 8);
  out[k++] = (uint8_t)mid;
  memcpy(out + k, tok, tok_len); k += tok_len;
  uint16_t last = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t ext[4], dn, ln;
    size_t e1 = put_ext(ext, opts[i].num - last, &dn);
    size_t e2 = put_ext(ext + e1, opts[i].len, &ln);
    out[k++] = (uint8_t)(dn << 4 | ln);
    memcpy(out + k, ext, e1 + e2); k += e1 + e2;
    memcpy(out + k, opts[i].val, opts[i].len); k += opts[i].len;
    last = opts[i].num;
  }
  if (pl_len) { out[k++] = 0xff; memcpy(out + k, pl, pl_len); k += pl_len; }
  return k;
}

/* A received datagram, parsed by libcoap (public coap_pdu_parse) and read
 * with coapx_pdu_read, which is part of what is under test. */
typedef struct {
  size_t len;
  uint8_t bytes[2048];
  coap_pdu_t *pdu;
  oscore_opt opts[32];
  oscore_msg m;
} rx_t;

static void rx_free(rx_t *rx) {
  if (rx->pdu) coap_delete_pdu(rx->pdu);
  rx->pdu = NULL;
}

static bool rx_parse(rx_t *rx) {
  rx->pdu = coap_pdu_init(0, 0, 0, sizeof rx->bytes);
  if (!rx->pdu || !coap_pdu_parse(COAP_PROTO_UDP, rx->bytes, rx->len, rx->pdu))
    return false;
  rx->m.opts = rx->opts; rx->m.cap_opts = 32; rx->m.n_opts = 0;
  return coapx_pdu_read(rx->pdu, &rx->m) == COAPX_OK;
}

static const oscore_opt *rx_opt(const rx_t *rx, uint16_t num) {
  for (size_t i = 0; i < rx->m.n_opts; i++)
    if (rx->m.opts[i].number == num) return &rx->m.opts[i];
  return NULL;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static coap_context_t *srv;
static int raw_fd = -1;

/* Send |d| from the raw socket and pump the server until an answer comes or
 * |wait_ms| passed. Returns true with |rx| filled when something came. */
static bool exchange(const uint8_t *d, size_t len, rx_t *rx, int wait_ms) {
  rx->len = 0; rx->pdu = NULL;
  if (send(raw_fd, d, len, 0) != (ssize_t)len) return false;
  long end = now_ms() + wait_ms;
  while (now_ms() < end) {
    coap_io_process(srv, 20);
    struct pollfd p = { raw_fd, POLLIN, 0 };
    if (poll(&p, 1, 0) == 1) {
      ssize_t n = recv(raw_fd, rx->bytes, sizeof rx->bytes, 0);
      if (n > 0) { rx->len = (size_t)n; return rx_parse(rx); }
    }
  }
  return false;
}

static const uint8_t TOK[4] = { 0xa1, 0xb2, 0xc3, 0xd4 };
/* An OSCORE option value as a real request carries: flags (PIV length 1,
 * kid present), PIV 0x14, kid 0x00 (RFC 8613 C.4-like). */
static const uint8_t OSC[3] = { 0x09, 0x14, 0x00 };

static void test_option9_needs_registration(void) {
  uint8_t d[64];
  raw_opt o[] = { { 9, OSC, 3 } };
  size_t n = encode(d, 0, 0x02, 0x1001, TOK, 4, o, 1, (const uint8_t *)"ct", 2);
  rx_t rx;
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x44 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(rx.m.code, 0x82);        /* 4.02 Bad Option, from libcoap */
  CHECK_EQ_INT(seen.calls, 0);
  fprintf(stderr, "fact: unregistered option 9 -> %u.%02u by libcoap, "
          "handler calls %d\n", rx.m.code >> 5, rx.m.code & 31, seen.calls);
  rx_free(&rx);
}

static void test_post_fetch_reach_catch_all(void) {
  static const uint8_t body[5] = { 0x01, 0xff, 0x00, 0x09, 0x42 };
  const uint8_t methods[2] = { 0x02, 0x05 };    /* POST, FETCH */
  for (int i = 0; i < 2; i++) {
    uint8_t d[64];
    raw_opt o[] = { { 9, OSC, 3 } };
    uint16_t mid = (uint16_t)(0x2000 + i);
    size_t n = encode(d, 0, methods[i], mid, TOK, 4, o, 1, body, 5);
    rx_t rx;
    memset(&seen, 0, sizeof seen);
    answer = (answer_t){ .code = 0x44, .with_oscore = true, .payload_len = 40 };
    CHECK(exchange(d, n, &rx, 1000));
    CHECK_EQ_INT(seen.calls, 1);
    CHECK_EQ_INT(seen.code, methods[i]);
    CHECK_EQ_INT(seen.n_opts, 1);
    CHECK_EQ_INT(seen.opt_nums[0], 9);
    CHECK_MEM(seen.opt_vals[0], seen.opt_lens[0], OSC, 3);
    CHECK_MEM(seen.payload, seen.payload_len, body, 5);
    /* Piggybacked: the answer is the ACK itself, same MID and token. */
    CHECK_EQ_INT(coap_pdu_get_type(rx.pdu), COAP_MESSAGE_ACK);
    CHECK_EQ_INT(coap_pdu_get_mid(rx.pdu), mid);
    coap_bin_const_t t = coap_pdu_get_token(rx.pdu);
    CHECK_MEM(t.s, t.length, TOK, 4);
    CHECK_EQ_INT(rx.m.code, 0x44);
    const oscore_opt *o9 = rx_opt(&rx, 9);
    CHECK(o9 && o9->value.len == 2 && memcmp(o9->value.ptr, "\x09\x01", 2) == 0);
    CHECK_EQ_INT(rx.m.payload.len, 40);
    bool same = rx.m.payload.len == 40;
    for (size_t k = 0; same && k < 40; k++) same = rx.m.payload.ptr[k] == pattern(k);
    CHECK(same);
    rx_free(&rx);
  }
  fprintf(stderr, "fact: POST and FETCH with option 9, no Uri-Path -> "
          "catch-all handler; 2.04 + option 9 + payload piggybacked in ACK\n");
}

static void test_get_with_option9_reaches_handler(void) {
  uint8_t d[64];
  raw_opt o[] = { { 9, OSC, 3 } };
  size_t n = encode(d, 0, 0x01, 0x2100, TOK, 4, o, 1, NULL, 0);
  rx_t rx;
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0xa5 };         /* what our gate answers */
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(seen.calls, 1);                 /* libcoap leaves 4.05 to us */
  CHECK_EQ_INT(rx.m.code, 0xa5);
  rx_free(&rx);
}

static void test_retransmission_not_deduplicated(void) {
  uint8_t d[64];
  raw_opt o[] = { { 9, OSC, 3 } };
  size_t n = encode(d, 0, 0x02, 0x3000, TOK, 4, o, 1, (const uint8_t *)"x", 1);
  rx_t a, b;
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x44, .payload_len = 3 };
  CHECK(exchange(d, n, &a, 1000));
  CHECK(exchange(d, n, &b, 1000));
  /* libcoap 4.3.1 calls the handler again for the same (peer, MID): the
   * dispatcher's own retransmission cache is what answers retransmissions. */
  CHECK_EQ_INT(seen.calls, 2);
  CHECK_EQ_INT(coap_pdu_get_type(b.pdu), COAP_MESSAGE_ACK);
  fprintf(stderr, "fact: same CON datagram twice -> handler called %d times\n",
          seen.calls);
  rx_free(&a); rx_free(&b);
}

static void test_blockwise_stays_out(void) {
  /* Outer Block1 (NUM 0, M=1, SZX 6) on a POST with a 1024-byte body: with
   * COAP_BLOCK_USE_LIBCOAP unset libcoap neither answers 2.31 Continue nor
   * waits for the rest; the handler gets the block as it came. */
  static uint8_t body[1024];
  for (size_t i = 0; i < sizeof body; i++) body[i] = pattern(i);
  uint8_t b1 = 0x0e;
  uint8_t d[1200];
  raw_opt o[] = { { 9, OSC, 3 }, { 27, &b1, 1 } };
  size_t n = encode(d, 0, 0x02, 0x4000, TOK, 4, o, 2, body, sizeof body);
  rx_t rx;
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x44, .payload_len = 5 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(seen.calls, 1);
  CHECK_EQ_INT(seen.n_opts, 2);
  CHECK_EQ_INT(seen.opt_nums[1], 27);
  CHECK_EQ_INT(seen.payload_len, 1024);
  CHECK_MEM(seen.payload, seen.payload_len, body, sizeof body);
  CHECK_EQ_INT(rx.m.code, 0x44);
  CHECK(rx_opt(&rx, 27) == NULL && rx_opt(&rx, 23) == NULL);
  rx_free(&rx);

  /* Outer Block2 NUM 2 in a GET: passed through; a response larger than one
   * block is sent whole, libcoap adds no Block2 of its own. */
  uint8_t b2 = 0x26;
  raw_opt o2[] = { { 23, &b2, 1 } };
  n = encode(d, 0, 0x01, 0x4001, TOK, 4, o2, 1, NULL, 0);
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x45, .payload_len = 1100 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(seen.calls, 1);
  CHECK(seen.n_opts == 1 && seen.opt_nums[0] == 23 && seen.opt_vals[0][0] == 0x26);
  CHECK_EQ_INT(answer.added, 1);
  CHECK_EQ_INT(rx.m.code, 0x45);
  CHECK(rx_opt(&rx, 23) == NULL);
  CHECK_EQ_INT(rx.m.payload.len, 1100);
  rx_free(&rx);
}

/* Largest payload the handler can add to a 2.04 with an option 9 of 2 bytes
 * (binary search over coap_add_data results, one request per probe). */
static size_t largest_payload(uint16_t mid_base) {
  size_t lo = 0, hi = 1600;
  int round = 0;
  while (lo < hi && round++ < 16) {
    size_t mid = (lo + hi + 1) / 2;
    uint8_t d[64];
    raw_opt o[] = { { 9, OSC, 3 } };
    size_t n = encode(d, 0, 0x02, (uint16_t)(mid_base + round), TOK, 4, o, 1,
                      (const uint8_t *)"p", 1);
    rx_t rx;
    answer = (answer_t){ .code = 0x44, .with_oscore = true, .payload_len = mid };
    bool got = exchange(d, n, &rx, 1000);
    bool ok = got && answer.added && rx.m.payload.len == mid;
    rx_free(&rx);
    if (ok) lo = mid; else hi = mid - 1;
  }
  return lo;
}

static void test_pdu_size(coap_endpoint_t *ep) {
  memset(&seen, 0, sizeof seen);
  size_t lim_default = largest_payload(0x5000);
  size_t max_default = seen.max_pdu;
  fprintf(stderr, "fact: default session max PDU size %zu, largest 2.04 "
          "payload with token 4 + option 9 (2 bytes): %zu\n",
          max_default, lim_default);
  /* COAP_DEFAULT_MTU is 1152; libcoap's "max PDU size" leaves out the
   * 4-byte header, so the whole datagram is at most the MTU: 4 + token 4 +
   * option 9 (1 + 2) + payload marker + 1140 = 1152. */
  CHECK_EQ_INT(max_default, 1148);
  CHECK_EQ_INT(lim_default, 1140);

  /* The MTU bounds incoming datagrams too: one byte over is refused with
   * an RST and never reaches the handler. */
  static uint8_t body[1460];
  for (size_t i = 0; i < sizeof body; i++) body[i] = pattern(i);
  uint8_t d[1600];
  raw_opt o[] = { { 9, OSC, 3 } };
  /* 4 header + 4 token + 4 option + 1 marker + 1140 = 1153 bytes */
  size_t n = encode(d, 0, 0x02, 0x5200, TOK, 4, o, 1, body, 1140);
  rx_t rx;
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x44 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(n, 1153);
  CHECK_EQ_INT(seen.calls, 0);
  CHECK(rx.pdu && coap_pdu_get_type(rx.pdu) == COAP_MESSAGE_RST);
  fprintf(stderr, "fact: a %zu-byte request with the default MTU -> RST, "
          "handler calls %d\n", n, seen.calls);
  rx_free(&rx);

  /* The dispatcher sets 1472 on its endpoints, libcoap's receive buffer
   * (COAP_RXBUFFER_SIZE): requests up to that size are accepted (an OSCORE
   * PUT of a 1024-byte block with a long path and kid context exceeds
   * 1152), and our answers of a 1024-byte block plus OSCORE overhead fit. */
  coap_endpoint_set_default_mtu(ep, 1472);
  /* New sessions take the endpoint default; the raw socket's session
   * exists already, so use a fresh socket (new peer port). */
  close(raw_fd);
  raw_fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET };
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const char *s = coap_endpoint_str(ep);
  const char *colon = strrchr(s, ':');
  sa.sin_port = htons((uint16_t)atoi(colon + 1));
  CHECK(connect(raw_fd, (struct sockaddr *)&sa, sizeof sa) == 0);
  memset(&seen, 0, sizeof seen);
  size_t lim_1472 = largest_payload(0x5100);
  fprintf(stderr, "fact: with endpoint MTU 1472: max PDU size %zu, largest "
          "payload %zu\n", seen.max_pdu, lim_1472);
  CHECK_EQ_INT(seen.max_pdu, 1468);
  CHECK_EQ_INT(lim_1472, 1460);

  n = encode(d, 0, 0x02, 0x5201, TOK, 4, o, 1, body, 1459);
  CHECK_EQ_INT(n, 1472);
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x44 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(seen.calls, 1);
  CHECK_MEM(seen.payload, seen.payload_len, body, 1459);
  rx_free(&rx);

  /* Beyond 1472 bytes libcoap 4.3.1 reads a truncated datagram and hands
   * it on as if complete (the payload is cut short). Under OSCORE the AEAD
   * tag catches that; plain requests cannot tell. */
  n = encode(d, 0, 0x02, 0x5202, TOK, 4, o, 1, body, 1460);
  memset(&seen, 0, sizeof seen);
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(seen.calls, 1);
  CHECK_EQ_INT(seen.payload_len, 1459);
  fprintf(stderr, "fact: a %zu-byte datagram reaches the handler truncated "
          "to 1472 bytes (payload %zu of 1460)\n", n, seen.payload_len);
  rx_free(&rx);
}

static void test_observe_option_kept(void) {
  /* The catch-all resource is not observable for libcoap; an Observe the
   * handler adds itself must still go out (our observe is our own). */
  uint8_t d[64], zero = 0;
  raw_opt o[] = { { 6, &zero, 0 }, { 9, OSC, 3 } };
  size_t n = encode(d, 0, 0x05, 0x6000, TOK, 4, o, 2, (const uint8_t *)"c", 1);
  rx_t rx;
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x45, .with_oscore = true, .with_observe = true,
                       .payload_len = 4 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(seen.calls, 1);
  CHECK(seen.n_opts == 2 && seen.opt_nums[0] == 6);
  const oscore_opt *obs = rx_opt(&rx, 6);
  CHECK(obs && obs->value.len == 1 && obs->value.ptr[0] == 7);
  CHECK_EQ_INT(rx.m.code, 0x45);
  fprintf(stderr, "fact: Observe added by the handler of the unknown "
          "resource %s\n", obs ? "is sent" : "is DROPPED");
  rx_free(&rx);
}

static void test_non_and_empty(void) {
  uint8_t d[64];
  raw_opt o[] = { { 9, OSC, 3 } };
  rx_t rx;
  /* NON request, handler answers 2.04: a NON response goes out. */
  size_t n = encode(d, 1, 0x02, 0x7000, TOK, 4, o, 1, (const uint8_t *)"n", 1);
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x44, .payload_len = 2 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(seen.calls, 1);
  CHECK(rx.pdu && coap_pdu_get_type(rx.pdu) == COAP_MESSAGE_NON);
  CHECK_EQ_INT(rx.m.code, 0x44);
  rx_free(&rx);

  /* NON request, handler leaves the code 0: nothing is sent. */
  n = encode(d, 1, 0x02, 0x7001, TOK, 4, o, 1, (const uint8_t *)"n", 1);
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0 };
  CHECK(!exchange(d, n, &rx, 300));
  CHECK_EQ_INT(seen.calls, 1);
  rx_free(&rx);

  /* NON request, handler answers 4.01: libcoap sends it (silence for NON
   * errors is the dispatcher's decision, made by leaving the code 0). */
  n = encode(d, 1, 0x02, 0x7002, TOK, 4, o, 1, (const uint8_t *)"n", 1);
  answer = (answer_t){ .code = 0x81 };
  bool got = exchange(d, n, &rx, 300);
  fprintf(stderr, "fact: NON request answered 4.01 by the handler -> %s\n",
          got ? "sent as NON" : "suppressed by libcoap");
  CHECK(got && rx.m.code == 0x81);
  rx_free(&rx);

  /* CON request, handler leaves the code 0: an empty ACK. */
  n = encode(d, 0, 0x02, 0x7003, TOK, 4, o, 1, (const uint8_t *)"n", 1);
  answer = (answer_t){ .code = 0 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(rx.m.code, 0);
  CHECK(rx.pdu && coap_pdu_get_type(rx.pdu) == COAP_MESSAGE_ACK);
  rx_free(&rx);
}

static void test_well_known_core(void) {
  /* A plain GET /.well-known/core is answered by libcoap's built-in
   * handler, never reaching the catch-all; an explicit resource for the
   * path takes it over. */
  uint8_t d[64];
  raw_opt o[] = { { 11, (const uint8_t *)".well-known", 11 },
                  { 11, (const uint8_t *)"core", 4 } };
  size_t n = encode(d, 0, 0x01, 0x7100, TOK, 4, o, 2, NULL, 0);
  rx_t rx;
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x45, .payload_len = 1 };
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(seen.calls, 0);
  fprintf(stderr, "fact: GET /.well-known/core -> %u.%02u from libcoap, "
          "catch-all calls %d\n", rx.m.code >> 5, rx.m.code & 31, seen.calls);
  rx_free(&rx);

  coap_resource_t *wkc =
      coap_resource_init(coap_make_str_const(".well-known/core"), 0);
  coap_register_request_handler(wkc, COAP_REQUEST_GET, explicit_handler);
  coap_add_resource(srv, wkc);
  n = encode(d, 0, 0x01, 0x7101, TOK, 4, o, 2, NULL, 0);
  CHECK(exchange(d, n, &rx, 1000));
  CHECK_EQ_INT(explicit_calls, 1);
  CHECK_MEM(rx.m.payload.ptr, rx.m.payload.len, "wkc", 3);
  rx_free(&rx);
}

static void test_con_from_server_and_rst(void) {
  /* Notifications are sent with coap_send() on the session kept from the
   * registration; an RST to a CON one reaches the nack handler. */
  uint8_t d[64];
  raw_opt o[] = { { 9, OSC, 3 } };
  size_t n = encode(d, 0, 0x02, 0x7200, TOK, 4, o, 1, (const uint8_t *)"r", 1);
  rx_t rx;
  answer = (answer_t){ .code = 0x44 };
  memset(&seen, 0, sizeof seen);
  CHECK(exchange(d, n, &rx, 1000));
  rx_free(&rx);
  /* The session as the handler saw it; the dispatcher keeps it with
   * coap_session_reference() for as long as the observation lives. */
  coap_session_t *sess = seen.session;
  CHECK(sess != NULL);
  if (!sess) return;
  coap_pdu_t *note = coap_pdu_init(COAP_MESSAGE_CON, COAP_RESPONSE_CODE(205),
                                   coap_new_message_id(sess),
                                   coap_session_max_pdu_size(sess));
  coap_add_token(note, 4, TOK);
  uint8_t one = 1;
  coap_add_option(note, COAP_OPTION_OBSERVE, 1, &one);
  coap_add_option(note, COAP_OPTION_OSCORE, 2, (const uint8_t *)"\x01\x05");
  coap_add_data(note, 3, (const uint8_t *)"obs");
  coap_mid_t mid = coap_send(sess, note);
  CHECK(mid != COAP_INVALID_MID);
  long end = now_ms() + 1000;
  rx.len = 0; rx.pdu = NULL;
  while (now_ms() < end && !rx.len) {
    coap_io_process(srv, 20);
    struct pollfd p = { raw_fd, POLLIN, 0 };
    if (poll(&p, 1, 0) == 1) {
      ssize_t k = recv(raw_fd, rx.bytes, sizeof rx.bytes, 0);
      if (k > 0) rx.len = (size_t)k;
    }
  }
  CHECK(rx.len > 0 && rx_parse(&rx));
  if (!rx.pdu) return;
  CHECK_EQ_INT(coap_pdu_get_type(rx.pdu), COAP_MESSAGE_CON);
  CHECK_EQ_INT(coap_pdu_get_mid(rx.pdu), mid);
  CHECK(rx_opt(&rx, 6) && rx_opt(&rx, 9));
  uint16_t rmid = coap_pdu_get_mid(rx.pdu);
  rx_free(&rx);
  uint8_t rst[4] = { 0x70, 0x00, (uint8_t)(rmid >> 8), (uint8_t)rmid };
  nack_rst = nack_other = 0;
  CHECK(!exchange(rst, 4, &rx, 300));
  CHECK_EQ_INT(nack_rst, 1);
  CHECK_EQ_INT(nack_mid, mid);
  fprintf(stderr, "fact: RST to a CON sent with coap_send -> nack handler "
          "(COAP_NACK_RST) %d time(s)\n", nack_rst);
  rx_free(&rx);
}

/* ---- a libcoap client session, as the client engine uses it ----------- */

static int client_got;
static oscore_opt client_opts[32];
static oscore_msg client_msg;
static uint8_t client_payload[2048];
static uint8_t client_o9[16];

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent,
                                   const coap_pdu_t *rcv, const coap_mid_t id) {
  (void)s; (void)sent; (void)id;
  client_got++;
  client_msg.opts = client_opts; client_msg.cap_opts = 32;
  if (coapx_pdu_read(rcv, &client_msg) != COAPX_OK) return COAP_RESPONSE_FAIL;
  /* Values point into |rcv|, which libcoap frees after we return. */
  memcpy(client_payload, client_msg.payload.ptr, client_msg.payload.len);
  client_msg.payload.ptr = client_payload;
  for (size_t i = 0; i < client_msg.n_opts; i++)
    if (client_msg.opts[i].number == 9 && client_msg.opts[i].value.len <= 16) {
      memcpy(client_o9, client_msg.opts[i].value.ptr,
             client_msg.opts[i].value.len);
      client_msg.opts[i].value.ptr = client_o9;
    }
  return COAP_RESPONSE_OK;
}

static int client_exchange(coap_context_t *cli, coap_session_t *cs,
                           const oscore_msg *m) {
  client_got = 0;
  client_msg.n_opts = 0;
  coap_pdu_t *p = coap_pdu_init(COAP_MESSAGE_CON, 0, coap_new_message_id(cs),
                                coap_session_max_pdu_size(cs));
  coap_add_token(p, 4, TOK);
  if (coapx_pdu_write(p, m) != COAPX_OK) { coap_delete_pdu(p); return -1; }
  if (coap_send(cs, p) == COAP_INVALID_MID) return -1;
  long end = now_ms() + 1500;
  while (now_ms() < end && !client_got) {
    coap_io_process(srv, 10);
    coap_io_process(cli, 10);
  }
  return client_got;
}

static void test_client_session(uint16_t port) {
  coap_context_t *cli = coap_new_context(NULL);
  coap_context_set_block_mode(cli, 0);
  coap_register_response_handler(cli, on_response);
  coap_address_t dst;
  coap_address_init(&dst);
  dst.size = sizeof(struct sockaddr_in);
  dst.addr.sin.sin_family = AF_INET;
  dst.addr.sin.sin_port = htons(port);
  dst.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  coap_session_t *cs = coap_new_client_session(cli, NULL, &dst, COAP_PROTO_UDP);
  CHECK(cs != NULL);
  if (!cs) { coap_free_context(cli); return; }
  fprintf(stderr, "fact: client session max PDU size %zu\n",
          coap_session_max_pdu_size(cs));

  static uint8_t body[1100];
  for (size_t i = 0; i < sizeof body; i++) body[i] = (uint8_t)(i ^ 0x5a);
  oscore_opt o[2] = { { 9, OSCORE_BYTES(OSC, 3) } };
  oscore_msg m = { .code = 0x02, .opts = o, .n_opts = 1, .cap_opts = 2,
                   .payload = OSCORE_BYTES(body, 1000) };

  /* Without coap_register_option(cli, 9) a response carrying option 9 is
   * an unknown critical option for the client too. */
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x44, .with_oscore = true, .payload_len = 1050 };
  int got = client_exchange(cli, cs, &m);
  fprintf(stderr, "fact: client without option 9 registered: response "
          "handler called %d time(s)\n", got);
  CHECK_EQ_INT(seen.calls, 1);
  CHECK_MEM(seen.payload, seen.payload_len, body, 1000);

  coap_register_option(cli, COAP_OPTION_OSCORE);
  memset(&seen, 0, sizeof seen);
  got = client_exchange(cli, cs, &m);
  CHECK_EQ_INT(got, 1);
  CHECK_EQ_INT(client_msg.code, 0x44);
  CHECK(client_msg.n_opts == 1 && client_msg.opts[0].number == 9 &&
        client_msg.opts[0].value.len == 2 &&
        memcmp(client_msg.opts[0].value.ptr, "\x09\x01", 2) == 0);
  bool same = client_msg.payload.len == 1050;
  for (size_t k = 0; same && k < 1050; k++)
    same = client_msg.payload.ptr[k] == pattern(k);
  CHECK(same);

  /* The client session's MTU bounds what it accepts as well: a 1300-byte
   * response is refused at 1152 and taken whole after set_mtu(1472). */
  memset(&seen, 0, sizeof seen);
  answer = (answer_t){ .code = 0x44, .with_oscore = true, .payload_len = 1290 };
  m.payload = OSCORE_BYTES(body, 10);
  CHECK_EQ_INT(client_exchange(cli, cs, &m), 0);
  CHECK_EQ_INT(answer.added, 1);
  /* A fresh session, so that the refused request's retransmissions do not
   * mix with the next exchange. */
  coap_session_release(cs);
  cs = coap_new_client_session(cli, NULL, &dst, COAP_PROTO_UDP);
  CHECK(cs != NULL);
  if (!cs) { coap_free_context(cli); return; }
  coap_session_set_mtu(cs, 1472);
  CHECK_EQ_INT(coap_session_max_pdu_size(cs), 1468);
  m.payload = OSCORE_BYTES(body, sizeof body);
  CHECK_EQ_INT(client_exchange(cli, cs, &m), 1);
  CHECK_EQ_INT(client_msg.payload.len, 1290);
  CHECK_MEM(seen.payload, seen.payload_len, body, sizeof body);
  coap_session_release(cs);
  coap_free_context(cli);
}

int main(void) {
  coap_startup();
  coap_set_log_level(LOG_EMERG);
  srv = coap_new_context(NULL);
  CHECK(srv != NULL);
  coap_context_set_block_mode(srv, 0);
  coap_register_nack_handler(srv, on_nack);
  coap_resource_t *any = coap_resource_unknown_init2(catch_all, 0);
  const coap_request_t methods[] = {
    COAP_REQUEST_GET, COAP_REQUEST_POST, COAP_REQUEST_DELETE,
    COAP_REQUEST_FETCH, COAP_REQUEST_PATCH, COAP_REQUEST_IPATCH };
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    coap_register_request_handler(any, methods[i], catch_all);
  coap_add_resource(srv, any);

  coap_address_t a;
  coap_address_init(&a);
  a.size = sizeof(struct sockaddr_in);
  a.addr.sin.sin_family = AF_INET;
  a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  coap_endpoint_t *ep = coap_new_endpoint(srv, &a, COAP_PROTO_UDP);
  CHECK(ep != NULL);
  if (!ep) return unit_summary("test_libcoap_fit");
  /* The bound port is only visible through the endpoint's text form. */
  const char *s = coap_endpoint_str(ep);
  const char *colon = strrchr(s, ':');
  uint16_t port = colon ? (uint16_t)atoi(colon + 1) : 0;
  CHECK(port != 0);

  raw_fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(connect(raw_fd, (struct sockaddr *)&sa, sizeof sa) == 0);

  test_option9_needs_registration();
  coap_register_option(srv, COAP_OPTION_OSCORE);
  test_post_fetch_reach_catch_all();
  test_get_with_option9_reaches_handler();
  test_retransmission_not_deduplicated();
  test_blockwise_stays_out();
  test_observe_option_kept();
  test_non_and_empty();
  test_well_known_core();
  test_pdu_size(ep);
  test_con_from_server_and_rst();
  test_client_session(port);

  close(raw_fd);
  coap_free_context(srv);
  coap_cleanup();
  return unit_summary("test_libcoap_fit");
}
