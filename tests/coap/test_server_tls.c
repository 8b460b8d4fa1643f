/* The dispatcher on coaps+tcp:// (TLS with a pre-shared key, issue 18):
 * the TCP limits hold there too. Connections that never finish (or never
 * start) the handshake count against max_stream_sessions, so a flood of
 * them cannot take more descriptors than the cap; and after the handshake
 * our CSM's Max-Message-Size still bounds what is read (a longer message
 * closes the connection); a connection whose handshake does not finish
 * in time is closed. The TLS client is OpenSSL's own, over a
 * non-blocking socket, so that the server can run in the same thread.
 * Linked with libcoap's OpenSSL build, as the servers are. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include "coapx_server.h"
#include "store.h"
#include "stream_testutil.h"
#include "unit.h"

static coapx_server *srv;
static int app_calls;

static void app_handler(const coapx_request *req, coapx_response *resp,
                        void *arg) {
  (void)req; (void)arg;
  app_calls++;
  resp->msg.code = OSCORE_CODE(2, 5);
}

static store_credentials *psk_map(void) {
  char path[256];
  snprintf(path, sizeof path, "%s/tls-XXXXXX.json",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  int fd = mkstemps(path, 5);
  if (fd < 0) return NULL;
  const char *map = "{\":c\": {\"dtls\": {\"psk\": {\"ascii\": \"k\"}, "
                    "\"client-identity\": {\"ascii\": \"id\"}}}}";
  bool ok = write(fd, map, strlen(map)) == (ssize_t)strlen(map);
  close(fd);
  store_diag d = { .msg = "" };
  store_credentials *c = NULL;
  if (ok) store_credentials_load(path, &d, &c);
  unlink(path);
  return c;
}

static coapx_server *start(store_credentials *creds, size_t max_streams,
                           unsigned handshake_ms) {
  const char *bind[] = { "coaps+tcp://127.0.0.1:0" };
  coapx_server_config cfg = { .bind = bind, .n_bind = 1, .credentials = creds,
                              .handler = app_handler,
                              .max_stream_sessions = max_streams,
                              .tls_handshake_timeout_ms = handshake_ms };
  coapx_server *s = NULL;
  CHECK_EQ_INT(coapx_server_new(&cfg, &s), COAPX_OK);
  return s;
}

/* 10 connections that send nothing (no ClientHello): 4 kept, 6 closed at
 * once, as over plain TCP. */
static void test_connection_cap(store_credentials *creds) {
  srv = start(creds, 4, 0);
  if (!srv) return;
  uint16_t port = coapx_server_port(srv, 0);
  CHECK(port != 0);
  int fds[10];
  for (int i = 0; i < 10; i++) {
    fds[i] = stream_connect(port);
    CHECK(fds[i] >= 0);
    for (int k = 0; k < 5; k++) coapx_server_run_once(srv, 5);
  }
  int closed = 0;
  for (int i = 0; i < 10; i++)
    if (fds[i] >= 0 && stream_closed_by_server(srv, fds[i], 300)) closed++;
  fprintf(stderr, "TLS connections closed by the server: %d of 10\n", closed);
  CHECK_EQ_INT(closed, 6);
  for (int i = 0; i < 10; i++)
    if (fds[i] >= 0) close(fds[i]);
  coapx_server_free(srv);
  srv = NULL;
}

static unsigned int client_psk(SSL *ssl, const char *hint, char *identity,
                               unsigned int max_identity, unsigned char *psk,
                               unsigned int max_psk) {
  (void)ssl; (void)hint; (void)max_psk;
  snprintf(identity, max_identity, "id");
  psk[0] = 'k';
  return 1;
}

/* OpenSSL's TLS 1.2 PSK client (identity "id", key "k") on |fd|, made
 * non-blocking so that the server runs between its steps. */
static SSL *psk_client(int fd, SSL_CTX **ctx) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  *ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(*ctx, TLS1_2_VERSION);
  SSL_CTX_set_psk_client_callback(*ctx, client_psk);
  SSL_CTX_set_cipher_list(*ctx, "PSK");
  SSL *ssl = SSL_new(*ctx);
  SSL_set_fd(ssl, fd);
  return ssl;
}

/* Drive |ssl| (non-blocking) and the server until |step| succeeds or 3 s
 * pass. |step| returns SSL_connect/SSL_write/SSL_read's result. */
