/* Loopback integration test of the server dispatcher (coapx_server): a tiny
 * application (hello / echo / observable counter) behind the dispatcher,
 * driven by a raw UDP client that protects and verifies with the core
 * itself (context A of the OSCORE interop contexts; the server loads B from
 * tests/data/plugtest-contexts through the store, in a temporary copy). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "coapx_server.h"
#include "oscore_protect.h"
#include "store.h"
#include "scratch.h"
#include "unit.h"

/* ---- the application ---------------------------------------------------- */

static struct {
  int calls;              /* requests (not notifications) */
  int notifications;      /* handler calls for notifications */
  const char *identity;   /* of the last call (dispatcher's string) */
  bool had_identity;
  bool is_protected;
  uint8_t code;
  char path[64];
  char peer[80];
  coapx_observation *obs; /* last accepted observation */
  bool fail_next;         /* next notification answers 4.04 */
  int counter;
} app;

static int ends;
static coapx_obs_end last_end;
static int log_lines;
static coapx_log_entry last_log;  /* strings copied below: they are only
                                     valid during the callback */
static char log_path[64], log_identity[64];

static void join_path(const oscore_msg *m, char *out, size_t cap) {
  size_t k = 0;
  out[0] = '\0';
  for (size_t i = 0; i < m->n_opts; i++) {
    if (m->opts[i].number != OSCORE_OPT_URI_PATH) continue;
    size_t n = m->opts[i].value.len;
    if (k + n + 2 >= cap) break;
    out[k++] = '/';
    memcpy(out + k, m->opts[i].value.ptr, n);
    k += n;
    out[k] = '\0';
  }
}

static void app_handler(const coapx_request *req, coapx_response *resp,
                        void *arg) {
  (void)arg;
  if (req->is_notification) app.notifications++; else app.calls++;
  app.identity = req->identity;
  app.had_identity = req->identity != NULL;
  app.is_protected = req->is_protected;
  app.code = req->msg->code;
  snprintf(app.peer, sizeof app.peer, "%s", req->peer);
  join_path(req->msg, app.path, sizeof app.path);
  if (strcmp(app.path, "/hello") == 0) {
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, 0);
    coapx_response_set_payload(resp, "Hello world", 11);
  } else if (strcmp(app.path, "/echo") == 0) {
    resp->msg.code = OSCORE_CODE(2, 4);
    coapx_response_set_payload(resp, req->msg->payload.ptr,
                               req->msg->payload.len);
  } else if (strcmp(app.path, "/big") == 0) {
    /* A fileserver-like 1024-byte block with its options. */
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_add_opt(resp, OSCORE_OPT_ETAG, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, 42);
    coapx_response_add_uint(resp, OSCORE_OPT_BLOCK2, 0x1e);   /* NUM 1, M, 1024 */
    coapx_response_add_uint(resp, OSCORE_OPT_SIZE2, 1u << 20);
    uint8_t *p = coapx_response_payload_space(resp, 1024);
    if (p) for (int i = 0; i < 1024; i++) p[i] = (uint8_t)(i * 13);
  } else if (strcmp(app.path, "/obsfail") == 0) {
    /* Accepts, then answers an error: no observation comes about. */
    if (req->observation) {
      resp->observe = true;
      app.obs = req->observation;
    }
    coapx_response_error(resp, OSCORE_CODE(4, 3), NULL);
  } else if (strcmp(app.path, "/obs") == 0) {
    if (req->is_notification && app.fail_next) {
      coapx_response_error(resp, OSCORE_CODE(4, 4), NULL);
      return;
    }
    if (req->observation && !req->is_notification) {
      resp->observe = true;
      app.obs = req->observation;
    }
    char text[16];
    int n = snprintf(text, sizeof text, "n=%d", app.counter++);
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_set_payload(resp, text, (size_t)n);
  } else {
    coapx_response_error(resp, OSCORE_CODE(4, 4), NULL);
  }
}

static void on_end(coapx_observation *obs, coapx_obs_end why, void *arg) {
  (void)arg;
  ends++;
  last_end = why;
  if (obs == app.obs) app.obs = NULL;
}

static void on_log(const coapx_log_entry *e, void *arg) {
  (void)arg;
  log_lines++;
  last_log = *e;
  snprintf(log_path, sizeof log_path, "%s", e->path ? e->path : "");
  last_log.path = log_path;
  if (e->identity) {
    snprintf(log_identity, sizeof log_identity, "%s", e->identity);
    last_log.identity = log_identity;
  }
  last_log.peer = NULL;
}

/* ---- files: a temporary copy of context B and a credentials map ------- */

static char tmpdir[64];

static bool write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return false;
  bool ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok;
}

/* <tmp>/<name>/ as a copy of interop context |from| ("b" or "d"), with
 * |sequence| (may be NULL) as its sequence.json. */
static bool copy_context(const char *from_ctx, const char *name,
                         const char *sequence) {
  const char *src = getenv("SRCDIR");
  char dir[128], from[512], to[256];
  snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
  if (mkdir(dir, 0700) != 0) return false;
  const char *files[] = { "settings.json", "secret.json" };
  for (int i = 0; i < 2; i++) {
    snprintf(from, sizeof from, "%s/tests/data/plugtest-contexts/%s/%s",
             src ? src : ".", from_ctx, files[i]);
    snprintf(to, sizeof to, "%s/%s", dir, files[i]);
    if (!scratch_copy_file(from, to)) return false;
  }
  if (sequence) {
    snprintf(to, sizeof to, "%s/sequence.json", dir);
    if (!write_file(to, sequence)) return false;
  }
  return true;
}

/* A copy of context B as <tmp>/<name>/ and <tmp>/<name>.json naming it
 * ":client1". */
