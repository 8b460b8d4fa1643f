/* oscore-fileserver over loopback, driven by a raw OSCORE client built on
 * the core: protected GET/PUT, a retransmitted CON answered byte for byte,
 * a captured request replayed (refused, not executed again), observe
 * notifications after local and remote writes and the end on deletion,
 * restarts after SIGTERM (exact state, no Echo) and after SIGKILL (B.1.2
 * Echo recovery), --require-oscore. */
#include "fs_wire.h"

static char top[512], root[600], srvctx[600], clictx[600], creds[600],
    logf_[600];

static bool copy(const char *from, const char *to) {
  size_t n;
  char *b = tu_read("", from, &n);
  if (!b)
    return false;
  FILE *f = fopen(to, "wb");
  bool ok = f && fwrite(b, 1, n, f) == n;
  if (f)
    fclose(f);
  chmod(to, 0600);
  free(b);
  return ok;
}

static bool setup(void) {
  const char *src = getenv("SRCDIR");
  snprintf(top, sizeof top, "%s", tu_mkdtemp());
  snprintf(root, sizeof root, "%s/root", top);
  snprintf(srvctx, sizeof srvctx, "%s/server", top);
  snprintf(clictx, sizeof clictx, "%s/client", top);
  snprintf(creds, sizeof creds, "%s/server.json", top);
  snprintf(logf_, sizeof logf_, "%s/server.log", top);
  tu_mkdir(top, "root");
  tu_mkdir(top, "server");
  tu_mkdir(top, "client");
  const char *files[] = {"settings.json", "secret.json"};
  for (int i = 0; i < 2; i++) {
    char from[1024], to[1024];
    /* Context A is the client's (sender ID empty), B the server's. */
    snprintf(from, sizeof from, "%s/tests/data/plugtest-contexts/a/%s",
             src ? src : ".", files[i]);
    snprintf(to, sizeof to, "%s/%s", clictx, files[i]);
    if (!copy(from, to))
      return false;
    snprintf(from, sizeof from, "%s/tests/data/plugtest-contexts/b/%s",
             src ? src : ".", files[i]);
    snprintf(to, sizeof to, "%s/%s", srvctx, files[i]);
    if (!copy(from, to))
      return false;
  }
  const char *map = "{\":client1\": {\"oscore\": {\"basedir\": \"server/\"}}}";
  tu_write(top, "server.json", map, strlen(map));
  tu_write(root, "a.txt", "hello", 5);
  return true;
}

static void get_msg(treq *q, const char *path) {
  treq_init(q, OSCORE_CODE_GET, path);
}

static fw_server srv;
static fw_client cli;
static fw_answer ans;

static bool start(void) {
  const char *args[] = {"--credentials", creds, "--write", "-v", root, NULL};
  return fw_start(&srv, logf_, args);
}

static void test_basic(void) {
  treq q;
  get_msg(&q, "/a.txt");
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK(ans.was_protected && ans.verified);
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 5));
  CHECK(fw_payload_is(&ans, "hello"));
  CHECK(fw_log_has(&srv, ":client1 GET /a.txt -> 2.05 5 bytes"));

  /* Listing over OSCORE. */
  get_msg(&q, "/");
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 5));
  CHECK(fw_payload_is(&ans, "</a.txt>"));

  /* Unprotected requests are served too (no --require-oscore), as the
   * anonymous identity. */
  fw_client plain;
  CHECK(fw_client_open(&plain, srv.port, NULL));
  get_msg(&q, "/a.txt");
  CHECK(fw_request(&plain, &q.m, &ans));
  CHECK(!ans.was_protected);
  CHECK(fw_payload_is(&ans, "hello"));
  CHECK(fw_log_has(&srv, "anonymous GET /a.txt -> 2.05"));
  fw_client_close(&plain);
}

/* The same CON datagram twice: the second answer is the first, byte for
 * byte, and the request is not run twice. */
