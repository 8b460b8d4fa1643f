/* The oscore-plugtest-server binary against the 18 cases of the OSCORE
 * interop test specification (test-spec5), without any peer installed: a
 * raw UDP client protects and verifies with our core, using the client
 * contexts A, C and the broken variants E, F, G of libcoap's interop set.
 *
 * Two servers run as child processes on ports picked by the kernel (read
 * from their ready line): "BD" with tools/plugtest-credentials/server.json
 * (in a temporary copy) and "N" without credentials. Both must stop on
 * SIGTERM with status 0, BD having written its contexts' sequence state.
 *
 * Usage: test_plugtest_server PATH-TO-oscore-plugtest-server */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "oscore_protect.h"
#include "scratch.h"
#include "unit.h"

#define INTERVAL_MS 300

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- files ---------------------------------------------------------------- */

static char tmpdir[64];

/* <tmp>/pt: the shipped credentials maps and contexts B and D. */
static bool copy_credentials(void) {
  const char *src = getenv("SRCDIR");
  char from[512], to[256];
  static const char *const files[] = {
    "server.json", "b/settings.json", "b/secret.json", "d/settings.json",
    "d/secret.json",
  };
  const char *dirs[] = { "pt", "pt/b", "pt/d" };
  for (size_t i = 0; i < 3; i++) {
    snprintf(to, sizeof to, "%s/%s", tmpdir, dirs[i]);
    if (mkdir(to, 0700) != 0) return false;
  }
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(from, sizeof from, "%s/tools/plugtest-credentials/%s",
             src ? src : ".", files[i]);
    snprintf(to, sizeof to, "%s/pt/%s", tmpdir, files[i]);
    if (!scratch_copy_file(from, to)) return false;
    chmod(to, 0600);
  }
  return true;
}

/* ---- the servers ---------------------------------------------------------- */

typedef struct {
  pid_t pid;
  uint16_t port;
  char ready[256];
} server_t;

/* Start the binary with |args| (NULL-terminated, after argv[0]) and wait at
 * most 5 s for its ready line on stdout. */
static bool start_server(const char *bin, const char *const *args,
                         server_t *s) {
  int p[2];
  if (pipe(p) != 0) return false;
  const char *argv[16] = { bin };
  size_t n = 1;
  for (; args[n - 1] && n < 15; n++) argv[n] = args[n - 1];
  argv[n] = NULL;
  s->pid = fork();
  if (s->pid < 0) return false;
  if (s->pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    execv(bin, (char *const *)argv);
    _exit(127);
  }
  close(p[1]);
  size_t k = 0;
  long end = now_ms() + 5000;
  s->ready[0] = '\0';
  while (now_ms() < end && k + 1 < sizeof s->ready) {
    struct pollfd pf = { p[0], POLLIN, 0 };
    if (poll(&pf, 1, 100) != 1) continue;
    ssize_t r = read(p[0], s->ready + k, 1);
    if (r <= 0) break;
    if (s->ready[k] == '\n') break;
    s->ready[++k] = '\0';
  }
  close(p[0]);
  /* "oscore-plugtest-server: ready on 127.0.0.1:PORT (...)" */
  const char *at = strstr(s->ready, ": ready on 127.0.0.1:");
  if (!at) return false;
  s->port = (uint16_t)atoi(at + strlen(": ready on 127.0.0.1:"));
  return s->port != 0;
}