static bool make_server_context(const char *name, const char *sequence,
                                char *creds_path, size_t cap) {
  if (!copy_context("b", name, sequence)) return false;
  char json[256];
  snprintf(json, sizeof json,
           "{\":client1\": {\"oscore\": {\"basedir\": \"%s/\"}}}\n", name);
  snprintf(creds_path, cap, "%s/%s.json", tmpdir, name);
  return write_file(creds_path, json);
}

/* ---- the raw client ----------------------------------------------------- */

static coapx_server *srv;
static int fd = -1;
static uint16_t next_mid = 0x100;
static oscore_ctx client;      /* context A: sender "", recipient 01 */

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool derive_client_ctx(oscore_ctx *c, const uint8_t *sender,
                              size_t slen, const uint8_t *idctx,
                              size_t idctx_len) {
  uint8_t secret[16], salt[8] = { 0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63,
                                  0x40 };
  for (int i = 0; i < 16; i++) secret[i] = (uint8_t)(i + 1);
  static const uint8_t rid01[1] = { 0x01 };
  oscore_ctx_params p = {
    .aead_cose = 10, .hkdf = OSCORE_HASH_SHA256,
    .master_secret = OSCORE_BYTES(secret, 16),
    .master_salt = OSCORE_BYTES(salt, 8),
    .sender_id = OSCORE_BYTES(sender, slen),
    .recipient_id = OSCORE_BYTES(rid01, 1),
    .has_id_context = idctx != NULL,
    .id_context = OSCORE_BYTES(idctx, idctx_len),
  };
  if (oscore_ctx_derive(c, &p) != OSCORE_OK) return false;
  /* No store on this side: the test itself grants the numbers. */
  c->seq_limit = 1u << 20;
  return true;
}

static bool derive_client(oscore_ctx *c, const uint8_t *sender, size_t slen) {
  return derive_client_ctx(c, sender, slen, NULL, 0);
}

static bool connect_to(uint16_t port) {
  if (fd >= 0) close(fd);
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
}

/* Pump the server until a datagram comes back or |wait_ms| passed. */
static size_t recv_answer(uint8_t *buf, size_t cap, int wait_ms) {
  long end = now_ms() + wait_ms;
  while (now_ms() < end) {
    coapx_server_run_once(srv, 10);
    struct pollfd p = { fd, POLLIN, 0 };
    if (poll(&p, 1, 0) == 1) {
      ssize_t n = recv(fd, buf, cap, 0);
      if (n > 0) return (size_t)n;
    }
  }
  return 0;
}

static size_t exchange(const uint8_t *d, size_t n, uint8_t *buf, size_t cap,
                       int wait_ms) {
  if (send(fd, d, n, 0) != (ssize_t)n) return 0;
  return recv_answer(buf, cap, wait_ms);
}

static const uint8_t TOK[4] = { 0x70, 0x6f, 0x6b, 0x01 };

/* Encode |m| as a datagram of |type| with a fresh MID. */
static size_t encode(uint8_t type, const oscore_msg *m, const uint8_t *tok,
                     size_t tok_len, uint8_t *out, size_t cap) {
  oscore_datagram d = { .type = type, .mid = next_mid++, .token_len = tok_len };
  memcpy(d.token, tok, tok_len);
  d.msg = *m;
  size_t len = 0;
  return oscore_datagram_encode(&d, out, cap, &len) == OSCORE_OK ? len : 0;
}

/* Protect |plain| with |c| and encode it. */
static size_t encode_protected(oscore_ctx *c, uint8_t type,
                               const oscore_msg *plain, oscore_request_id *rid,
                               uint8_t *out, size_t cap) {
  static uint8_t pbuf[2048];
  oscore_opt opts[16];
  oscore_msg outer;
  oscore_msg_init(&outer, opts, 16);
  if (oscore_protect_request(c, plain, &outer, pbuf, sizeof pbuf, rid) !=
      OSCORE_OK)
    return 0;
  return encode(type, &outer, TOK, sizeof TOK, out, cap);
}

typedef struct {
  oscore_opt opts[32];
  oscore_datagram d;
  oscore_opt inner_opts[32];
  oscore_msg inner;
  uint8_t pbuf[2048];
  oscore_response_info info;
} answer_t;

static bool parse(const uint8_t *buf, size_t len, answer_t *a) {
  memset(&a->d, 0, sizeof a->d);
  oscore_msg_init(&a->d.msg, a->opts, 32);
  return oscore_datagram_decode(OSCORE_BYTES(buf, len), &a->d) == OSCORE_OK;
}

static bool verify(const oscore_request_id *rid, answer_t *a) {
  oscore_msg_init(&a->inner, a->inner_opts, 32);
  return oscore_unprotect_response(&client, rid, &a->d.msg, &a->inner, a->pbuf,
                                   sizeof a->pbuf, &a->info) == OSCORE_OK;
}

static bool payload_is(const oscore_msg *m, const char *text) {
  return m->payload.len == strlen(text) &&
         memcmp(m->payload.ptr, text, m->payload.len) == 0;
}

static void plain_get(oscore_msg *m, oscore_opt *opts, size_t cap,
                      const char *path) {
  oscore_msg_init(m, opts, cap);
  m->code = OSCORE_CODE(0, OSCORE_CODE_GET);
  oscore_msg_add_opt(m, OSCORE_OPT_URI_PATH, OSCORE_BYTES(path, strlen(path)));
}

/* coapx_server_watch_fd: the application's descriptor is reported by the
 * same wait as the requests, and its callback runs before they are
 * handled; removed, it is not reported any more. */
static int watch_calls, calls_seen_by_watch;
static int watch_pipe[2] = { -1, -1 };

static void on_watch(void *arg) {
  (void)arg;
  watch_calls++;
  calls_seen_by_watch = app.calls;
  char b[16];
  while (read(watch_pipe[0], b, sizeof b) > 0) {
  }
}

