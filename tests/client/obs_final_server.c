/* A raw OSCORE server that ends an observation the way libcoap 4.3.5's
 * servers do (oscore-interop-server /oscore/observe1, coap-server /time
 * when deleted): the registration is answered with the request's nonce,
 * and the final 5.00, without Observe, reuses that nonce again, so it
 * carries no partial IV. The dispatcher never does this (the core refuses
 * a second use of a request's nonce); here the test deliberately resets
 * the mark to play the peer.
 *
 *   obs_final_server CONTEXT-DIR [observe-nopiv | silent]
 *
 * prints "port N" once bound on 127.0.0.1, answers one Observe
 * registration, sends the final response 200 ms later and exits (at the
 * latest 30 s after starting). With "observe-nopiv" the second message
 * keeps Observe (a notification without partial IV, which the client must
 * drop), and then the final one follows. With "silent" nothing follows
 * the registration's answer for 30 s (for --timeout). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "oscore_protect.h"
#include "oscore_replay.h"
#include "store.h"

#define NOPTS 16

static int send_protected(int fd, const struct sockaddr_in *to,
                          oscore_ctx *ctx, oscore_request_id *rid,
                          uint8_t type, uint16_t mid, const uint8_t *token,
                          size_t token_len, uint8_t code, bool observe,
                          const char *text) {
  oscore_opt po[NOPTS], oo[NOPTS];
  oscore_msg plain;
  oscore_msg_init(&plain, po, NOPTS);
  plain.code = code;
  if (observe) oscore_msg_add_opt(&plain, OSCORE_OPT_OBSERVE, OSCORE_BYTES("", 0));
  plain.payload = OSCORE_BYTES(text, strlen(text));
  oscore_datagram d = { .type = type, .mid = mid, .token_len = token_len };
  memcpy(d.token, token, token_len);
  oscore_msg_init(&d.msg, oo, NOPTS);
  uint8_t buf[1024], wire[1280];
  size_t n;
  /* libcoap's behaviour: the request's nonce again, as often as it likes. */
  rid->nonce_used = false;
  if (oscore_protect_response(ctx, rid, false, &plain, &d.msg, buf,
                              sizeof buf) != OSCORE_OK ||
      oscore_datagram_encode(&d, wire, sizeof wire, &n) != OSCORE_OK)
    return -1;
  return sendto(fd, wire, n, 0, (const struct sockaddr *)to, sizeof *to) ==
                 (ssize_t)n ? 0 : -1;
}

/* Wait for the one registration and verify it; |rid| binds the answers. */
static int receive_registration(int fd, oscore_ctx *ctx,
                                struct sockaddr_in *from, oscore_datagram *d,
                                oscore_request_id *rid) {
  static uint8_t in[1500], pbuf[1500];
  static oscore_opt io[NOPTS], po[NOPTS];
  struct pollfd p = { .fd = fd, .events = POLLIN };
  if (poll(&p, 1, 30000) != 1) return -1;
  socklen_t fl = sizeof *from;
  ssize_t n = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)from, &fl);
  oscore_msg_init(&d->msg, io, NOPTS);
  if (n <= 0 || oscore_datagram_decode(OSCORE_BYTES(in, (size_t)n), d) !=
                    OSCORE_OK)
    return -1;
  const oscore_opt *o = oscore_msg_find_opt(&d->msg, OSCORE_OPT_OSCORE);
  oscore_option opt;
  if (!o || oscore_option_decode(o->value, &opt) != OSCORE_OK) return -1;
  oscore_msg plain;
  oscore_msg_init(&plain, po, NOPTS);
  oscore_err e = oscore_unprotect_request(ctx, &opt, &d->msg, &plain, pbuf,
                                          sizeof pbuf, rid);
  if (e == OSCORE_ERR_WINDOW_UNINIT) {
    /* A test peer: take the request as fresh, and its nonce as usable. */
    oscore_replay_init_from_fresh(&ctx->replay, rid->seq);
    rid->piv_reusable = true;
    e = OSCORE_OK;
  }
  return e == OSCORE_OK ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CONTEXT-DIR [observe-nopiv]\n", argv[0]);
    return 2;
  }
  bool nopiv_note = argc > 2 && strcmp(argv[2], "observe-nopiv") == 0;
  bool silent = argc > 2 && strcmp(argv[2], "silent") == 0;
  store_diag diag = { .msg = "" };
  store_context *sc;
  if (store_context_open(argv[1], &diag, &sc) != STORE_OK) {
    fprintf(stderr, "%s\n", diag.msg);
    return 1;
  }
  oscore_ctx *ctx = store_context_oscore(sc);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET,
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t al = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
    perror("socket");
    return 1;
  }
  printf("port %u\n", ntohs(a.sin_port));
  fflush(stdout);

  struct sockaddr_in peer;
  oscore_datagram req;
  oscore_request_id rid;
  int rc = 1;
  if (receive_registration(fd, ctx, &peer, &req, &rid) == 0 &&
      send_protected(fd, &peer, ctx, &rid, 2, req.mid, req.token,
                     req.token_len, OSCORE_CODE(2, 5), true, "one") == 0) {
    if (silent) {
      struct pollfd p = { .fd = fd, .events = 0 };
      poll(&p, 1, 30000);
    }
    usleep(200000);
    rc = 0;
    if (nopiv_note &&
        send_protected(fd, &peer, ctx, &rid, 0, 0x4242, req.token,
                       req.token_len, OSCORE_CODE(2, 5), true, "forged?") != 0)
      rc = 1;
    if (nopiv_note) usleep(200000);
    if (send_protected(fd, &peer, ctx, &rid, 0, 0x4243, req.token,
                       req.token_len, OSCORE_CODE(5, 0),
                       false, "Terminate Observe") != 0)
      rc = 1;
    /* Let the client's ACK arrive before the socket goes away. */
    usleep(300000);
  }
  close(fd);
  store_context_close(sc, NULL);
  return rc;
}