/* SIGTERM, then the exit status (-1: did not exit within 5 s). */
static int stop_server(server_t *s) {
  if (s->pid <= 0) return -1;
  kill(s->pid, SIGTERM);
  long end = now_ms() + 5000;
  int st;
  while (now_ms() < end) {
    pid_t r = waitpid(s->pid, &st, WNOHANG);
    if (r == s->pid) {
      s->pid = 0;
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    usleep(20000);
  }
  kill(s->pid, SIGKILL);
  waitpid(s->pid, &st, 0);
  s->pid = 0;
  return -1;
}

/* ---- the raw client -------------------------------------------------------- */

static int fd = -1;
static uint16_t next_mid = 0x200;
static uint8_t next_tok = 1;

static bool connect_to(uint16_t port) {
  if (fd >= 0) close(fd);
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
}

static size_t recv_dgram(uint8_t *buf, size_t cap, int wait_ms) {
  struct pollfd p = { fd, POLLIN, 0 };
  if (poll(&p, 1, wait_ms) != 1) return 0;
  ssize_t n = recv(fd, buf, cap, 0);
  return n > 0 ? (size_t)n : 0;
}

typedef enum { CTX_A, CTX_C, CTX_E, CTX_F, CTX_G, N_CTX } ctx_name;
static oscore_ctx ctxs[N_CTX];

static bool derive(ctx_name which) {
  uint8_t secret[16], salt[8] = { 0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63,
                                  0x40 };
  static const uint8_t idctx[8] = { 0x37, 0xcb, 0xf3, 0x21, 0x00, 0x17, 0xa2,
                                    0xd3 };
  static const uint8_t e_id[3] = { 0x01, 0x01, 0x01 }, rid01[1] = { 0x01 };
  for (int i = 0; i < 16; i++) secret[i] = (uint8_t)(i + 1);
  oscore_ctx_params p = {
    .aead_cose = 10, .hkdf = OSCORE_HASH_SHA256,
    .master_secret = OSCORE_BYTES(secret, 16),
    .master_salt = OSCORE_BYTES(salt, 8),
    .sender_id = which == CTX_E ? OSCORE_BYTES(e_id, 3) : OSCORE_BYTES(NULL, 0),
    .recipient_id = OSCORE_BYTES(rid01, 1),
    .has_id_context = which == CTX_C,
    .id_context = OSCORE_BYTES(idctx, which == CTX_C ? 8 : 0),
  };
  oscore_ctx *c = &ctxs[which];
  if (oscore_ctx_derive(c, &p) != OSCORE_OK) return false;
  /* No store on this side: the test grants itself the numbers. */
  c->seq_limit = 1u << 20;
  /* F and G are A with a broken sender or recipient key, as libcoap's
   * f_client.conf / g_client.conf (test-spec5 13a, 14a). */
  if (which == CTX_F) c->sender_key[0] ^= 0xff;
  if (which == CTX_G) c->recipient_key[0] ^= 0xff;
  return true;
}

typedef struct {
  oscore_opt opts[32];
  oscore_datagram d;
  oscore_opt inner_opts[32];
  oscore_msg inner;
  uint8_t raw[1600];
  size_t raw_len;
  uint8_t pbuf[2048];
  oscore_response_info info;
  oscore_err verify_err;
} answer_t;

static bool parse(answer_t *a) {
  memset(&a->d, 0, sizeof a->d);
  oscore_msg_init(&a->d.msg, a->opts, 32);
  return a->raw_len &&
         oscore_datagram_decode(OSCORE_BYTES(a->raw, a->raw_len), &a->d) ==
             OSCORE_OK;
}

typedef struct {
  oscore_opt opts[16];
  oscore_msg m;
  uint8_t tok[2];
  oscore_request_id rid;
  uint8_t wire[1600];
  size_t wire_len;
} request_t;

static void req_init(request_t *r, uint8_t code, const char *path) {
  oscore_msg_init(&r->m, r->opts, 16);
  r->m.code = code;
  const char *p = path;
  while (*p == '/') p++;
  while (*p) {
    size_t n = strcspn(p, "/");
    /* Values must outlive the message: keep them in the path literal. */
    oscore_msg_add_opt(&r->m, OSCORE_OPT_URI_PATH, OSCORE_BYTES(p, n));
    p += n;
    while (*p == '/') p++;
  }
  r->tok[0] = 0x51;
  r->tok[1] = next_tok++;
}

/* Encode (protected with |c| unless NULL) and send as CON; wait for the
 * answer, parse it and verify it with |c| when it carries option 9. */
static bool send_request(request_t *r, oscore_ctx *c, answer_t *a) {
  static uint8_t pbuf[2048];
  oscore_opt outer_opts[16];
  oscore_msg outer;
  oscore_datagram d = { .type = 0, .mid = next_mid++, .token_len = 2 };
  memcpy(d.token, r->tok, 2);
  if (c) {
    oscore_msg_init(&outer, outer_opts, 16);
    if (oscore_protect_request(c, &r->m, &outer, pbuf, sizeof pbuf,
                               &r->rid) != OSCORE_OK)
      return false;
    d.msg = outer;
  } else {
    d.msg = r->m;
  }
  if (oscore_datagram_encode(&d, r->wire, sizeof r->wire, &r->wire_len) !=
          OSCORE_OK ||
      send(fd, r->wire, r->wire_len, 0) != (ssize_t)r->wire_len)
    return false;
  a->raw_len = recv_dgram(a->raw, sizeof a->raw, 2000);
  if (!parse(a)) return false;
  a->verify_err = OSCORE_ERR_INVALID_ARG;
  oscore_msg_init(&a->inner, a->inner_opts, 32);
  if (c && oscore_msg_find_opt(&a->d.msg, OSCORE_OPT_OSCORE))
    a->verify_err = oscore_unprotect_response(c, &r->rid, &a->d.msg,
                                              &a->inner, a->pbuf,
                                              sizeof a->pbuf, &a->info);
  return true;
}

/* The next notification of an observation: ACK it, verify it. */
static bool next_notification(request_t *r, oscore_ctx *c, answer_t *a,
                              int wait_ms) {
  a->raw_len = recv_dgram(a->raw, sizeof a->raw, wait_ms);
  if (!parse(a)) return false;
  if (a->d.type == 0) {
    oscore_datagram ack = { .type = 2, .mid = a->d.mid };
    oscore_msg_init(&ack.msg, NULL, 0);
    uint8_t buf[8];
    size_t n = 0;
    if (oscore_datagram_encode(&ack, buf, sizeof buf, &n) == OSCORE_OK)
      (void)send(fd, buf, n, 0);
  }
  oscore_msg_init(&a->inner, a->inner_opts, 32);
  a->verify_err = oscore_unprotect_response(c, &r->rid, &a->d.msg, &a->inner,
                                            a->pbuf, sizeof a->pbuf, &a->info);
  return a->verify_err == OSCORE_OK;
}

static bool payload_is(const oscore_msg *m, const char *text) {
  return m->payload.len == strlen(text) &&
         memcmp(m->payload.ptr, text, m->payload.len) == 0;
}

static bool uint_opt_is(const oscore_msg *m, uint16_t number, uint32_t want) {
  const oscore_opt *o = oscore_msg_find_opt(m, number);
  uint32_t v;
  return o && oscore_opt_uint(o->value, &v) == OSCORE_OK && v == want;
}

/* An inner 2.05 "Hello World!" text/plain, outer 2.04. */
static void check_hello(const answer_t *a) {
  CHECK_EQ_INT(a->d.msg.code, OSCORE_CODE(2, 4));
  CHECK_EQ_INT(a->verify_err, OSCORE_OK);
  CHECK_EQ_INT(a->inner.code, OSCORE_CODE(2, 5));
  CHECK(uint_opt_is(&a->inner, OSCORE_OPT_CONTENT_FORMAT, 0));
  CHECK(payload_is(&a->inner, "Hello World!"));
}

/* ---- the cases -------------------------------------------------------------- */

static void test_plain(uint16_t bd) {
  request_t r;
  answer_t a;
  connect_to(bd);
  /* 0: plain CoAP. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/coap");
  CHECK(send_request(&r, NULL, &a));
  CHECK_EQ_INT(a.d.type, 2); /* piggybacked */
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 5));
  CHECK(uint_opt_is(&a.d.msg, OSCORE_OPT_CONTENT_FORMAT, 0));
  CHECK(payload_is(&a.d.msg, "Hello World!"));
  /* 17 on the OSCORE server: a protected resource without OSCORE. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  CHECK(send_request(&r, NULL, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(payload_is(&a.d.msg, "Unauthorized"));
  /* The link format is far more than 3 times the request: to an address
   * not yet proven the answer is a 4.01 with Echo (RFC 9175 §2.4), and
   * the request repeated with that Echo gets it. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), ".well-known/core");
  CHECK(send_request(&r, NULL, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(a.raw_len <= 3 * r.wire_len);
  const oscore_opt *echo = oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_ECHO);
  CHECK(echo != NULL && echo->value.len > 0 && echo->value.len <= 40);
  static uint8_t echo_val[40];
  size_t echo_len = echo ? echo->value.len : 0;
  if (echo) memcpy(echo_val, echo->value.ptr, echo_len);
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), ".well-known/core");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_ECHO, OSCORE_BYTES(echo_val, echo_len));
  CHECK(send_request(&r, NULL, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 5));
  CHECK(uint_opt_is(&a.d.msg, OSCORE_OPT_CONTENT_FORMAT, 40));
  CHECK(a.d.msg.payload.len > 0 &&
        memmem(a.d.msg.payload.ptr, a.d.msg.payload.len,
               "</oscore/observe1>;obs", 22) != NULL);
}

static void test_get(uint16_t bd) {
  request_t r;
  answer_t a;
  connect_to(bd);
  /* 1 with A (server context B), 2 with C (D, ID context). */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  check_hello(&a);
  CHECK_EQ_INT(a.inner.n_opts, 1);
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  CHECK(send_request(&r, &ctxs[CTX_C], &a));
  check_hello(&a);
  /* 3: Uri-Query first=1 -> ETag 0x2b; without the query 4.00. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/2");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_URI_QUERY, OSCORE_BYTES("first=1", 7));
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  check_hello(&a);
  const oscore_opt *etag = oscore_msg_find_opt(&a.inner, OSCORE_OPT_ETAG);
  CHECK(etag && etag->value.len == 1 && etag->value.ptr[0] == 0x2b);
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/2");
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 0));
  /* 4: Accept 0 -> Max-Age 5; another Accept is not acceptable. */
  uint8_t zero = 0, forty = 40;
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/3");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_ACCEPT, OSCORE_BYTES(&zero, 0));
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  check_hello(&a);
  CHECK(uint_opt_is(&a.inner, OSCORE_OPT_MAX_AGE, 5));
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/3");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_ACCEPT, OSCORE_BYTES(&forty, 1));
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 6));
  /* 5: Observe on a resource that is not observable: no Observe back. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_OBSERVE, OSCORE_BYTES(&zero, 0));
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.verify_err, OSCORE_OK);
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 5));
  CHECK(!oscore_msg_find_opt(&a.inner, OSCORE_OPT_OBSERVE));
  CHECK(payload_is(&a.inner, "Hello World!"));
  /* Unknown path and wrong method. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/9");
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 4));
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_POST), "oscore/hello/1");
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 5));
  CHECK(payload_is(&a.inner, "Method Not Allowed"));
}

/* 6 (observe1: one, two, 5.00) and 7 (observe2: one, two, cancel -> two),
 * with the notification spacing. */