static void test_watch_fd(void) {
  CHECK_EQ_INT(pipe2(watch_pipe, O_NONBLOCK | O_CLOEXEC), 0);
  CHECK_EQ_INT(coapx_server_watch_fd(srv, watch_pipe[0], NULL, NULL),
               COAPX_ERR_INVALID_ARG);
  CHECK_EQ_INT(coapx_server_watch_fd(srv, watch_pipe[0], on_watch, NULL),
               COAPX_OK);
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  uint8_t d[256], buf[2048];
  size_t n = encode(0, &m, TOK, 4, d, sizeof d);
  memset(&app, 0, sizeof app);
  watch_calls = 0;
  calls_seen_by_watch = -1;
  CHECK_EQ_INT(write(watch_pipe[1], "x", 1), 1);
  CHECK(exchange(d, n, buf, sizeof buf, 1000) > 0);
  CHECK_EQ_INT(app.calls, 1);
  CHECK_EQ_INT(watch_calls, 1);
  CHECK_EQ_INT(calls_seen_by_watch, 0);   /* before the request */

  CHECK_EQ_INT(coapx_server_watch_fd(srv, -1, NULL, NULL), COAPX_OK);
  CHECK_EQ_INT(write(watch_pipe[1], "y", 1), 1);
  n = encode(0, &m, TOK, 4, d, sizeof d);
  CHECK(exchange(d, n, buf, sizeof buf, 1000) > 0);
  CHECK_EQ_INT(watch_calls, 1);
  close(watch_pipe[0]);
  close(watch_pipe[1]);
}

/* ---- tests -------------------------------------------------------------- */

static void test_plain_get(void) {
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  uint8_t d[256], buf[2048];
  size_t n = encode(0, &m, TOK, 4, d, sizeof d);
  memset(&app, 0, sizeof app);
  log_lines = 0;
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  answer_t a;
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.type, 2);                     /* piggybacked ACK */
  CHECK_EQ_INT(a.d.mid, next_mid - 1);
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 5));
  CHECK(payload_is(&a.d.msg, "Hello world"));
  CHECK_EQ_INT(app.calls, 1);
  CHECK(!app.had_identity && !app.is_protected);
  CHECK(strcmp(app.path, "/hello") == 0);
  CHECK(strncmp(app.peer, "127.0.0.1:", 10) == 0);
  CHECK_EQ_INT(log_lines, 1);
  CHECK(last_log.identity == NULL && last_log.code == OSCORE_CODE(2, 5) &&
        last_log.method == OSCORE_CODE(0, 1) &&
        strcmp(last_log.path, "/hello") == 0 && last_log.payload_len == 11);

  /* An unknown path: the application's error with the reason phrase. */
  plain_get(&m, o, 4, "nothing");
  n = encode(0, &m, TOK, 4, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 4));
  CHECK(payload_is(&a.d.msg, "Not Found"));
}

static void test_protected_get(void) {
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  oscore_request_id rid;
  uint8_t d[512], buf[2048];
  size_t n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  CHECK(n > 0);
  memset(&app, 0, sizeof app);
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  answer_t a;
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.type, 2);
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 4));  /* outer: Changed */
  CHECK(verify(&rid, &a));
  CHECK(!a.info.has_piv);                         /* request nonce reused */
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 5));
  CHECK(payload_is(&a.inner, "Hello world"));
  const oscore_opt *cf = oscore_msg_find_opt(&a.inner, OSCORE_OPT_CONTENT_FORMAT);
  CHECK(cf && cf->value.len == 0);
  /* Nothing of the inner answer is visible outside. */
  CHECK(oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_CONTENT_FORMAT) == NULL);
  CHECK_EQ_INT(app.calls, 1);
  CHECK_EQ_INT(app.code, OSCORE_CODE(0, 1));      /* inner GET */
  CHECK(strcmp(app.path, "/hello") == 0);
  CHECK(app.is_protected && app.identity && strcmp(app.identity, ":client1") == 0);
  CHECK(last_log.is_protected && last_log.identity &&
        strcmp(last_log.identity, ":client1") == 0);

  /* POST with a payload that is echoed back. */
  oscore_msg_init(&m, o, 4);
  m.code = OSCORE_CODE(0, OSCORE_CODE_POST);
  oscore_msg_add_opt(&m, OSCORE_OPT_URI_PATH, OSCORE_BYTES("echo", 4));
  m.payload = OSCORE_BYTES("ping", 4);
  n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && verify(&rid, &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 4));
  CHECK(payload_is(&a.inner, "ping"));
  CHECK_EQ_INT(app.code, OSCORE_CODE(0, 2));
}

static bool big_ok(const oscore_msg *m) {
  if (m->code != OSCORE_CODE(2, 5) || m->payload.len != 1024) return false;
  for (int i = 0; i < 1024; i++)
    if (m->payload.ptr[i] != (uint8_t)(i * 13)) return false;
  return oscore_msg_find_opt(m, OSCORE_OPT_ETAG) &&
         oscore_msg_find_opt(m, OSCORE_OPT_BLOCK2) &&
         oscore_msg_find_opt(m, OSCORE_OPT_SIZE2);
}