static int pump(SSL *ssl, int (*step)(SSL *, void *), void *arg) {
  long end = stream_now_ms() + 3000;
  while (stream_now_ms() < end) {
    int r = step(ssl, arg);
    if (r > 0) return r;
    int e = SSL_get_error(ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return r;
    coapx_server_run_once(srv, 5);
  }
  return -1;
}

static int do_connect(SSL *ssl, void *arg) {
  (void)arg;
  return SSL_connect(ssl);
}

typedef struct {
  const uint8_t *p;
  size_t len;
} out_bytes;

static int do_write(SSL *ssl, void *arg) {
  out_bytes *o = arg;
  return SSL_write(ssl, o->p, (int)o->len);
}

static int do_read(SSL *ssl, void *arg) {
  uint8_t *buf = arg;
  return SSL_read(ssl, buf, 256);
}

/* Everything the server sends until it closes the connection (SSL_read
 * returns 0 or fails), false when it is still open after |ms|. */
static bool tls_closed(SSL *ssl, long ms) {
  long end = stream_now_ms() + ms;
  uint8_t buf[256];
  while (stream_now_ms() < end) {
    int r = pump(ssl, do_read, buf);
    if (r <= 0) {
      int e = SSL_get_error(ssl, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return true;
    }
  }
  return false;
}

/* After a real TLS-PSK handshake: an empty CSM, a GET answered, then a
 * 3000-byte PUT (RFC 8323 framing by hand, Len 14) closes the
 * connection, the application never seeing it. */
static void test_message_size(store_credentials *creds) {
  srv = start(creds, 0, 0);
  if (!srv) return;
  int fd = stream_connect(coapx_server_port(srv, 0));
  CHECK(fd >= 0);
  if (fd < 0) return;
  SSL_CTX *ctx;
  SSL *ssl = psk_client(fd, &ctx);
  CHECK_EQ_INT(pump(ssl, do_connect, NULL), 1);

  static const uint8_t csm_get[] = {
    0x00, 0xE1,               /* CSM, no token */
    0x01, 0x01, 0x01,         /* Len 0, TKL 1, GET, token 01 */
  };
  out_bytes o = { csm_get, sizeof csm_get };
  CHECK_EQ_INT(pump(ssl, do_write, &o), (int)sizeof csm_get);
  long end = stream_now_ms() + 2000;
  while (app_calls == 0 && stream_now_ms() < end) {
    uint8_t buf[256];
    pump(ssl, do_read, buf);
  }
  CHECK_EQ_INT(app_calls, 1);

  static uint8_t put[3100];
  size_t body = 1 + 3000;                      /* 0xFF + payload */
  size_t n = 0;
  put[n++] = 0xE0;                             /* Len 14, no token */
  put[n++] = (uint8_t)((body - 269) >> 8);
  put[n++] = (uint8_t)(body - 269);
  put[n++] = 0x03;                             /* PUT */
  put[n++] = 0xFF;
  memset(put + n, 'x', 3000);
  n += 3000;
  o = (out_bytes){ put, n };
  CHECK_EQ_INT(pump(ssl, do_write, &o), (int)n);
  CHECK(tls_closed(ssl, 1500));
  CHECK_EQ_INT(app_calls, 1);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  coapx_server_free(srv);
  srv = NULL;
}

/* A connection that never sends its ClientHello is closed once the
 * handshake timeout (here 400 ms) has passed: libcoap alone holds it for
 * ever, a place under max_stream_sessions taken until the peer leaves.
 * One whose handshake is done stays and is served. */
static void test_handshake_timeout(store_credentials *creds) {
  srv = start(creds, 0, 400);
  if (!srv) return;
  uint16_t port = coapx_server_port(srv, 0);
  int silent = stream_connect(port);
  int fd = stream_connect(port);
  CHECK(silent >= 0 && fd >= 0);
  if (silent < 0 || fd < 0) return;
  SSL_CTX *ctx;
  SSL *ssl = psk_client(fd, &ctx);
  long t0 = stream_now_ms();
  CHECK_EQ_INT(pump(ssl, do_connect, NULL), 1);
  long waited = stream_now_ms() - t0;
  if (waited < 300)
    CHECK(!stream_closed_by_server(srv, silent, 300 - waited));
  CHECK(stream_closed_by_server(srv, silent, 3000));
  /* Past the timeout, the finished connection still carries a request. */
  static const uint8_t csm_get[] = { 0x00, 0xE1, 0x01, 0x01, 0x01 };
  out_bytes o = { csm_get, sizeof csm_get };
  int before = app_calls;
  CHECK_EQ_INT(pump(ssl, do_write, &o), (int)sizeof csm_get);
  long end = stream_now_ms() + 2000;
  while (app_calls == before && stream_now_ms() < end) {
    uint8_t buf[256];
    pump(ssl, do_read, buf);
  }
  CHECK_EQ_INT(app_calls, before + 1);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  close(silent);
  coapx_server_free(srv);
  srv = NULL;
}

int main(void) {
  coapx_libcoap_verbosity(0);   /* its warning about the PUT is expected */
  store_credentials *creds = psk_map();
  CHECK(creds != NULL);
  if (!creds) return unit_summary("test_server_tls");
  /* The server closes the map it is given: one each. */
  test_connection_cap(creds);
  creds = psk_map();
  test_message_size(creds);
  creds = psk_map();
  test_handshake_timeout(creds);
  return unit_summary("test_server_tls");
}
