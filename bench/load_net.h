/* The loopback target of oscore-load and its UDP sockets. */
#ifndef LOAD_NET_H
#define LOAD_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
  struct sockaddr_storage addr;
  socklen_t len;
  char text[80];               /* "127.0.0.1:5683", "[::1]:5683" */
} load_target;

typedef enum {
  LOAD_NET_OK,
  LOAD_NET_UNRESOLVABLE,
  LOAD_NET_NOT_LOOPBACK,
} load_net_err;

/* Resolve |host| (name or literal) and |port|; only a loopback address
 * (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) is accepted: this program
 * sends as fast as it can and must never aim that at another machine. A
 * name is refused unless every address it resolves to is loopback. */
load_net_err load_net_resolve(const char *host, uint16_t port, load_target *t);

/* A non-blocking UDP socket connected to |t| with large buffers, so that
 * K answers in flight are not dropped by the kernel; -1 on failure
 * (errno set). Connected: ICMP port-unreachable comes back as
 * ECONNREFUSED, and nothing but the target's datagrams are received. */
int load_net_socket(const load_target *t);

#endif
