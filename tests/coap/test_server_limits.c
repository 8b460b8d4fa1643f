/* Loopback tests of the dispatcher's bounds (issue 13): observation caps
 * in all and per peer host, the cap on libcoap's idle peer sessions, the
 * cap on TCP connections and what TCP changes (issue 18). Plain CoAP
 * only, from raw UDP and TCP sockets (one per simulated client) and a
 * libcoap client session over TCP. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <coap3/coap.h>
#include "coapx_server.h"
#include "oscore_msg.h"
#include "stream_testutil.h"
#include "unit.h"

static coapx_server *srv;
static uint16_t next_mid = 0x2000;
static int ends;

static coapx_observation *handles[16];
static size_t n_handles;
static coapx_obs_end last_end;

static void app_handler(const coapx_request *req, coapx_response *resp,
                        void *arg) {
  (void)arg;
  if (req->observation && !req->is_notification) {
    resp->observe = true;
    if (n_handles < 16) handles[n_handles++] = req->observation;
  }
  resp->msg.code = OSCORE_CODE(2, 5);
  const oscore_opt *p = oscore_msg_find_opt(req->msg, OSCORE_OPT_URI_PATH);
  bool big = p && p->value.len == 3 && memcmp(p->value.ptr, "big", 3) == 0;
  /* "grow": small when registering, big in notifications. */
  bool grow = p && p->value.len == 4 && memcmp(p->value.ptr, "grow", 4) == 0;
  if (big || (grow && req->is_notification)) {
    uint8_t *b = coapx_response_payload_space(resp, 600);
    if (b) memset(b, 'x', 600);
  } else {
    coapx_response_set_payload(resp, "hi", 2);
  }
}

