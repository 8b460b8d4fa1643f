/* The dispatcher on coaps:// (issue 18): ClientHellos from many (possibly
 * spoofed) source addresses cannot fill memory. libcoap 4.3.1 answers a
 * ClientHello without a cookie with a HelloVerifyRequest (the cookie
 * exchange is on) from one shared SSL object, keeping only a small
 * "hello" session per address, and keeps at most
 * COAPX_MAX_DTLS_HANDSHAKES of those (the dispatcher sets the cap; more
 * ClientHellos are ignored until the oldest ages out). The ClientHello
 * comes from OpenSSL itself (memory BIOs): the bytes a real DTLS 1.2
 * client sends first. Linked with libcoap's OpenSSL build, as the servers
 * are. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include "coapx_server.h"
#include "store.h"
#include "unit.h"

#define HELLOS 200

static void app_handler(const coapx_request *req, coapx_response *resp,
                        void *arg) {
  (void)req; (void)arg;
  resp->msg.code = OSCORE_CODE(2, 5);
}

static unsigned int client_psk(SSL *ssl, const char *hint, char *identity,
                               unsigned int max_identity, unsigned char *psk,
                               unsigned int max_psk) {
  (void)ssl; (void)hint; (void)max_psk;
  snprintf(identity, max_identity, "id");
  memcpy(psk, "k", 1);
  return 1;
}

/* The first datagram of a DTLS 1.2 PSK client, in |out|. */
static size_t client_hello(uint8_t *out, size_t cap) {
  SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
  SSL_CTX_set_psk_client_callback(ctx, client_psk);
  SSL_CTX_set_cipher_list(ctx, "PSK-AES128-CCM8:PSK-AES128-CBC-SHA256");
  SSL *ssl = SSL_new(ctx);
  BIO *rd = BIO_new(BIO_s_mem()), *wr = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rd, wr);
  SSL_connect(ssl);   /* wants to read: the ClientHello is written */
  int n = BIO_read(wr, out, (int)cap);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return n > 0 ? (size_t)n : 0;
}

static store_credentials *dtls_map(char *path, size_t cap) {
  snprintf(path, cap, "%s/dtls-XXXXXX.json",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  int fd = mkstemps(path, 5);
  if (fd < 0) return NULL;
  const char *map = "{\":c\": {\"dtls\": {\"psk\": {\"ascii\": \"k\"}, "
                    "\"client-identity\": {\"ascii\": \"id\"}}}}";
  if (write(fd, map, strlen(map)) != (ssize_t)strlen(map)) {
    close(fd);
    return NULL;
  }
  close(fd);
  store_diag d = { .msg = "" };
  store_credentials *c = NULL;
  store_credentials_load(path, &d, &c);
  unlink(path);
  return c;
}

int main(void) {
  char path[256];
  store_credentials *creds = dtls_map(path, sizeof path);
  CHECK(creds != NULL);
  const char *bind[] = { "coaps://127.0.0.1:0" };
  coapx_server_config cfg = { .bind = bind, .n_bind = 1, .credentials = creds,
                              .handler = app_handler };
  coapx_server *srv = NULL;
  CHECK_EQ_INT(coapx_server_new(&cfg, &srv), COAPX_OK);
  if (!srv) return unit_summary("test_server_dtls");
  uint16_t port = coapx_server_port(srv, 0);
  CHECK(port != 0);

  uint8_t hello[1500];
  size_t hello_len = client_hello(hello, sizeof hello);
  CHECK(hello_len > 13 && hello[0] == 22);   /* a handshake record */

  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fds[HELLOS];
  int verify_requests = 0;
  for (int i = 0; i < HELLOS; i++) {
    fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
    if (fds[i] < 0 ||
        sendto(fds[i], hello, hello_len, 0, (struct sockaddr *)&to,
               sizeof to) != (ssize_t)hello_len)
      continue;
    coapx_server_run_once(srv, 0);
  }
  for (int round = 0; round < 20; round++) coapx_server_run_once(srv, 10);
  for (int i = 0; i < HELLOS; i++) {
    uint8_t buf[1500];
    struct pollfd p = { .fd = fds[i], .events = POLLIN };
    /* libcoap answered inside run_once: the datagrams are queued. */
    if (fds[i] >= 0 && poll(&p, 1, i == 0 ? 500 : 0) == 1) {
      ssize_t n = recv(fds[i], buf, sizeof buf, 0);
      /* record type 22 (handshake), message type 3 (HelloVerifyRequest) */
      if (n > 13 && buf[0] == 22 && buf[13] == 3) verify_requests++;
    }
    if (fds[i] >= 0) close(fds[i]);
  }
  fprintf(stderr, "%d ClientHellos: %d HelloVerifyRequests, %zu sessions\n",
          HELLOS, verify_requests, coapx_server_sessions(srv));
  /* Up to the cap each got its cookie; beyond it nothing was kept. */
  CHECK(verify_requests >= COAPX_MAX_DTLS_HANDSHAKES);
  CHECK(coapx_server_sessions(srv) <= COAPX_MAX_DTLS_HANDSHAKES + 1);
  CHECK(coapx_server_sessions(srv) < HELLOS);
  coapx_server_free(srv);
  return unit_summary("test_server_dtls");
}