static void test_retransmission(void) {
  treq q;
  treq_init(&q, OSCORE_CODE_PUT, "/counter.txt");
  treq_payload(&q, "one", 3);
  CHECK(fw_build(&cli, &q.m));
  uint8_t d[2048];
  size_t dn = cli.dgram_len;
  memcpy(d, cli.dgram, dn);
  CHECK(fw_send_raw(&cli, d, dn));
  CHECK(fw_await(&cli, &ans, 3000));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 4));
  uint8_t first[2048];
  size_t first_len = ans.raw_len;
  memcpy(first, ans.raw, first_len);
  /* Changed locally meanwhile: a second execution would overwrite it. */
  tu_write(root, "counter.txt", "local", 5);
  CHECK(fw_send_raw(&cli, d, dn));
  CHECK(fw_await(&cli, &ans, 3000));
  CHECK_EQ_INT(ans.raw_len, first_len);
  CHECK(memcmp(ans.raw, first, first_len) == 0);
  size_t n;
  char *b = tu_read(root, "counter.txt", &n);
  CHECK(b && n == 5 && memcmp(b, "local", 5) == 0);
  free(b);
  CHECK(fw_log_has(&srv, "(retransmission, cached answer)"));
}

static uint8_t captured[2048];
static size_t captured_len;
static oscore_request_id captured_rid;

/* A captured protected PUT sent again under a new message ID: the
 * dispatcher's cache does not apply, the replay window refuses it. */
static void test_replay(void) {
  treq q;
  treq_init(&q, OSCORE_CODE_PUT, "/r.txt");
  treq_payload(&q, "first", 5);
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 4));
  captured_len = cli.dgram_len;
  memcpy(captured, cli.dgram, captured_len);
  captured_rid = cli.rid;
  tu_write(root, "r.txt", "local", 5);

  uint8_t d[2048];
  memcpy(d, captured, captured_len);
  d[2] ^= 0x55;  /* another message ID */
  memcpy(cli.token, d + 4, 8);
  CHECK(fw_send_raw(&cli, d, captured_len));
  CHECK(fw_await(&cli, &ans, 3000));
  CHECK(!ans.was_protected);
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(4, 1));
  CHECK(fw_payload_is(&ans, "Replay detected"));
  size_t n;
  char *b = tu_read(root, "r.txt", &n);
  CHECK(b && n == 5 && memcmp(b, "local", 5) == 0);
  free(b);
}

static bool send_ack(fw_client *c, uint16_t mid) {
  uint8_t ack[4] = {0x60, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid};
  return fw_send_raw(c, ack, 4);
}

/* Wait for a notification on |token| (answering other datagrams nothing);
 * ACKs it. */
static bool await_notification(const uint8_t token[8],
                               const oscore_request_id *rid, int ms) {
  uint64_t end = fw_now_ms() + (uint64_t)ms;
  while (fw_now_ms() < end) {
    ans.raw_len = fw_recv_raw(&cli, ans.raw, sizeof ans.raw,
                              (int)(end - fw_now_ms()));
    if (!ans.raw_len)
      return false;
    if (!fw_decode(&cli, &ans, rid))
      continue;
    if (ans.d.token_len != 8 || memcmp(ans.d.token, token, 8) != 0)
      continue;
    if (ans.d.type == 0)
      send_ack(&cli, ans.d.mid);
    return true;
  }
  return false;
}