static void test_observe(uint16_t bd) {
  uint8_t zero = 0, one = 1;
  for (int which = 1; which <= 2; which++) {
    request_t r;
    answer_t a;
    connect_to(bd);
    const char *path = which == 1 ? "oscore/observe1" : "oscore/observe2";
    req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), path);
    oscore_msg_add_opt(&r.m, OSCORE_OPT_OBSERVE, OSCORE_BYTES(&zero, 0));
    long t0 = now_ms();
    CHECK(send_request(&r, &ctxs[CTX_A], &a));
    CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 5));   /* answer to FETCH */
    CHECK_EQ_INT(a.verify_err, OSCORE_OK);
    CHECK(oscore_msg_find_opt(&a.inner, OSCORE_OPT_OBSERVE) != NULL);
    CHECK(payload_is(&a.inner, "one"));

    CHECK(next_notification(&r, &ctxs[CTX_A], &a, INTERVAL_MS + 1000));
    CHECK(now_ms() - t0 >= INTERVAL_MS - 50);
    CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 5));
    CHECK(oscore_msg_find_opt(&a.inner, OSCORE_OPT_OBSERVE) != NULL);
    CHECK(uint_opt_is(&a.inner, OSCORE_OPT_CONTENT_FORMAT, 0));
    CHECK(payload_is(&a.inner, "two"));
    /* §8.3: notifications carry their own partial IV. */
    CHECK(a.info.has_piv);
    if (which == 1) {
      CHECK(next_notification(&r, &ctxs[CTX_A], &a, INTERVAL_MS + 1000));
      /* Measured from the registration, not from when "two" arrived: a
       * loaded machine may deliver "two" late, never "three" early. */
      CHECK(now_ms() - t0 >= 2 * INTERVAL_MS - 50);
      CHECK_EQ_INT(a.inner.code, OSCORE_CODE(5, 0));
      CHECK(!oscore_msg_find_opt(&a.inner, OSCORE_OPT_OBSERVE));
      CHECK(payload_is(&a.inner, "Terminate Observe"));
      CHECK(uint_opt_is(&a.inner, OSCORE_OPT_CONTENT_FORMAT, 0));
      /* Nothing after the final notification. */
      CHECK_EQ_INT(recv_dgram(a.raw, sizeof a.raw, 2 * INTERVAL_MS), 0);
    } else {
      CHECK_EQ_INT(recv_dgram(a.raw, sizeof a.raw, 2 * INTERVAL_MS), 0);
      /* 7b step 11-17: the cancellation, same token, is answered "two". */
      uint8_t tok = r.tok[1];
      req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), path);
      r.tok[1] = tok;
      oscore_msg_add_opt(&r.m, OSCORE_OPT_OBSERVE, OSCORE_BYTES(&one, 1));
      CHECK(send_request(&r, &ctxs[CTX_A], &a));
      CHECK_EQ_INT(a.verify_err, OSCORE_OK);
      CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 5));
      CHECK(!oscore_msg_find_opt(&a.inner, OSCORE_OPT_OBSERVE));
      CHECK(payload_is(&a.inner, "two"));
    }
  }
}