static void on_end(coapx_observation *obs, coapx_obs_end why, void *arg) {
  (void)obs; (void)arg;
  ends++;
  last_end = why;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A UDP socket from |src| (an address in 127/8) to the server. */
static int client_socket(const char *src, uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in sa = { .sin_family = AF_INET };
  inet_pton(AF_INET, src, &sa.sin_addr);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* What the last exchange() saw. */
static struct {
  size_t req_len, ans_len;
  uint8_t code, type;
  bool observed;
  uint8_t echo[40];
  size_t echo_len;        /* 0: no Echo option */
} last;

/* GET /|path| (CON, or NON when |non|) with |observe| (-1: none), a
 * one-byte token |tok| and Echo |echo| (NULL: none); the answer into
 * |last|. false: no answer within 2 s. */
static bool exchange(int fd, const char *path, bool non, int observe,
                     uint8_t tok, const uint8_t *echo, size_t echo_len) {
  oscore_opt opts[4];
  oscore_datagram d = { .type = non ? 1 : 0, .mid = next_mid++,
                        .token_len = 1 };
  d.token[0] = tok;
  oscore_msg_init(&d.msg, opts, 4);
  d.msg.code = OSCORE_CODE(0, OSCORE_CODE_GET);
  uint8_t ov = (uint8_t)observe;
  if (observe >= 0)
    oscore_msg_add_opt(&d.msg, OSCORE_OPT_OBSERVE,
                       OSCORE_BYTES(&ov, observe ? 1 : 0));
  oscore_msg_add_opt(&d.msg, OSCORE_OPT_URI_PATH,
                     OSCORE_BYTES(path, strlen(path)));
  if (echo)
    oscore_msg_add_opt(&d.msg, OSCORE_OPT_ECHO, OSCORE_BYTES(echo, echo_len));
  uint8_t buf[2048];
  size_t n = 0;
  if (oscore_datagram_encode(&d, buf, sizeof buf, &n) != OSCORE_OK ||
      send(fd, buf, n, 0) != (ssize_t)n)
    return false;
  memset(&last, 0, sizeof last);
  last.req_len = n;
  long end = now_ms() + 2000;
  while (now_ms() < end) {
    coapx_server_run_once(srv, 10);
    struct pollfd p = { fd, POLLIN, 0 };
    if (poll(&p, 1, 0) != 1) continue;
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    oscore_opt aopts[8];
    oscore_datagram a;
    memset(&a, 0, sizeof a);
    oscore_msg_init(&a.msg, aopts, 8);
    if (r <= 0 ||
        oscore_datagram_decode(OSCORE_BYTES(buf, (size_t)r), &a) != OSCORE_OK)
      return false;
    if (non ? a.token[0] != tok : a.mid != d.mid) continue;
    last.ans_len = (size_t)r;
    last.code = a.msg.code;
    last.type = a.type;
    last.observed = oscore_msg_find_opt(&a.msg, OSCORE_OPT_OBSERVE) != NULL;
    const oscore_opt *e = oscore_msg_find_opt(&a.msg, OSCORE_OPT_ECHO);
    if (e && e->value.len <= sizeof last.echo) {
      memcpy(last.echo, e->value.ptr, e->value.len);
      last.echo_len = e->value.len;
    }
    return true;
  }
  return false;
}

/* CON GET /r with |observe| (-1: none) and token |tok|; whether the
 * answer carried Observe into |*observed|. false: no 2.05 answer. */
static bool get(int fd, int observe, uint8_t tok, bool *observed) {
  if (!exchange(fd, "r", false, observe, tok, NULL, 0)) return false;
  if (observed) *observed = last.observed;
  return last.code == OSCORE_CODE(2, 5);
}

static coapx_server *start(size_t max_obs, size_t per_peer,
                           unsigned max_idle) {
  const char *bind[] = { "127.0.0.1:0" };
  coapx_server_config cfg = {
    .bind = bind, .n_bind = 1, .handler = app_handler,
    .on_observe_end = on_end, .max_observers = max_obs,
    .max_observers_per_peer = per_peer, .max_idle_sessions = max_idle,
    /* Gives a silent peer up after 1 + 2 s (up to x1.5). */
    .ack_timeout_ms = 1000, .max_retransmit = 1,
  };
  coapx_server *s = NULL;
  return coapx_server_new(&cfg, &s) == COAPX_OK ? s : NULL;
}

/* At most 4 per host and 6 in all: the rest are answered once, without
 * Observe (RFC 7641 §4.1), and a slot freed is usable again. */
static void test_observer_caps(void) {
  srv = start(6, 4, 0);
  CHECK(srv != NULL);
  if (!srv) return;
  uint16_t port = coapx_server_port(srv, 0);
  int a = client_socket("127.0.0.1", port);
  int a2 = client_socket("127.0.0.1", port);   /* same host, other port */
  int b = client_socket("127.0.0.2", port);
  CHECK(a >= 0 && a2 >= 0 && b >= 0);
  bool obs = false;
  for (uint8_t t = 1; t <= 3; t++) {
    CHECK(get(a, 0, t, &obs));
    CHECK(obs);
  }
  CHECK(get(a2, 0, 1, &obs));
  CHECK(obs);                         /* 4th of the host */
  CHECK(get(a2, 0, 2, &obs));
  CHECK(!obs);                        /* 5th: answered, not observed */
  CHECK(get(a, 0, 9, &obs));
  CHECK(!obs);
  CHECK(get(b, 0, 1, &obs));
  CHECK(obs);
  CHECK(get(b, 0, 2, &obs));
  CHECK(obs);                         /* 6 in all */
  CHECK(get(b, 0, 3, &obs));
  CHECK(!obs);                        /* the total is reached */
  /* Re-registering on a token in use replaces, so it is admitted. */
  CHECK(get(b, 0, 2, &obs));
  CHECK(obs);
  /* A deregistration frees a slot of host A and of the total. */
  ends = 0;
  CHECK(get(a, 1, 1, &obs));
  CHECK(!obs);
  CHECK(ends == 1);
  CHECK(get(a2, 0, 3, &obs));
  CHECK(obs);
  coapx_server_free(srv);
  srv = NULL;
  close(a); close(a2); close(b);
}

/* 40 source ports, at most 8 idle sessions kept (issue 13: 60,000 ports
 * held 11 MB for 300 s). */
static void test_idle_sessions(void) {
  srv = start(0, 0, 8);
  CHECK(srv != NULL);
  if (!srv) return;
  uint16_t port = coapx_server_port(srv, 0);
  for (int i = 0; i < 40; i++) {
    int fd = client_socket("127.0.0.1", port);
    CHECK(fd >= 0 && get(fd, -1, 1, NULL));
    if (fd >= 0) close(fd);
  }
  fprintf(stderr, "sessions after 40 ports: %zu\n",
          coapx_server_sessions(srv));
  CHECK(coapx_server_sessions(srv) <= 9);
  CHECK(coapx_server_sessions(srv) >= 1);
  coapx_server_free(srv);
  srv = NULL;
}

/* An observer that never acknowledges (RFC 7641 §4.5): when the first CON
 * notification is given up, every observation of that peer ends and the
 * notifications queued behind it (NSTART 1) are dropped, not each tried
 * in turn (issue 13). */
static void test_silent_observer(void) {
  srv = start(0, 0, 0);
  CHECK(srv != NULL);
  if (!srv) return;
  int fd = client_socket("127.0.0.1", coapx_server_port(srv, 0));
  bool obs = false;
  n_handles = 0;
  for (uint8_t t = 1; t <= 5; t++) {
    CHECK(get(fd, 0, t, &obs));
    CHECK(obs);
  }
  CHECK_EQ_INT(n_handles, 5);
  ends = 0;
  for (size_t i = 0; i < n_handles; i++)
    CHECK_EQ_INT(coapx_server_notify(srv, handles[i]), COAPX_OK);
  /* Read (never acknowledge) for up to 10 s, until all five ended and
   * nothing came for a while. */
  uint16_t mids[64];
  size_t n_mids = 0, datagrams = 0;
  long end = now_ms() + 10000, quiet_since = now_ms();
  while (now_ms() < end && (ends < 5 || now_ms() - quiet_since < 700)) {
    coapx_server_run_once(srv, 10);
    uint8_t buf[512];
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r < 4) continue;
    quiet_since = now_ms();
    datagrams++;
    uint16_t mid = (uint16_t)(buf[2] << 8 | buf[3]);
    bool seen = false;
    for (size_t i = 0; i < n_mids; i++) seen = seen || mids[i] == mid;
    if (!seen && n_mids < 64) mids[n_mids++] = mid;
  }
  fprintf(stderr, "silent observer: %zu datagrams, %zu notifications, "
          "%d ended\n", datagrams, n_mids, ends);
  CHECK_EQ_INT(ends, 5);
  CHECK_EQ_INT(last_end, COAPX_OBS_END_FAILED);
  /* The first, and the second that libcoap releases from the queue just
   * before it reports the give-up; none of the other three. */
  CHECK(n_mids <= 2);
  CHECK(datagrams <= 3);
  for (size_t i = 0; i < n_handles; i++)
    CHECK_EQ_INT(coapx_server_notify(srv, handles[i]), COAPX_ERR_NOT_FOUND);
  close(fd);
  coapx_server_free(srv);
  srv = NULL;
}

/* RFC 9175 §2.4 (issue 13 item 5): to an address not proven, a plain
 * answer is at most 3 times the request; a bigger one is a 4.01 with an
 * Echo that only that address can use; once proven, answers are whole. */
static void test_amplification(void) {
  srv = start(0, 0, 0);
  CHECK(srv != NULL);
  if (!srv) return;
  uint16_t port = coapx_server_port(srv, 0);
  int a = client_socket("127.0.0.1", port);
  int b = client_socket("127.0.0.1", port);

  /* Small answers are not touched. */
  CHECK(exchange(a, "r", false, -1, 1, NULL, 0));
  CHECK_EQ_INT(last.code, OSCORE_CODE(2, 5));
  /* Big, CON and NON alike: 4.01 + Echo within 3x. */
  CHECK(exchange(a, "big", true, -1, 2, NULL, 0));
  CHECK_EQ_INT(last.code, OSCORE_CODE(4, 1));
  CHECK_EQ_INT(last.type, 1);
  CHECK(last.ans_len <= 3 * last.req_len);
  CHECK(exchange(a, "big", false, -1, 3, NULL, 0));
  CHECK_EQ_INT(last.code, OSCORE_CODE(4, 1));
  CHECK(last.ans_len <= 3 * last.req_len && last.echo_len > 0);
  uint8_t echo_a[40];
  size_t echo_a_len = last.echo_len;
  memcpy(echo_a, last.echo, echo_a_len);
  /* A's Echo does not prove B (another port), nor does a forged one. */
  CHECK(exchange(b, "big", false, -1, 4, echo_a, echo_a_len));
  CHECK_EQ_INT(last.code, OSCORE_CODE(4, 1));
  uint8_t forged[40];
  memcpy(forged, echo_a, echo_a_len);
  forged[echo_a_len - 1] ^= 1;
  CHECK(exchange(a, "big", false, -1, 5, forged, echo_a_len));
  CHECK_EQ_INT(last.code, OSCORE_CODE(4, 1));
  /* An observation of a big resource from A, unproven: not established. */
  n_handles = 0;
  CHECK(exchange(a, "big", false, 0, 6, NULL, 0));
  CHECK(last.code == OSCORE_CODE(4, 1) && !last.observed);
  CHECK_EQ_INT(n_handles, 1);        /* the application accepted... */
  CHECK(coapx_server_notify(srv, handles[0]) == COAPX_ERR_NOT_FOUND);
  /* With its own Echo, A gets the whole answer, and afterwards without. */
  CHECK(exchange(a, "big", false, -1, 7, echo_a, echo_a_len));
  CHECK_EQ_INT(last.code, OSCORE_CODE(2, 5));
  CHECK(last.ans_len > 600);
  CHECK(exchange(a, "big", true, -1, 8, NULL, 0));
  CHECK_EQ_INT(last.code, OSCORE_CODE(2, 5));

  /* B observes "grow": a small first answer is allowed, a big
   * notification to unproven B is not: it becomes the final 4.01 + Echo. */
  n_handles = 0;
  ends = 0;
  CHECK(exchange(b, "grow", false, 0, 9, NULL, 0));
  CHECK(last.code == OSCORE_CODE(2, 5) && last.observed);
  size_t reg_len = last.req_len;
  CHECK_EQ_INT(n_handles, 1);
  CHECK_EQ_INT(coapx_server_notify(srv, handles[0]), COAPX_OK);
  uint8_t buf[2048];
  ssize_t r = -1;
  long end = now_ms() + 2000;
  while (r < 0 && now_ms() < end) {
    coapx_server_run_once(srv, 10);
    r = recv(b, buf, sizeof buf, MSG_DONTWAIT);
  }
  CHECK(r > 0 && (size_t)r <= 3 * reg_len);
  CHECK(r > 1 && buf[1] == OSCORE_CODE(4, 1));
  CHECK_EQ_INT(ends, 1);
  close(a);
  close(b);
  coapx_server_free(srv);
  srv = NULL;
}

static bool closed_by_server(int fd, long ms) {
  return stream_closed_by_server(srv, fd, ms);
}

/* A flood of TCP connections cannot take more than max_stream_sessions
 * descriptors: 10 connections, 4 kept, 6 closed at once; a slot freed is
 * usable again. */
static void test_tcp_connection_cap(void) {
  const char *bind[] = { "coap+tcp://127.0.0.1:0" };
  coapx_server_config cfg = { .bind = bind, .n_bind = 1,
                              .handler = app_handler,
                              .max_stream_sessions = 4 };
  srv = NULL;
  CHECK_EQ_INT(coapx_server_new(&cfg, &srv), COAPX_OK);
  if (!srv) return;
  uint16_t port = coapx_server_port(srv, 0);
  CHECK(port != 0);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fds[10];
  for (int i = 0; i < 10; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fds[i] >= 0 &&
          connect(fds[i], (struct sockaddr *)&to, sizeof to) == 0);
    for (int k = 0; k < 5; k++) coapx_server_run_once(srv, 5);
  }
  int closed = 0, kept = -1;
  for (int i = 0; i < 10; i++) {
    if (closed_by_server(fds[i], 300)) {
      closed++;
    } else if (kept < 0) {
      kept = i;
    }
  }
  fprintf(stderr, "TCP connections closed by the server: %d of 10\n", closed);
  CHECK_EQ_INT(closed, 6);
  /* One kept connection goes: a new one is kept in its place. */
  if (kept >= 0) {
    close(fds[kept]);
    fds[kept] = -1;
    for (int k = 0; k < 40; k++) coapx_server_run_once(srv, 5);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof to) == 0);
    CHECK(!closed_by_server(fd, 300));
    close(fd);
  }
  for (int i = 0; i < 10; i++)
    if (fds[i] >= 0) close(fds[i]);
  coapx_server_free(srv);
  srv = NULL;
}