static void test_full_block(void) {
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "big");
  uint8_t d[512], buf[2048];
  answer_t a;
  size_t n = encode(0, &m, TOK, 4, d, sizeof d);
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  /* Plain and over 3 times the request, to an address not proven yet:
   * 4.01 + Echo first (RFC 9175 §2.4), the full block with the Echo. */
  CHECK(r > 0 && r <= 3 * n && parse(buf, r, &a) &&
        a.d.msg.code == OSCORE_CODE(4, 1));
  const oscore_opt *echo = oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_ECHO);
  CHECK(echo != NULL);
  uint8_t echo_val[40];
  size_t echo_len = echo && echo->value.len <= 40 ? echo->value.len : 0;
  if (echo_len) memcpy(echo_val, echo->value.ptr, echo_len);
  plain_get(&m, o, 4, "big");
  oscore_msg_add_opt(&m, OSCORE_OPT_ECHO, OSCORE_BYTES(echo_val, echo_len));
  n = encode(0, &m, TOK, 4, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && big_ok(&a.d.msg));

  oscore_request_id rid;
  n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && verify(&rid, &a));
  CHECK(big_ok(&a.inner));
  fprintf(stderr, "protected 1024-byte block answer: %zu-byte datagram\n", r);
}

static void test_gate_errors(void) {
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  oscore_request_id rid;
  uint8_t d[512], buf[2048];
  answer_t a;

  /* Unknown kid. */
  oscore_ctx stranger;
  static const uint8_t kid42[1] = { 0x42 };
  CHECK(derive_client(&stranger, kid42, 1));
  size_t n = encode_protected(&stranger, 0, &m, &rid, d, sizeof d);
  memset(&app, 0, sizeof app);
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(payload_is(&a.d.msg, "Security context not found"));
  CHECK(oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OSCORE) == NULL);
  CHECK_EQ_INT(app.calls, 0);

  /* The same as NON: silence. */
  n = encode_protected(&stranger, 1, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 300);
  CHECK_EQ_INT(r, 0);
  oscore_ctx_wipe(&stranger);

  /* A flipped ciphertext byte. */
  n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  d[n - 3] ^= 0x01;
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 0));
  CHECK(payload_is(&a.d.msg, "Decryption failed"));
  CHECK_EQ_INT(app.calls, 0);

  /* Undecodable OSCORE option (reserved flag bits set). */
  oscore_opt bad_o[2];
  oscore_msg bad;
  oscore_msg_init(&bad, bad_o, 2);
  bad.code = OSCORE_CODE(0, OSCORE_CODE_POST);
  oscore_msg_add_opt(&bad, OSCORE_OPT_OSCORE, OSCORE_BYTES("\xe0", 1));
  bad.payload = OSCORE_BYTES("0123456789", 10);
  n = encode(0, &bad, TOK, 4, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 2));
  CHECK(payload_is(&a.d.msg, "Failed to decode COSE"));

  /* Option 9 on a GET: 4.05. */
  bad.code = OSCORE_CODE(0, OSCORE_CODE_GET);
  n = encode(0, &bad, TOK, 4, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 5));
  CHECK(payload_is(&a.d.msg, "Method Not Allowed"));
  CHECK_EQ_INT(app.calls, 0);
}

static void test_replay_and_retransmission(void) {
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  oscore_request_id rid;
  uint8_t d[512], buf[2048], first[2048];
  answer_t a;
  size_t n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  memset(&app, 0, sizeof app);
  size_t r1 = exchange(d, n, first, sizeof first, 1000);
  CHECK(r1 > 0);
  CHECK_EQ_INT(app.calls, 1);

  /* Retransmission: same datagram, same MID -> the same bytes again. */
  size_t r2 = exchange(d, n, buf, sizeof buf, 1000);
  CHECK_MEM(buf, r2, first, r1);
  CHECK_EQ_INT(app.calls, 1);
  CHECK(last_log.from_cache);

  /* Replay: the same datagram under a new MID -> Replay detected. */
  d[2] = (uint8_t)(next_mid >> 8);
  d[3] = (uint8_t)next_mid;
  next_mid++;
  size_t r3 = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r3 > 0 && parse(buf, r3, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(payload_is(&a.d.msg, "Replay detected"));
  const oscore_opt *ma = oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_MAX_AGE);
  CHECK(ma && ma->value.len == 0);                /* Max-Age 0 */
  CHECK_EQ_INT(app.calls, 1);

  /* A plain CON retransmitted: the application runs once as well. */
  plain_get(&m, o, 4, "hello");
  n = encode(0, &m, TOK, 4, d, sizeof d);
  r1 = exchange(d, n, first, sizeof first, 1000);
  r2 = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r1 > 0);
  CHECK_MEM(buf, r2, first, r1);
  CHECK_EQ_INT(app.calls, 2);
}

static void ack(uint16_t mid) {
  uint8_t e[4] = { 0x60, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid };
  send(fd, e, 4, 0);
}

static void rst(uint16_t mid) {
  uint8_t e[4] = { 0x70, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid };
  send(fd, e, 4, 0);
}

