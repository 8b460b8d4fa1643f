/* The CoAP transports the tools speak and how a URI scheme or a --bind
 * value names one: coap:// is UDP (RFC 7252), coap+tcp:// is TCP
 * (RFC 8323). One home for the scheme table, so that the client's URIs
 * and the servers' --bind values agree. The (D)TLS schemes (coaps://,
 * coaps+tcp://) are known here so that a user is told they are not
 * supported rather than that they are not URIs. */
#ifndef COAPX_TRANSPORT_H
#define COAPX_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <coap3/coap.h>

typedef enum {
  COAPX_TRANSPORT_UDP = 0,   /* coap:// */
  COAPX_TRANSPORT_TCP,       /* coap+tcp:// */
} coapx_transport;

/* The transport of URI scheme |scheme| (lower case, |len| bytes, without
 * "://"). false for every other scheme, coaps and coaps+tcp included. */
bool coapx_transport_from_scheme(const char *scheme, size_t len,
                                 coapx_transport *out);

/* RFC 8323 (TCP) has no message IDs, no retransmission, no ACK or RST:
 * the connection is reliable and its handshake proves the peer's
 * address. */
bool coapx_transport_reliable(coapx_transport t);

/* libcoap's protocol for |t|. */
coap_proto_t coapx_transport_proto(coapx_transport t);

/* Is |s| a session over a reliable transport (TCP or TLS)? */
bool coapx_session_reliable(const coap_session_t *s);

/* A --bind value may start with a scheme ("coap+tcp://[::]:5683",
 * "coap://127.0.0.1"); without one it is UDP. Writes the transport and
 * the address part (a trailing "/" dropped) into |addr| (|cap| bytes).
 * false when the scheme is not one we serve or the address part does not
 * fit; then |addr| holds the scheme as given, for the error line. */
bool coapx_transport_split_bind(const char *spec, coapx_transport *t,
                                char *addr, size_t cap);

#endif