/* Our CSM's Max-Message-Size (1472) also bounds what libcoap 4.3.1 reads:
 * a longer message closes the connection, so a TCP peer cannot make it
 * buffer megabytes per connection. RFC 8323 framing by hand: an empty
 * CSM (7.01), then a 3000-byte PUT (Len 14: 16-bit extended length). */
static void test_tcp_message_size(void) {
  const char *bind[] = { "coap+tcp://127.0.0.1:0" };
  coapx_server_config cfg = { .bind = bind, .n_bind = 1,
                              .handler = app_handler };
  srv = NULL;
  CHECK_EQ_INT(coapx_server_new(&cfg, &srv), COAPX_OK);
  if (!srv) return;
  struct sockaddr_in to = { .sin_family = AF_INET,
                            .sin_port = htons(coapx_server_port(srv, 0)) };
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof to) == 0);
  static uint8_t msg[3100];
  size_t body = 1 + 3000;                      /* 0xFF + payload */
  size_t n = 0;
  msg[n++] = 0x00; msg[n++] = 0xE1;            /* CSM, no token */
  msg[n++] = 0xE0;                             /* Len 14, no token */
  msg[n++] = (uint8_t)((body - 269) >> 8);
  msg[n++] = (uint8_t)(body - 269);
  msg[n++] = 0x03;                             /* PUT */
  msg[n++] = 0xFF;
  memset(msg + n, 'x', 3000);
  n += 3000;
  for (int k = 0; k < 10; k++) coapx_server_run_once(srv, 5);
  CHECK(send(fd, msg, n, MSG_NOSIGNAL) == (ssize_t)n);
  CHECK(closed_by_server(fd, 1000));
  close(fd);
  coapx_server_free(srv);
  srv = NULL;
}