static void test_observe_protected(void) {
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "obs");
  oscore_msg_add_opt(&m, OSCORE_OPT_OBSERVE, OSCORE_BYTES(NULL, 0));
  oscore_request_id rid;
  uint8_t d[512], buf[2048];
  answer_t a;
  size_t n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  memset(&app, 0, sizeof app);
  ends = 0;
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 5));  /* FETCH -> Content */
  CHECK(oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OBSERVE) != NULL);
  CHECK(verify(&rid, &a));
  CHECK(!a.info.has_piv);
  CHECK(payload_is(&a.inner, "n=0"));
  CHECK(oscore_msg_find_opt(&a.inner, OSCORE_OPT_OBSERVE) != NULL);
  CHECK(app.obs != NULL);
  if (!app.obs) return;

  uint64_t last_seq = 0;
  for (int i = 1; i <= 3; i++) {
    CHECK_EQ_INT(coapx_server_notify(srv, app.obs), COAPX_OK);
    r = recv_answer(buf, sizeof buf, 1000);
    CHECK(r > 0 && parse(buf, r, &a));
    CHECK_EQ_INT(a.d.type, 0);                     /* CON notification */
    CHECK_MEM(a.d.token, a.d.token_len, TOK, 4);
    CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 5));
    CHECK(oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OBSERVE) != NULL);
    CHECK(verify(&rid, &a));
    CHECK(a.info.has_piv);                         /* own partial IV */
    CHECK(i == 1 || a.info.seq > last_seq);
    last_seq = a.info.seq;
    char want[8];
    snprintf(want, sizeof want, "n=%d", i);
    CHECK(payload_is(&a.inner, want));
    ack(a.d.mid);
  }
  CHECK_EQ_INT(app.notifications, 3);
  CHECK_EQ_INT(ends, 0);

  /* A 4.04 notification ends the observation: sent without Observe. */
  app.fail_next = true;
  CHECK_EQ_INT(coapx_server_notify(srv, app.obs), COAPX_OK);
  r = recv_answer(buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && verify(&rid, &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 4));
  CHECK(oscore_msg_find_opt(&a.inner, OSCORE_OPT_OBSERVE) == NULL);
  ack(a.d.mid);
  CHECK_EQ_INT(ends, 1);
  CHECK_EQ_INT(last_end, COAPX_OBS_END_ERROR_CODE);
  CHECK(app.obs == NULL);
}

static void test_observe_plain_rst(void) {
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "obs");
  oscore_msg_add_opt(&m, OSCORE_OPT_OBSERVE, OSCORE_BYTES(NULL, 0));
  uint8_t d[256], buf[2048];
  answer_t a;
  size_t n = encode(0, &m, TOK, 4, d, sizeof d);
  memset(&app, 0, sizeof app);
  ends = 0;
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  const oscore_opt *ob = oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OBSERVE);
  uint32_t v0 = 0, v1 = 0;
  CHECK(ob && oscore_opt_uint(ob->value, &v0) == OSCORE_OK);
  CHECK(app.obs != NULL);
  if (!app.obs) return;
  int tag = 7;
  coapx_observation_set_data(app.obs, &tag);
  CHECK(coapx_observation_data(app.obs) == &tag);

  CHECK_EQ_INT(coapx_server_notify(srv, app.obs), COAPX_OK);
  r = recv_answer(buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  ob = oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OBSERVE);
  CHECK(ob && oscore_opt_uint(ob->value, &v1) == OSCORE_OK && v1 > v0);
  CHECK(payload_is(&a.d.msg, "n=1"));
  /* The client rejects the notification: the observation ends. */
  rst(a.d.mid);
  recv_answer(buf, sizeof buf, 200);
  CHECK_EQ_INT(ends, 1);
  CHECK_EQ_INT(last_end, COAPX_OBS_END_RST);
  CHECK(app.obs == NULL);

  /* Deregistration with Observe 1 on a fresh registration. */
  n = encode(0, &m, TOK, 4, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(app.obs != NULL);
  coapx_observation *stale = app.obs;
  plain_get(&m, o, 4, "obs");
  oscore_msg_add_opt(&m, OSCORE_OPT_OBSERVE, OSCORE_BYTES("\x01", 1));
  n = encode(0, &m, TOK, 4, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK(oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OBSERVE) == NULL);
  CHECK_EQ_INT(ends, 2);
  CHECK_EQ_INT(last_end, COAPX_OBS_END_DEREGISTERED);
  CHECK_EQ_INT(coapx_server_notify(srv, stale), COAPX_ERR_NOT_FOUND);

  /* Accepted with an error answer: the end callback still runs once. */
  plain_get(&m, o, 4, "obsfail");
  oscore_msg_add_opt(&m, OSCORE_OPT_OBSERVE, OSCORE_BYTES(NULL, 0));
  n = encode(0, &m, TOK, 4, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 3));
  CHECK(payload_is(&a.d.msg, "Forbidden"));
  CHECK(oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OBSERVE) == NULL);
  CHECK_EQ_INT(ends, 3);
  CHECK_EQ_INT(last_end, COAPX_OBS_END_ERROR_CODE);
  CHECK(app.obs == NULL);
}

static void test_non(void) {
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  uint8_t d[256], buf[2048];
  answer_t a;
  size_t n = encode(1, &m, TOK, 4, d, sizeof d);
  memset(&app, 0, sizeof app);
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.type, 1);                       /* NON answer */
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 5));
  /* The same NON again (same MID): ignored, the application runs once. */
  r = exchange(d, n, buf, sizeof buf, 300);
  CHECK_EQ_INT(r, 0);
  CHECK_EQ_INT(app.calls, 1);

  /* A protected NON gets a protected NON answer. */
  oscore_request_id rid;
  plain_get(&m, o, 4, "hello");
  n = encode_protected(&client, 1, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && verify(&rid, &a));
  CHECK_EQ_INT(a.d.type, 1);
  CHECK(payload_is(&a.inner, "Hello world"));
}

static volatile sig_atomic_t stop_flag;
static void on_alarm(int sig) { (void)sig; stop_flag = 1; }

static void test_run_until_stopped(void) {
  stop_flag = 1;
  CHECK_EQ_INT(coapx_server_run(srv, &stop_flag), COAPX_OK);
  stop_flag = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 200000 } };
  long t0 = now_ms();
  setitimer(ITIMER_REAL, &it, NULL);
  CHECK_EQ_INT(coapx_server_run(srv, &stop_flag), COAPX_OK);
  long took = now_ms() - t0;
  CHECK(stop_flag == 1);
  CHECK(took >= 150 && took < 2500);
  signal(SIGALRM, SIG_DFL);
}

