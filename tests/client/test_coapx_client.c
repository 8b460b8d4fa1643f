/* The client engine through its API, as the load generator and other tests
 * use it: several requests on one client, the sink's calls (order,
 * offsets, begin/end once per body), result fields, traces, and the error
 * paths of the API itself. The peer is client_testserver (path in argv[1]),
 * started here and killed by PID. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "coapx_client.h"
#include "unit.h"

typedef struct {
  int begins, ends;
  uint8_t code;
  uint8_t body[1 << 16];
  size_t len;
  bool gap;              /* an offset that did not continue the body */
  int fail_at_data;      /* >0: the n-th data call fails */
  int datas;
} collect;

static coapx_err on_begin(void *arg, const coapx_response_head *h) {
  collect *c = arg;
  c->begins++;
  c->code = h->code;
  c->len = 0;
  return COAPX_OK;
}

static coapx_err on_data(void *arg, const uint8_t *p, size_t n, uint64_t off) {
  collect *c = arg;
  if (++c->datas == c->fail_at_data) return COAPX_ERR_IO;
  if (off != c->len || c->len + n > sizeof c->body) {
    c->gap = true;
    return COAPX_ERR_IO;
  }
  memcpy(c->body + c->len, p, n);
  c->len += n;
  return COAPX_OK;
}

static coapx_err on_end(void *arg) {
  ((collect *)arg)->ends++;
  return COAPX_OK;
}

static int traces_req, traces_resp;
static void on_trace(const coapx_trace *t, void *arg) {
  (void)arg;
  if (t->kind == COAPX_TRACE_REQUEST) traces_req++;
  if (t->kind == COAPX_TRACE_RESPONSE) traces_resp++;
}

static pid_t server_pid = -1;