static void test_observe(void) {
  tu_write(root, "obs.txt", "v1", 2);
  treq q;
  get_msg(&q, "/obs.txt");
  treq_uint(&q, OSCORE_OPT_OBSERVE, 0);
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 5));
  CHECK(fw_payload_is(&ans, "v1"));
  CHECK(oscore_msg_find_opt(&ans.plain, OSCORE_OPT_OBSERVE) != NULL);
  uint8_t token[8];
  memcpy(token, cli.token, 8);
  oscore_request_id rid = cli.rid;

  /* A local write. */
  usleep(20000);
  tu_write(root, "obs.txt", "v2-local", 8);
  CHECK(await_notification(token, &rid, 3000));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 5));
  CHECK(fw_payload_is(&ans, "v2-local"));
  CHECK(oscore_msg_find_opt(&ans.plain, OSCORE_OPT_OBSERVE) != NULL);

  /* A write through the server by another request (atomic rename). */
  treq_init(&q, OSCORE_CODE_PUT, "/obs.txt");
  treq_payload(&q, "v3-put", 6);
  CHECK(fw_build(&cli, &q.m));
  CHECK(fw_send_raw(&cli, cli.dgram, cli.dgram_len));
  /* The PUT's answer and the notification may come in either order. */
  bool got_put = false, got_note = false;
  uint8_t put_token[8];
  memcpy(put_token, cli.token, 8);
  oscore_request_id put_rid = cli.rid;
  uint64_t end = fw_now_ms() + 3000;
  while ((!got_put || !got_note) && fw_now_ms() < end) {
    ans.raw_len = fw_recv_raw(&cli, ans.raw, sizeof ans.raw,
                              (int)(end - fw_now_ms()));
    if (!ans.raw_len)
      break;
    oscore_msg_init(&ans.d.msg, ans.outer_opts, 64);
    if (oscore_datagram_decode(OSCORE_BYTES(ans.raw, ans.raw_len), &ans.d))
      continue;
    if (memcmp(ans.d.token, put_token, 8) == 0) {
      CHECK(fw_decode(&cli, &ans, &put_rid));
      CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 4));
      got_put = true;
    } else if (memcmp(ans.d.token, token, 8) == 0) {
      CHECK(fw_decode(&cli, &ans, &rid));
      if (ans.d.type == 0)
        send_ack(&cli, ans.d.mid);
      CHECK(fw_payload_is(&ans, "v3-put"));
      got_note = true;
    }
  }
  CHECK(got_put);
  CHECK(got_note);

  /* Deleted: a 4.04 notification ends the observation. */
  char p[1024];
  snprintf(p, sizeof p, "%s/obs.txt", root);
  unlink(p);
  CHECK(await_notification(token, &rid, 3000));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(4, 4));
  CHECK(oscore_msg_find_opt(&ans.plain, OSCORE_OPT_OBSERVE) == NULL);
  /* And nothing more after that. */
  tu_write(root, "obs.txt", "v4", 2);
  CHECK(!await_notification(token, &rid, 500));

  /* Directories are not observable: one answer without Observe. */
  get_msg(&q, "/");
  treq_uint(&q, OSCORE_OPT_OBSERVE, 0);
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 5));
  CHECK(oscore_msg_find_opt(&ans.plain, OSCORE_OPT_OBSERVE) == NULL);
}

static bool seq_file_has(const char *needle) {
  char p[1024];
  snprintf(p, sizeof p, "%s/sequence.json", srvctx);
  size_t n;
  char *b = tu_read("", p, &n);
  if (!b)
    return false;
  b = realloc(b, n + 1);
  b[n] = 0;
  bool found = strstr(b, needle) != NULL;
  free(b);
  return found;
}

/* SIGTERM writes the exact state: after a restart the first request is
 * served at once, and the old capture is still a replay. */
static void test_clean_restart(void) {
  CHECK_EQ_INT(fw_stop(&srv, SIGTERM), 0);
  CHECK(!seq_file_has("unknown"));
  CHECK(seq_file_has("\"index\""));
  CHECK(!tu_exists(srvctx, "lock"));
  CHECK(start());
  fw_client_port(&cli, srv.port);
  treq q;
  get_msg(&q, "/a.txt");
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 5));
  CHECK(fw_payload_is(&ans, "hello"));

  tu_write(root, "r.txt", "local2", 6);
  uint8_t d[2048];
  memcpy(d, captured, captured_len);
  d[3] ^= 0x33;
  memcpy(cli.token, d + 4, 8);
  CHECK(fw_send_raw(&cli, d, captured_len));
  CHECK(fw_await(&cli, &ans, 3000));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(4, 1));
  CHECK(fw_payload_is(&ans, "Replay detected"));
  size_t n;
  char *b = tu_read(root, "r.txt", &n);
  CHECK(b && n == 6 && memcmp(b, "local2", 6) == 0);
  free(b);
}