static coapx_server *start(const char *creds_path, store_credentials **out) {
  store_credentials *creds = NULL;
  store_diag diag = { 0 };
  if (store_credentials_load(creds_path, &diag, &creds) != STORE_OK ||
      store_credentials_open_all(creds, &diag) != STORE_OK) {
    fprintf(stderr, "store: %s\n", diag.msg);
    store_credentials_close(creds, NULL);
    return NULL;
  }
  const char *bind[] = { "127.0.0.1:0" };
  coapx_server_config cfg = {
    .bind = bind, .n_bind = 1, .credentials = creds,
    .handler = app_handler, .on_observe_end = on_end, .log = on_log,
  };
  coapx_server *s = NULL;
  if (coapx_server_new(&cfg, &s) != COAPX_OK) {
    store_credentials_close(creds, NULL);
    return NULL;
  }
  if (out) *out = creds;
  return s;
}

static void test_echo_recovery(void) {
  /* A context whose window was persisted as "unknown" (B.1.2). */
  char creds_path[256];
  CHECK(make_server_context("restarted",
                            "{\"next-to-send\": 20, \"received\": \"unknown\"}",
                            creds_path, sizeof creds_path));
  coapx_server *main_srv = srv;
  srv = start(creds_path, NULL);
  CHECK(srv != NULL);
  if (!srv) { srv = main_srv; return; }
  CHECK(connect_to(coapx_server_port(srv, 0)));

  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  oscore_request_id rid;
  uint8_t d[512], buf[2048];
  answer_t a;
  size_t n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  memset(&app, 0, sizeof app);
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK(verify(&rid, &a));                         /* protected 4.01 */
  CHECK(a.info.has_piv);                           /* with our own PIV */
  CHECK(a.info.seq >= 20);
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 1));
  const oscore_opt *echo = oscore_msg_find_opt(&a.inner, OSCORE_OPT_ECHO);
  CHECK(echo && echo->value.len == 8);
  CHECK_EQ_INT(app.calls, 0);
  uint8_t echo_val[8] = { 0 };
  if (echo && echo->value.len == 8) memcpy(echo_val, echo->value.ptr, 8);

  /* A wrong Echo: challenged again, still not executed. */
  plain_get(&m, o, 4, "hello");
  oscore_msg_add_opt(&m, OSCORE_OPT_ECHO, OSCORE_BYTES("12345678", 8));
  n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && verify(&rid, &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(4, 1));
  CHECK_EQ_INT(app.calls, 0);

  /* The retry with the Echo value: executed. */
  plain_get(&m, o, 4, "hello");
  oscore_msg_add_opt(&m, OSCORE_OPT_ECHO, OSCORE_BYTES(echo_val, 8));
  n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && verify(&rid, &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 5));
  CHECK(payload_is(&a.inner, "Hello world"));
  CHECK_EQ_INT(app.calls, 1);

  /* From now on the window is known: a plain new request just works and
   * an older number is a replay. */
  plain_get(&m, o, 4, "hello");
  n = encode_protected(&client, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && verify(&rid, &a));
  CHECK_EQ_INT(a.inner.code, OSCORE_CODE(2, 5));
  CHECK(!a.info.has_piv);
  CHECK_EQ_INT(app.calls, 2);

  coapx_server_free(srv);
  srv = main_srv;
  /* Clean shutdown wrote the real window and the exact next number. */
  char seq_path[256], text[512] = "";
  snprintf(seq_path, sizeof seq_path, "%s/restarted/sequence.json", tmpdir);
  FILE *f = fopen(seq_path, "r");
  CHECK(f != NULL);
  if (f) {
    size_t k = fread(text, 1, sizeof text - 1, f);
    text[k] = '\0';
    fclose(f);
  }
  CHECK(strstr(text, "unknown") == NULL);
  CHECK(strstr(text, "index") != NULL);
}