/* ---- a libcoap client over TCP (RFC 8323) ----------------------------- */

static int tcp_answers;
static uint8_t tcp_code;
static size_t tcp_payload;
static bool tcp_observe;

static coap_response_t on_tcp_response(coap_session_t *s, const coap_pdu_t *sent,
                                       const coap_pdu_t *rcvd,
                                       const coap_mid_t id) {
  (void)s; (void)sent; (void)id;
  tcp_answers++;
  tcp_code = (uint8_t)coap_pdu_get_code(rcvd);
  size_t len = 0;
  const uint8_t *data = NULL;
  coap_get_data(rcvd, &len, &data);
  tcp_payload = len;
  coap_opt_iterator_t it;
  tcp_observe = coap_check_option(rcvd, COAP_OPTION_OBSERVE, &it) != NULL;
  return COAP_RESPONSE_OK;
}

/* GET /|path| (Observe 0 when |observe|) with token |tok| on |cs|; true
 * when an answer came within 2 s. */
static bool tcp_get(coap_context_t *cli, coap_session_t *cs, const char *path,
                    bool observe, uint8_t tok) {
  coap_pdu_t *p = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET,
                                coap_new_message_id(cs),
                                coap_session_max_pdu_size(cs));
  if (!p) return false;
  coap_add_token(p, 1, &tok);
  if (observe) coap_add_option(p, COAP_OPTION_OBSERVE, 0, NULL);
  coap_add_option(p, COAP_OPTION_URI_PATH, strlen(path),
                  (const uint8_t *)path);
  int before = tcp_answers;
  if (coap_send(cs, p) == COAP_INVALID_MID) return false;
  long end = now_ms() + 2000;
  while (now_ms() < end && tcp_answers == before) {
    coapx_server_run_once(srv, 5);
    coap_io_process(cli, 5);
  }
  return tcp_answers > before;
}