static unsigned start_server(const char *path) {
  int fd[2];
  if (pipe(fd) != 0) return 0;
  server_pid = fork();
  if (server_pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    execl(path, path, (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  FILE *f = fdopen(fd[0], "r");
  unsigned port = 0;
  if (!f || fscanf(f, "port %u", &port) != 1) port = 0;
  if (f) fclose(f);
  return port;
}

/* A GET/PUT template: method, Uri-Path segments, payload. */
static void req_msg(oscore_msg *m, oscore_opt *opts, uint8_t code,
                    const char *p1, const char *p2, const void *payload,
                    size_t len) {
  oscore_msg_init(m, opts, 8);
  m->code = code;
  oscore_msg_add_opt(m, OSCORE_OPT_URI_PATH, OSCORE_BYTES(p1, strlen(p1)));
  if (p2) oscore_msg_add_opt(m, OSCORE_OPT_URI_PATH, OSCORE_BYTES(p2, strlen(p2)));
  m->payload = OSCORE_BYTES(payload, len);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CLIENT_TESTSERVER\n", argv[0]);
    return 77;
  }
  unsigned port = start_server(argv[1]);
  CHECK(port != 0);
  if (!port) return unit_summary("test_coapx_client");

  coapx_client *cl = NULL;
  coapx_client_config cfg = { .host = "127.0.0.1", .port = (uint16_t)port,
                              .timeout_ms = 5000, .trace = on_trace };
  CHECK_EQ_INT(coapx_client_new(&cfg, &cl), COAPX_OK);
  CHECK(strstr(coapx_client_peer(cl), "127.0.0.1:") != NULL);

  static collect col;
  coapx_sink sink = { on_begin, on_data, on_end, &col };
  oscore_opt opts[8];
  oscore_msg m;
  coapx_client_result res;

  /* 1: a small answer. */
  req_msg(&m, opts, OSCORE_CODE_GET, "hello", NULL, NULL, 0);
  coapx_client_req r = { .msg = &m, .block_szx = -1 };
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_OK);
  CHECK_EQ_INT(res.code, OSCORE_CODE(2, 5));
  CHECK_EQ_INT(res.exchanges, 1);
  CHECK(!res.is_protected);
  CHECK_MEM(col.body, col.len, "Hello world", 11);
  CHECK(col.begins == 1 && col.ends == 1);
  CHECK(traces_req == 1 && traces_resp == 1);

  /* 2: the same client again, 5000 bytes in 256-byte blocks. */
  memset(&col, 0, sizeof col);
  traces_req = traces_resp = 0;
  req_msg(&m, opts, OSCORE_CODE_GET, "big", "5000", NULL, 0);
  r = (coapx_client_req){ .msg = &m, .block_szx = 4 };
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_OK);
  /* A 256-byte block is more than 3 times the plain request: the server
   * first proves the address with a 4.01 + Echo (RFC 9175 §2.4), which
   * the engine repeats once; the other blocks need no Echo. */
  CHECK_EQ_INT(res.exchanges, 21);
  CHECK(res.echo_retried);
  CHECK_EQ_INT(res.body_len, 5000);
  CHECK_EQ_INT(col.len, 5000);
  CHECK(!col.gap && col.begins == 1 && col.ends == 1);
  bool pattern_ok = true;
  for (size_t i = 0; i < col.len; i++)
    if (col.body[i] != (uint8_t)(i * 7 + i / 251)) pattern_ok = false;
  CHECK(pattern_ok);
  CHECK(traces_req == 21 && traces_resp == 21);

  /* 3: an upload in 1024-byte blocks, read back. */
  static uint8_t up[3000];
  for (size_t i = 0; i < sizeof up; i++) up[i] = (uint8_t)(i ^ 0x5a);
  memset(&col, 0, sizeof col);
  req_msg(&m, opts, OSCORE_CODE_PUT, "store", NULL, up, sizeof up);
  r = (coapx_client_req){ .msg = &m, .block_szx = -1 };
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_OK);
  CHECK_EQ_INT(res.code, OSCORE_CODE(2, 4));
  CHECK_EQ_INT(res.exchanges, 3);
  req_msg(&m, opts, OSCORE_CODE_GET, "store", NULL, NULL, 0);
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_OK);
  CHECK_MEM(col.body, col.len, up, sizeof up);

  /* 4: no sink at all is fine. */
  req_msg(&m, opts, OSCORE_CODE_GET, "hello", NULL, NULL, 0);
  CHECK_EQ_INT(coapx_client_request(cl, &r, NULL, &res), COAPX_OK);
  CHECK_EQ_INT(res.body_len, 11);

  /* 5: a sink that refuses the second block stops the transfer. */
  memset(&col, 0, sizeof col);
  col.fail_at_data = 2;
  req_msg(&m, opts, OSCORE_CODE_GET, "big", "5000", NULL, 0);
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_ERR_SINK);
  CHECK_EQ_INT(col.ends, 0);
  CHECK_EQ_INT(res.exchanges, 2);

  /* 6: an error answer is a result, not an engine error. */
  memset(&col, 0, sizeof col);
  req_msg(&m, opts, OSCORE_CODE_GET, "nothing", NULL, NULL, 0);
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_OK);
  CHECK_EQ_INT(res.code, OSCORE_CODE(4, 4));
  CHECK_EQ_INT(col.code, OSCORE_CODE(4, 4));

  /* 7: the stop flag already set: cancelled before any answer. */
  volatile sig_atomic_t stop = 1;
  req_msg(&m, opts, OSCORE_CODE_GET, "hello", NULL, NULL, 0);
  r = (coapx_client_req){ .msg = &m, .block_szx = -1, .stop = &stop };
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_ERR_CANCELLED);
  /* ...and the client still works afterwards. */
  r.stop = NULL;
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_OK);
  CHECK_EQ_INT(res.code, OSCORE_CODE(2, 5));

  /* 8: the engine's own options in the template, unsorted options,
   * impossible arguments. */
  req_msg(&m, opts, OSCORE_CODE_GET, "hello", NULL, NULL, 0);
  oscore_msg_add_opt(&m, OSCORE_OPT_BLOCK2, OSCORE_BYTES(NULL, 0));
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_ERR_INVALID_ARG);
  CHECK(res.detail[0] != '\0');
  req_msg(&m, opts, OSCORE_CODE_GET, "hello", NULL, NULL, 0);
  opts[1] = opts[0];
  opts[0].number = OSCORE_OPT_URI_QUERY;
  m.n_opts = 2;
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_ERR_INVALID_ARG);
  req_msg(&m, opts, OSCORE_CODE_GET, "hello", NULL, NULL, 0);
  r.block_szx = 7;
  CHECK_EQ_INT(coapx_client_request(cl, &r, &sink, &res), COAPX_ERR_INVALID_ARG);
  CHECK_EQ_INT(coapx_client_request(NULL, &r, &sink, &res), COAPX_ERR_INVALID_ARG);
  coapx_client_free(cl);

  coapx_client_config bad = { .host = "no-such-host.invalid", .port = 5683 };
  CHECK_EQ_INT(coapx_client_new(&bad, &cl), COAPX_ERR_ADDRESS);
  bad = (coapx_client_config){ .host = "127.0.0.1", .port = 0 };
  CHECK_EQ_INT(coapx_client_new(&bad, &cl), COAPX_ERR_INVALID_ARG);
  coapx_client_free(NULL);

  kill(server_pid, SIGTERM);
  waitpid(server_pid, NULL, 0);
  return unit_summary("test_coapx_client");
}