static void test_change(uint16_t bd) {
  request_t r;
  answer_t a;
  uint8_t zero = 0;
  connect_to(bd);
  /* 8: POST echoes the new value. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_POST), "oscore/hello/6");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_CONTENT_FORMAT, OSCORE_BYTES(&zero, 0));
  r.m.payload = OSCORE_BYTES("\x4a", 1);
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.verify_err, OSCORE_OK);
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 4));
  CHECK(uint_opt_is(&a.inner, OSCORE_OPT_CONTENT_FORMAT, 0));
  CHECK(payload_is(&a.inner, "J"));
  /* 9: If-Match 0x7b: a bare 2.04. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_PUT), "oscore/hello/7");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_IF_MATCH, OSCORE_BYTES("\x7b", 1));
  oscore_msg_add_opt(&r.m, OSCORE_OPT_CONTENT_FORMAT, OSCORE_BYTES(&zero, 0));
  r.m.payload = OSCORE_BYTES("z", 1);
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.verify_err, OSCORE_OK);
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 4));
  CHECK_EQ_INT(a.inner.n_opts, 0);
  CHECK_EQ_INT(a.inner.payload.len, 0);
  /* A different ETag does not match. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_PUT), "oscore/hello/7");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_IF_MATCH, OSCORE_BYTES("\x7c", 1));
  oscore_msg_add_opt(&r.m, OSCORE_OPT_CONTENT_FORMAT, OSCORE_BYTES(&zero, 0));
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 12));
  /* 10: If-None-Match on the existing resource. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_PUT), "oscore/hello/7");
  oscore_msg_add_opt(&r.m, OSCORE_OPT_IF_NONE_MATCH, OSCORE_BYTES(NULL, 0));
  oscore_msg_add_opt(&r.m, OSCORE_OPT_CONTENT_FORMAT, OSCORE_BYTES(&zero, 0));
  r.m.payload = OSCORE_BYTES("\x8a", 1);
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.verify_err, OSCORE_OK);
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 12));
  CHECK(payload_is(&a.inner, "Precondition Failed"));
  /* 11: DELETE. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_DELETE), "oscore/test");
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.verify_err, OSCORE_OK);
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 2));
  CHECK_EQ_INT(a.inner.n_opts, 0);
}

static void test_errors(uint16_t bd, uint16_t n) {
  request_t r;
  answer_t a;
  connect_to(bd);
  /* 12: unknown kid. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  CHECK(send_request(&r, &ctxs[CTX_E], &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(!oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OSCORE));
  CHECK(payload_is(&a.d.msg, "Security context not found"));
  /* 13: broken sender key. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  ctxs[CTX_F].sender_seq = ctxs[CTX_A].sender_seq + 100;
  CHECK(send_request(&r, &ctxs[CTX_F], &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 0));
  CHECK(payload_is(&a.d.msg, "Decryption failed"));
  /* 14: broken recipient key: the server answers, the client cannot
   * verify. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  ctxs[CTX_G].sender_seq = ctxs[CTX_A].sender_seq + 200;
  CHECK(send_request(&r, &ctxs[CTX_G], &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 4));
  CHECK_EQ_INT(a.verify_err, OSCORE_ERR_DECRYPT);
  /* 15: a sequence number used before. */
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  ctxs[CTX_A].sender_seq = 0;
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(payload_is(&a.d.msg, "Replay detected"));
  CHECK(oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_MAX_AGE) != NULL);

  /* 16 and 17 on server N. */
  connect_to(n);
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/coap");
  ctxs[CTX_A].sender_seq = 1000;
  CHECK(send_request(&r, &ctxs[CTX_A], &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 2));
  CHECK(payload_is(&a.d.msg, "Bad Option"));
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/1");
  CHECK(send_request(&r, NULL, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(payload_is(&a.d.msg, "Unauthorized"));
  req_init(&r, OSCORE_CODE(0, OSCORE_CODE_GET), "oscore/hello/coap");
  CHECK(send_request(&r, NULL, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 5));
}

static bool file_contains(const char *path, const char *text) {
  FILE *f = fopen(path, "r");
  if (!f) return false;
  char buf[512];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, text) != NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH-TO-oscore-plugtest-server\n", argv[0]);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  snprintf(tmpdir, sizeof tmpdir, "/tmp/test-plugtest-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  for (int i = 0; i < N_CTX; i++) CHECK(derive((ctx_name)i));
  CHECK(copy_credentials());

  char creds[128], interval[16];
  snprintf(creds, sizeof creds, "%s/pt/server.json", tmpdir);
  snprintf(interval, sizeof interval, "%d", INTERVAL_MS);
  const char *bd_args[] = { "--bind", "127.0.0.1:0", "--credentials", creds,
                            "--observe-interval", interval, NULL };
  const char *n_args[] = { "--bind", "127.0.0.1:0", NULL };
  server_t bd = {0}, n = {0};
  bool up = start_server(argv[1], bd_args, &bd) &&
            start_server(argv[1], n_args, &n);
  CHECK(up);
  CHECK(strstr(n.ready, "server N") != NULL);
  if (up) {
    test_plain(bd.port);
    test_get(bd.port);
    test_observe(bd.port);
    test_change(bd.port);
    test_errors(bd.port, n.port);
  }
  CHECK_EQ_INT(stop_server(&bd), 0);
  CHECK_EQ_INT(stop_server(&n), 0);
  /* Clean exit wrote the exact state and released the lock. */
  char seq[192], lock[192];
  snprintf(seq, sizeof seq, "%s/pt/b/sequence.json", tmpdir);
  snprintf(lock, sizeof lock, "%s/pt/b/lock", tmpdir);
  CHECK(file_contains(seq, "\"next-to-send\""));
  CHECK(!file_contains(seq, "unknown"));
  CHECK(access(lock, F_OK) != 0);

  /* A usage error and an unusable credentials file exit at once. */
  const char *bad_opt[] = { "--no-such-option", NULL };
  const char *bad_creds[] = { "--credentials", "/nonexistent/creds.json",
                              "--bind", "127.0.0.1:0", NULL };
  server_t x = {0};
  CHECK(!start_server(argv[1], bad_opt, &x));
  int st;
  CHECK(x.pid > 0 && waitpid(x.pid, &st, 0) == x.pid && WIFEXITED(st) &&
        WEXITSTATUS(st) == 2);
  x.pid = 0;
  CHECK(!start_server(argv[1], bad_creds, &x));
  CHECK(x.pid > 0 && waitpid(x.pid, &st, 0) == x.pid && WIFEXITED(st) &&
        WEXITSTATUS(st) == 3);

  if (fd >= 0) close(fd);
  for (int i = 0; i < N_CTX; i++) oscore_ctx_wipe(&ctxs[i]);
  scratch_rmtree(tmpdir);
  return unit_summary("test_plugtest_server");
}