/* On TCP: every request is answered by the application (no message IDs,
 * so no retransmission cache: all of them have ID 0), a big answer to a
 * small request goes out whole (the handshake proved the address, no
 * Echo), a notification arrives, and the client closing its connection
 * ends its observation (nothing else would tell). */
static void test_tcp_session(void) {
  const char *bind[] = { "coap+tcp://127.0.0.1:0" };
  coapx_server_config cfg = { .bind = bind, .n_bind = 1,
                              .handler = app_handler,
                              .on_observe_end = on_end };
  srv = NULL;
  CHECK_EQ_INT(coapx_server_new(&cfg, &srv), COAPX_OK);
  if (!srv) return;
  coap_context_t *cli = coap_new_context(NULL);
  coap_context_set_block_mode(cli, 0);
  coap_register_response_handler(cli, on_tcp_response);
  coap_address_t dst;
  coap_address_init(&dst);
  dst.size = sizeof(struct sockaddr_in);
  dst.addr.sin.sin_family = AF_INET;
  dst.addr.sin.sin_port = htons(coapx_server_port(srv, 0));
  dst.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  coap_session_t *cs = coap_new_client_session(cli, NULL, &dst,
                                               COAP_PROTO_TCP);
  CHECK(cs != NULL);
  if (!cs) goto out;

  CHECK(tcp_get(cli, cs, "r", false, 1));
  CHECK(tcp_get(cli, cs, "big", false, 2));
  CHECK_EQ_INT(tcp_code, OSCORE_CODE(2, 5));
  CHECK_EQ_INT(tcp_payload, 600);

  n_handles = 0;
  ends = 0;
  CHECK(tcp_get(cli, cs, "r", true, 3));
  CHECK(tcp_observe);
  CHECK_EQ_INT(n_handles, 1);
  if (n_handles == 1) {
    int before = tcp_answers;
    CHECK_EQ_INT(coapx_server_notify(srv, handles[0]), COAPX_OK);
    long end = now_ms() + 2000;
    while (now_ms() < end && tcp_answers == before) {
      coapx_server_run_once(srv, 5);
      coap_io_process(cli, 5);
    }
    CHECK_EQ_INT(tcp_answers, before + 1);
    CHECK(tcp_observe);
  }
  coap_session_release(cs);   /* closes the connection */
  long end = now_ms() + 2000;
  while (now_ms() < end && ends == 0) coapx_server_run_once(srv, 5);
  CHECK_EQ_INT(ends, 1);
  CHECK_EQ_INT(last_end, COAPX_OBS_END_FAILED);
  if (n_handles == 1)
    CHECK_EQ_INT(coapx_server_notify(srv, handles[0]), COAPX_ERR_NOT_FOUND);
out:
  coap_free_context(cli);
  coapx_server_free(srv);
  srv = NULL;
}

int main(void) {
  coapx_libcoap_verbosity(0);
  test_tcp_connection_cap();
  test_tcp_session();
  test_tcp_message_size();
  test_observer_caps();
  test_idle_sessions();
  test_amplification();
  if (getenv("DEBUG_LIBCOAP")) coapx_libcoap_verbosity(2);
  test_silent_observer();
  return unit_summary("test_server_limits");
}