static void test_kid_context(void) {
  /* Contexts B and D share the recipient ID (empty); only D has an ID
   * context. The kid context in the request picks which one, and with it
   * the identity. */
  CHECK(copy_context("b", "kb", NULL) && copy_context("d", "kd", NULL));
  char creds_path[256];
  snprintf(creds_path, sizeof creds_path, "%s/two.json", tmpdir);
  CHECK(write_file(creds_path,
                   "{\":client1\": {\"oscore\": {\"basedir\": \"kb/\"}},\n"
                   " \":client2\": {\"oscore\": {\"basedir\": \"kd/\"}}}\n"));
  coapx_server *main_srv = srv;
  srv = start(creds_path, NULL);
  CHECK(srv != NULL);
  if (!srv) { srv = main_srv; return; }
  CHECK(connect_to(coapx_server_port(srv, 0)));

  static const uint8_t idctx[8] = { 0x37, 0xcb, 0xf3, 0x21, 0x00, 0x17,
                                    0xa2, 0xd3 };
  oscore_ctx with_ctx;
  CHECK(derive_client_ctx(&with_ctx, NULL, 0, idctx, sizeof idctx));
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  oscore_request_id rid;
  uint8_t d[512], buf[2048];
  answer_t a;
  memset(&app, 0, sizeof app);
  size_t n = encode_protected(&with_ctx, 0, &m, &rid, d, sizeof d);
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  oscore_msg_init(&a.inner, a.inner_opts, 32);
  CHECK(oscore_unprotect_response(&with_ctx, &rid, &a.d.msg, &a.inner, a.pbuf,
                                  sizeof a.pbuf, &a.info) == OSCORE_OK);
  CHECK(payload_is(&a.inner, "Hello world"));
  CHECK(app.identity && strcmp(app.identity, ":client2") == 0);

  /* The same IDs without ID context: context B, ":client1". */
  oscore_ctx without;
  CHECK(derive_client(&without, NULL, 0));
  n = encode_protected(&without, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  oscore_msg_init(&a.inner, a.inner_opts, 32);
  CHECK(oscore_unprotect_response(&without, &rid, &a.d.msg, &a.inner, a.pbuf,
                                  sizeof a.pbuf, &a.info) == OSCORE_OK);
  CHECK(app.identity && strcmp(app.identity, ":client1") == 0);

  /* An unknown kid context: not found. */
  static const uint8_t other[2] = { 0xee, 0xee };
  oscore_ctx stranger;
  CHECK(derive_client_ctx(&stranger, NULL, 0, other, sizeof other));
  n = encode_protected(&stranger, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK(payload_is(&a.d.msg, "Security context not found"));

  oscore_ctx_wipe(&with_ctx);
  oscore_ctx_wipe(&without);
  oscore_ctx_wipe(&stranger);
  coapx_server_free(srv);
  srv = main_srv;
  CHECK(connect_to(coapx_server_port(srv, 0)));
}

/* draft-08 contexts (DRAFT08.md) in the gate: option 21 is taken only for
 * a context speaking draft-08 on it, replays get the draft's text, and an
 * Observe registration is answered outer 2.04 with our own partial IV. */
static bool draft08_client(oscore_ctx *c, const uint8_t *sender, size_t slen,
                           uint16_t option) {
  uint8_t secret[16];
  for (int i = 0; i < 16; i++) secret[i] = (uint8_t)(i + 1);
  static const uint8_t rid01[1] = { 0x01 };
  oscore_profile prof;
  if (oscore_profile_draft08(option, false, &prof) != OSCORE_OK) return false;
  oscore_ctx_params p = {
    .aead_cose = 10, .hkdf = OSCORE_HASH_SHA256,
    .master_secret = OSCORE_BYTES(secret, 16),
    .sender_id = OSCORE_BYTES(sender, slen),
    .recipient_id = OSCORE_BYTES(rid01, 1), .profile = &prof,
  };
  if (oscore_ctx_derive(c, &p) != OSCORE_OK) return false;
  c->seq_limit = 1u << 20;
  return true;
}

static void test_draft08_gate(void) {
  /* Context B (RFC 8613, recipient "") and X (draft-08 on 21, recipient
   * 05) on one server. */
  char dir[256], creds_path[256];
  CHECK(copy_context("b", "d8b", NULL));
  snprintf(dir, sizeof dir, "%s/d8x", tmpdir);
  CHECK(mkdir(dir, 0700) == 0);
  char path[300];
  snprintf(path, sizeof path, "%s/settings.json", dir);
  CHECK(write_file(path, "{\"sender-id_hex\": \"01\", \"recipient-id_hex\": "
                         "\"05\", \"oscore-version\": \"draft-08\"}"));
  snprintf(path, sizeof path, "%s/secret.json", dir);
  CHECK(write_file(path, "{\"secret_hex\": \"0102030405060708090a0b0c0d0e0f10\"}"));
  snprintf(creds_path, sizeof creds_path, "%s/d8.json", tmpdir);
  CHECK(write_file(creds_path, "{\":b\": {\"oscore\": {\"basedir\": \"d8b/\"}},"
                               " \":x\": {\"oscore\": {\"basedir\": \"d8x/\"}}}"));
  coapx_server *main_srv = srv;
  srv = start(creds_path, NULL);
  CHECK(srv != NULL);
  if (!srv) { srv = main_srv; return; }
  CHECK(connect_to(coapx_server_port(srv, 0)));

  static const uint8_t kid05[1] = { 0x05 };
  oscore_ctx x, x_on_empty_kid, rfc05;
  CHECK(draft08_client(&x, kid05, 1, 21));
  CHECK(draft08_client(&x_on_empty_kid, NULL, 0, 21));
  CHECK(derive_client(&rfc05, kid05, 1));
  oscore_opt o[4];
  oscore_msg m;
  oscore_request_id rid;
  uint8_t d[512], buf[2048];
  answer_t a;

  /* A draft-08 request on 21: verified, identity :x, outer 2.04. */
  plain_get(&m, o, 4, "hello");
  size_t n = encode_protected(&x, 0, &m, &rid, d, sizeof d);
  memset(&app, 0, sizeof app);
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 4));
  oscore_msg_init(&a.inner, a.inner_opts, 32);
  CHECK_EQ_INT(oscore_unprotect_response(&x, &rid, &a.d.msg, &a.inner, a.pbuf,
                                         sizeof a.pbuf, &a.info), OSCORE_OK);
  CHECK(payload_is(&a.inner, "Hello world"));
  CHECK(app.identity && strcmp(app.identity, ":x") == 0);

  /* The same datagram under a new MID: the draft's replay text. */
  d[2] = (uint8_t)(next_mid >> 8);
  d[3] = (uint8_t)next_mid;
  next_mid++;
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(payload_is(&a.d.msg, "Replay protection failed"));
  CHECK_EQ_INT(app.calls, 1);

  /* Observe registration: outer 2.04, Observe outer, own partial IV. */
  plain_get(&m, o, 4, "obs");
  oscore_msg_add_opt(&m, OSCORE_OPT_OBSERVE, OSCORE_BYTES(NULL, 0));
  n = encode_protected(&x, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(2, 4));
  CHECK(oscore_msg_find_opt(&a.d.msg, OSCORE_OPT_OBSERVE) != NULL);
  oscore_msg_init(&a.inner, a.inner_opts, 32);
  CHECK_EQ_INT(oscore_unprotect_response(&x, &rid, &a.d.msg, &a.inner, a.pbuf,
                                         sizeof a.pbuf, &a.info), OSCORE_OK);
  CHECK(a.info.has_piv);
  CHECK(payload_is(&a.inner, "n=0"));

  /* Option 21 naming the RFC 8613 context B (kid ""): not OSCORE here. */
  plain_get(&m, o, 4, "hello");
  n = encode_protected(&x_on_empty_kid, 0, &m, &rid, d, sizeof d);
  memset(&app, 0, sizeof app);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 2));
  CHECK(payload_is(&a.d.msg, "Bad Option"));

  /* Option 21 with an empty value (EDHOC's form): 4.02 as well. */
  oscore_opt eo[2];
  oscore_msg e;
  oscore_msg_init(&e, eo, 2);
  e.code = OSCORE_CODE(0, OSCORE_CODE_POST);
  oscore_msg_add_opt(&e, OSCORE_DRAFT08_OPTION, OSCORE_BYTES(NULL, 0));
  e.payload = OSCORE_BYTES("0123456789", 10);
  n = encode(0, &e, TOK, 4, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 2));

  /* Option 9 whose kid names the draft-08 context: not its context. */
  n = encode_protected(&rfc05, 0, &m, &rid, d, sizeof d);
  r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a));
  CHECK_EQ_INT(a.d.msg.code, OSCORE_CODE(4, 1));
  CHECK(payload_is(&a.d.msg, "Security context not found"));
  CHECK_EQ_INT(app.calls, 0);

  oscore_ctx_wipe(&x);
  oscore_ctx_wipe(&x_on_empty_kid);
  oscore_ctx_wipe(&rfc05);
  coapx_server_free(srv);
  srv = main_srv;
}

