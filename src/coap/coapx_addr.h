/* Socket addresses for the server: parsing a --bind specification and
 * naming a peer in logs and in the application's request. */
#ifndef COAPX_ADDR_H
#define COAPX_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <coap3/coap.h>
#include "coapx_error.h"

#define COAPX_SERVER_DEFAULT_PORT 5683
/* "[" + 45 (INET6_ADDRSTRLEN) + "%" + interface + "]:" + 5 digits + NUL */
#define COAPX_ADDR_TEXT 80

/* Parse "host", "host:port", "[v6]" or "[v6]:port" (port default 5683,
 * 0 allowed) into a passive UDP address: the first result of getaddrinfo().
 * An empty host means "::". COAPX_ERR_ADDRESS when it does not parse or
 * resolve. */
coapx_err coapx_addr_parse_bind(const char *spec, coap_address_t *out);
/* The same with another default port (5684 for coaps://). */
coapx_err coapx_addr_parse_bind_port(const char *spec, uint16_t default_port,
                                     coap_address_t *out);

/* Is |a| free to bind? libcoap binds with SO_REUSEADDR, with which a
 * second server on a port in use starts silently and takes (some of) the
 * traffic; a probe socket without it meets EADDRINUSE instead. IPv6
 * probes are dual-stack like libcoap's sockets, so "[::]" conflicts with
 * an IPv4 server on the port. Port 0 is always free. COAPX_ERR_IN_USE
 * when taken, COAPX_ERR_BIND when the address cannot be bound at all. */
coapx_err coapx_addr_probe_free(const coap_address_t *a);

/* The host part of |a| (no port) as bytes into |out|: 4 for IPv4 and
 * IPv4-mapped IPv6, 16 for IPv6; 0 for anything else. Keys the per-peer
 * limits, which count a host, not one of its source ports. */
size_t coapx_addr_host_key(const coap_address_t *a, uint8_t out[16]);

/* FNV-1a of an address key (coapx_addr_host_key's, perhaps with a port):
 * the bucket hash of the per-peer tables. */
uint32_t coapx_addr_key_hash(const uint8_t *key, size_t len);

/* "a.b.c.d:port" or "[v6]:port" into |buf| (always NUL-terminated);
 * IPv4-mapped IPv6 addresses are shown as IPv4. */
void coapx_addr_format(const coap_address_t *a, char *buf, size_t cap);

/* The host group per-host limits of the application count, as text: the
 * IPv4 address ("192.0.2.1"; IPv4-mapped IPv6 shown so), or the /64 prefix
 * of an IPv6 address ("2001:db8:1:2::/64"), since one IPv6 host usually
 * owns a whole /64. Empty for other families. */
void coapx_addr_format_host_group(const coap_address_t *a, char *buf,
                                  size_t cap);

/* The port in libcoap's text of a bound endpoint ("[::1]:5683 UDP"), which
 * is the only public place that shows the port picked for port 0. */
uint16_t coapx_addr_endpoint_port(const coap_endpoint_t *ep);

#endif
