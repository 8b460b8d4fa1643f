/* The CoAP transports the tools speak and how a URI scheme or a --bind
 * value names one: coap:// is UDP (RFC 7252), coap+tcp:// is TCP
 * (RFC 8323), coaps:// is DTLS with a pre-shared key (RFC 7252 §9) and
 * coaps+tcp:// TLS with one (RFC 8323 §9); both only where libcoap's
 * OpenSSL build is linked (coapx_transport_available).
 * One home for the scheme table, so that the client's URIs and the
 * servers' --bind values agree. */
#ifndef COAPX_TRANSPORT_H
#define COAPX_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <coap3/coap.h>

typedef enum {
  COAPX_TRANSPORT_UDP = 0,   /* coap:// */
  COAPX_TRANSPORT_TCP,       /* coap+tcp:// */
  COAPX_TRANSPORT_DTLS,      /* coaps:// */
  COAPX_TRANSPORT_TLS,       /* coaps+tcp:// */
} coapx_transport;

/* The transport of URI scheme |scheme| (lower case, |len| bytes, without
 * "://"). false for every other scheme (coap+ws, ...). */
bool coapx_transport_from_scheme(const char *scheme, size_t len,
                                 coapx_transport *out);

/* RFC 8323 (TCP, and TLS over it) has no message IDs, no
 * retransmission, no ACK or RST: the connection is reliable and its
 * handshake proves the peer's address. */
bool coapx_transport_reliable(coapx_transport t);

/* DTLS or TLS: a handshake with a pre-shared key comes first. */
bool coapx_transport_secure(coapx_transport t);

/* Whether the libcoap linked into this program can speak |t|: DTLS and
 * TLS need libcoap-3-openssl (the no-TLS build answers false). */
bool coapx_transport_available(coapx_transport t);

/* The default port of |t|: 5684 for coaps and coaps+tcp, 5683 otherwise
 * (RFC 7252 §12.7, RFC 8323 §8.2). */
uint16_t coapx_transport_default_port(coapx_transport t);

/* "DTLS" or "TLS", the handshake's name in messages (secure |t| only). */
const char *coapx_transport_security_name(coapx_transport t);

/* The URI scheme of |t| ("coaps+tcp"), without "://". */
const char *coapx_transport_scheme(coapx_transport t);

/* libcoap's protocol for |t|. */
coap_proto_t coapx_transport_proto(coapx_transport t);

/* Is |s| a session over a reliable transport (TCP or TLS)? */
bool coapx_session_reliable(const coap_session_t *s);

/* Is |s| a DTLS or TLS session (its peer named by a pre-shared key)? */
bool coapx_session_secure(const coap_session_t *s);

/* A --bind value may start with a scheme ("coap+tcp://[::]:5683",
 * "coap://127.0.0.1"); without one it is UDP. Writes the transport and
 * the address part (a trailing "/" dropped) into |addr| (|cap| bytes).
 * false when the scheme is not one we serve or the address part does not
 * fit; then |addr| holds the scheme as given, for the error line. */
bool coapx_transport_split_bind(const char *spec, coapx_transport *t,
                                char *addr, size_t cap);

#endif
