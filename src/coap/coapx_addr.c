#include "coapx_addr.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

coapx_err coapx_addr_parse_bind(const char *spec, coap_address_t *out) {
  return coapx_addr_parse_bind_port(spec, COAPX_SERVER_DEFAULT_PORT, out);
}

coapx_err coapx_addr_parse_bind_port(const char *spec, uint16_t default_port,
                                     coap_address_t *out) {
  if (!spec || !out) return COAPX_ERR_INVALID_ARG;
  char host[256];
  const char *port = NULL;
  size_t hlen;
  if (spec[0] == '[') {
    const char *end = strchr(spec, ']');
    if (!end) return COAPX_ERR_ADDRESS;
    hlen = (size_t)(end - spec - 1);
    if (hlen >= sizeof host) return COAPX_ERR_ADDRESS;
    memcpy(host, spec + 1, hlen);
    if (end[1] == ':') port = end + 2;
    else if (end[1] != '\0') return COAPX_ERR_ADDRESS;
  } else {
    const char *colon = strchr(spec, ':');
    /* A second colon means an unbracketed IPv6 literal: all of it is host. */
    if (colon && strchr(colon + 1, ':')) colon = NULL;
    hlen = colon ? (size_t)(colon - spec) : strlen(spec);
    if (hlen >= sizeof host) return COAPX_ERR_ADDRESS;
    memcpy(host, spec, hlen);
    if (colon) port = colon + 1;
  }
  host[hlen] = '\0';

  unsigned long pnum = default_port;
  if (port) {
    char *endp;
    if (!*port || *port < '0' || *port > '9') return COAPX_ERR_ADDRESS;
    pnum = strtoul(port, &endp, 10);
    if (*endp || pnum > 65535) return COAPX_ERR_ADDRESS;
  }
  char pbuf[8];
  snprintf(pbuf, sizeof pbuf, "%lu", pnum);

  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (getaddrinfo(hlen ? host : "::", pbuf, &hints, &res) != 0 || !res)
    return COAPX_ERR_ADDRESS;
  coapx_err e = COAPX_ERR_ADDRESS;
  if (res->ai_addrlen <= sizeof out->addr) {
    coap_address_init(out);
    memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
    out->size = res->ai_addrlen;
    e = COAPX_OK;
  }
  freeaddrinfo(res);
  return e;
}

coapx_err coapx_addr_probe_free(const coap_address_t *a) {
  if (!a) return COAPX_ERR_INVALID_ARG;
  int family = a->addr.sa.sa_family;
  uint16_t port = family == AF_INET ? a->addr.sin.sin_port
                  : family == AF_INET6 ? a->addr.sin6.sin6_port : 0;
  if (port == 0) return COAPX_OK;
  int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return COAPX_ERR_BIND;
  int off = 0;
  if (family == AF_INET6)
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  coapx_err e = COAPX_OK;
  if (bind(fd, &a->addr.sa, a->size) != 0)
    e = errno == EADDRINUSE ? COAPX_ERR_IN_USE : COAPX_ERR_BIND;
  close(fd);
  return e;
}

size_t coapx_addr_host_key(const coap_address_t *a, uint8_t out[16]) {
  if (!a) return 0;
  if (a->addr.sa.sa_family == AF_INET) {
    memcpy(out, &a->addr.sin.sin_addr, 4);
    return 4;
  }
  if (a->addr.sa.sa_family != AF_INET6) return 0;
  const uint8_t *b = a->addr.sin6.sin6_addr.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&a->addr.sin6.sin6_addr)) {
    memcpy(out, b + 12, 4);
    return 4;
  }
  memcpy(out, b, 16);
  return 16;
}

uint32_t coapx_addr_key_hash(const uint8_t *key, size_t len) {
  uint32_t h = 2166136261u;     /* FNV-1a */
  for (size_t i = 0; i < len; i++) h = (h ^ key[i]) * 16777619u;
  return h;
}

void coapx_addr_format(const coap_address_t *a, char *buf, size_t cap) {
  if (!buf || cap == 0) return;
  buf[0] = '\0';
  if (!a) return;
  char host[INET6_ADDRSTRLEN];
  if (a->addr.sa.sa_family == AF_INET) {
    if (!inet_ntop(AF_INET, &a->addr.sin.sin_addr, host, sizeof host)) return;
    snprintf(buf, cap, "%s:%u", host, ntohs(a->addr.sin.sin_port));
  } else if (a->addr.sa.sa_family == AF_INET6 &&
             IN6_IS_ADDR_V4MAPPED(&a->addr.sin6.sin6_addr)) {
    /* An IPv4 peer of a dual-stack "[::]" endpoint: name it as IPv4. */
    if (!inet_ntop(AF_INET, &a->addr.sin6.sin6_addr.s6_addr[12], host,
                   sizeof host))
      return;
    snprintf(buf, cap, "%s:%u", host, ntohs(a->addr.sin6.sin6_port));
  } else if (a->addr.sa.sa_family == AF_INET6) {
    if (!inet_ntop(AF_INET6, &a->addr.sin6.sin6_addr, host, sizeof host))
      return;
    snprintf(buf, cap, "[%s]:%u", host, ntohs(a->addr.sin6.sin6_port));
  }
}

void coapx_addr_format_host_group(const coap_address_t *a, char *buf,
                                  size_t cap) {
  if (!buf || cap == 0) return;
  buf[0] = '\0';
  uint8_t key[16];
  size_t n = coapx_addr_host_key(a, key);
  char host[INET6_ADDRSTRLEN];
  if (n == 4 && inet_ntop(AF_INET, key, host, sizeof host)) {
    snprintf(buf, cap, "%s", host);
  } else if (n == 16) {
    memset(key + 8, 0, 8);
    if (inet_ntop(AF_INET6, key, host, sizeof host))
      snprintf(buf, cap, "%s/64", host);
  }
}

uint16_t coapx_addr_endpoint_port(const coap_endpoint_t *ep) {
  const char *s = ep ? coap_endpoint_str(ep) : NULL;
  if (!s) return 0;
  const char *sp = strchr(s, ' ');
  size_t n = sp ? (size_t)(sp - s) : strlen(s);
  /* The port follows the last colon before the protocol name. */
  const char *colon = NULL;
  for (size_t i = 0; i < n; i++)
    if (s[i] == ':') colon = s + i;
  if (!colon) return 0;
  unsigned long p = strtoul(colon + 1, NULL, 10);
  return p <= 65535 ? (uint16_t)p : 0;
}