/* SIGKILL leaves "received": "unknown": the next request is challenged
 * with a protected 4.01 + Echo and not executed; the retry with the Echo
 * is. The old capture is challenged too, never executed. */
static void test_crash_restart(void) {
  /* A request first, so the window changed and "unknown" was written. */
  treq q;
  get_msg(&q, "/a.txt");
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK_EQ_INT(fw_stop(&srv, SIGKILL), 128 + SIGKILL);
  CHECK(seq_file_has("unknown"));
  CHECK(start());
  fw_client_port(&cli, srv.port);

  tu_write(root, "r.txt", "local3", 6);
  uint8_t d[2048];
  memcpy(d, captured, captured_len);
  d[3] ^= 0x77;
  memcpy(cli.token, d + 4, 8);
  cli.rid = captured_rid;  /* the challenge answers that old request */
  CHECK(fw_send_raw(&cli, d, captured_len));
  CHECK(fw_await(&cli, &ans, 3000));
  CHECK(ans.was_protected && ans.verified);
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(4, 1));
  CHECK(oscore_msg_find_opt(&ans.plain, OSCORE_OPT_ECHO) != NULL);
  size_t n;
  char *b = tu_read(root, "r.txt", &n);
  CHECK(b && n == 6 && memcmp(b, "local3", 6) == 0);
  free(b);

  treq_init(&q, OSCORE_CODE_PUT, "/echo.txt");
  treq_payload(&q, "after crash", 11);
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK(ans.was_protected && ans.verified);
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(4, 1));
  const oscore_opt *echo = oscore_msg_find_opt(&ans.plain, OSCORE_OPT_ECHO);
  CHECK(echo != NULL);
  CHECK(!tu_exists(root, "echo.txt"));
  if (echo) {
    uint8_t ev[40];
    size_t el = echo->value.len < sizeof ev ? echo->value.len : sizeof ev;
    memcpy(ev, echo->value.ptr, el);
    treq_init(&q, OSCORE_CODE_PUT, "/echo.txt");
    treq_opt(&q, OSCORE_OPT_ECHO, ev, el);
    treq_payload(&q, "after crash", 11);
    CHECK(fw_request(&cli, &q.m, &ans));
    CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 4));
    CHECK(tu_exists(root, "echo.txt"));
  }
  /* From now on no challenge. */
  get_msg(&q, "/a.txt");
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 5));
}

static void test_require_oscore(void) {
  CHECK_EQ_INT(fw_stop(&srv, SIGTERM), 0);
  const char *args[] = {"--credentials", creds, "--require-oscore", root,
                        NULL};
  CHECK(fw_start(&srv, logf_, args));
  fw_client plain;
  CHECK(fw_client_open(&plain, srv.port, NULL));
  treq q;
  get_msg(&q, "/a.txt");
  CHECK(fw_request(&plain, &q.m, &ans));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(4, 1));
  CHECK(!fw_payload_is(&ans, "hello"));
  fw_client_close(&plain);
  fw_client_port(&cli, srv.port);
  CHECK(fw_request(&cli, &q.m, &ans));
  CHECK_EQ_INT(ans.plain.code, OSCORE_CODE(2, 5));
  CHECK(fw_payload_is(&ans, "hello"));
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  if (!setup()) {
    fprintf(stderr, "setup failed (SRCDIR?)\n");
    return 1;
  }
  if (!start()) {
    fprintf(stderr, "server did not start; its log: %s\n", logf_);
    return 1;
  }
  CHECK(fw_client_open(&cli, srv.port, clictx));
  test_basic();
  test_retransmission();
  test_replay();
  test_observe();
  test_clean_restart();
  test_crash_restart();
  test_require_oscore();
  CHECK_EQ_INT(fw_stop(&srv, SIGTERM), 0);
  fw_client_close(&cli);
  int rc = unit_summary("test_fs_wire");
  if (rc == 0)
    tu_rmtree(top);
  else
    fprintf(stderr, "kept %s for inspection\n", top);
  return rc;
}
