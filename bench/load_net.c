#include "load_net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SOCK_BUF (4 * 1024 * 1024)

static bool is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const void *)sa;
    return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const void *)sa;
    if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
           s6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

load_net_err load_net_resolve(const char *host, uint16_t port, load_target *t) {
  char p[8];
  snprintf(p, sizeof p, "%u", port);
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
                            .ai_protocol = IPPROTO_UDP,
                            .ai_flags = AI_NUMERICSERV };
  struct addrinfo *ai = NULL;
  if (getaddrinfo(host, p, &hints, &ai) != 0 || !ai)
    return LOAD_NET_UNRESOLVABLE;
  for (struct addrinfo *a = ai; a; a = a->ai_next)
    if (!is_loopback(a->ai_addr)) {
      freeaddrinfo(ai);
      return LOAD_NET_NOT_LOOPBACK;
    }
  memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
  t->len = ai->ai_addrlen;
  char h[INET6_ADDRSTRLEN] = "?";
  if (ai->ai_family == AF_INET6) {
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, h,
              sizeof h);
    snprintf(t->text, sizeof t->text, "[%s]:%u", h, port);
  } else {
    inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, h,
              sizeof h);
    snprintf(t->text, sizeof t->text, "%s:%u", h, port);
  }
  freeaddrinfo(ai);
  return LOAD_NET_OK;
}

int load_net_socket(const load_target *t) {
  int fd = socket(t->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  IPPROTO_UDP);
  if (fd < 0) return -1;
  int sz = SOCK_BUF;
  /* Best effort: the kernel caps these at rmem_max/wmem_max. */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  if (connect(fd, (const struct sockaddr *)&t->addr, t->len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}