static void test_bind_and_config(void) {
  coapx_server *s = NULL;
  coapx_server_config cfg = { .handler = NULL };
  CHECK_EQ_INT(coapx_server_new(&cfg, &s), COAPX_ERR_INVALID_ARG);
  const char *bad[] = { "127.0.0.1:99999" };
  cfg = (coapx_server_config){ .bind = bad, .n_bind = 1,
                               .handler = app_handler };
  CHECK_EQ_INT(coapx_server_new(&cfg, &s), COAPX_ERR_ADDRESS);
  const char *two[] = { "127.0.0.1:0", "[::1]:0" };
  cfg.bind = two;
  cfg.n_bind = 2;
  coapx_err e = coapx_server_new(&cfg, &s);
  /* ::1 may be missing in a container; IPv4 alone is then tested. */
  if (e == COAPX_ERR_BIND) {
    cfg.n_bind = 1;
    e = coapx_server_new(&cfg, &s);
  }
  CHECK_EQ_INT(e, COAPX_OK);
  CHECK(coapx_server_port(s, 0) != 0);
  if (cfg.n_bind == 2) {
    CHECK(coapx_server_port(s, 1) != 0);
    CHECK(coapx_server_port(s, 1) != coapx_server_port(s, 0) ||
          coapx_server_port(s, 1) != 0);
  }
  CHECK_EQ_INT(coapx_server_port(s, 5), 0);
  CHECK_EQ_INT(coapx_server_run_once(s, 0), COAPX_OK);
  coapx_server_free(s);

  /* "[::]" is dual-stack: an IPv4 client reaches it. */
  const char *any6[] = { "[::]:0" };
  cfg.bind = any6;
  cfg.n_bind = 1;
  if (coapx_server_new(&cfg, &s) != COAPX_OK) {
    fprintf(stderr, "no IPv6 here: dual-stack bind not tested\n");
    return;
  }
  coapx_server *main_srv = srv;
  srv = s;
  CHECK(connect_to(coapx_server_port(s, 0)));
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "hello");
  uint8_t d[256], buf[2048];
  answer_t a;
  size_t n = encode(0, &m, TOK, 4, d, sizeof d);
  size_t r = exchange(d, n, buf, sizeof buf, 1000);
  CHECK(r > 0 && parse(buf, r, &a) && payload_is(&a.d.msg, "Hello world"));
  CHECK(strncmp(app.peer, "127.0.0.1:", 10) == 0);   /* not ::ffff:... */
  srv = main_srv;
  coapx_server_free(s);
  CHECK(connect_to(coapx_server_port(srv, 0)));
}

int main(void) {
  coapx_libcoap_verbosity(0);
  snprintf(tmpdir, sizeof tmpdir, "/tmp/coapx-server-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  char creds_path[256];
  CHECK(make_server_context("b", NULL, creds_path, sizeof creds_path));
  CHECK(derive_client(&client, NULL, 0));
  store_credentials *creds = NULL;
  srv = start(creds_path, &creds);
  CHECK(srv != NULL);
  if (!srv) {
    scratch_rmtree(tmpdir);
    return unit_summary("test_server");
  }
  CHECK(connect_to(coapx_server_port(srv, 0)));

  test_plain_get();
  test_protected_get();
  test_full_block();
  test_gate_errors();
  test_replay_and_retransmission();
  test_observe_protected();
  test_observe_plain_rst();
  test_echo_recovery();
  test_kid_context();
  test_draft08_gate();
  CHECK(connect_to(coapx_server_port(srv, 0)));
  test_plain_get();
  test_non();
  test_run_until_stopped();
  test_watch_fd();
  test_bind_and_config();

  /* An observation still running at shutdown is told so. */
  oscore_opt o[4];
  oscore_msg m;
  plain_get(&m, o, 4, "obs");
  oscore_msg_add_opt(&m, OSCORE_OPT_OBSERVE, OSCORE_BYTES(NULL, 0));
  uint8_t d[256], buf[2048];
  size_t n = encode(0, &m, TOK, 4, d, sizeof d);
  ends = 0;
  CHECK(exchange(d, n, buf, sizeof buf, 1000) > 0);
  CHECK(app.obs != NULL);
  coapx_server_free(srv);
  CHECK_EQ_INT(ends, 1);
  CHECK_EQ_INT(last_end, COAPX_OBS_END_SHUTDOWN);
  oscore_ctx_wipe(&client);
  if (fd >= 0) close(fd);
  scratch_rmtree(tmpdir);
  return unit_summary("test_server");
}
