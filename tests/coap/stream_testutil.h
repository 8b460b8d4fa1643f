/* Raw TCP helpers for the dispatcher's stream tests (coap+tcp:// in
 * test_server_limits, coaps+tcp:// in test_server_tls): connect to a
 * loopback port, and tell whether the server closed a connection while it
 * keeps running. */
#ifndef STREAM_TESTUTIL_H
#define STREAM_TESTUTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "coapx_server.h"

static inline long stream_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A TCP connection to 127.0.0.1:|port|, or -1. */
static inline int stream_connect(uint16_t port) {
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Has |srv| closed |fd|? Runs it and reads what it sent (a CSM, say)
 * until EOF or until |ms| pass. */
static inline bool stream_closed_by_server(coapx_server *srv, int fd,
                                           long ms) {
  long end = stream_now_ms() + ms;
  uint8_t buf[256];
  while (stream_now_ms() < end) {
    coapx_server_run_once(srv, 5);
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
      return true;
  }
  return false;
}

#endif
