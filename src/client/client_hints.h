/* Sentences that point to the cause of a failure rather than restating
 * it: what a user switching from aiocoap-client or coap-client most often
 * trips over. Each returns a static hint (no newline), or NULL. */
#ifndef CLIENT_HINTS_H
#define CLIENT_HINTS_H

#include <stdbool.h>
#include <stdint.h>

/* An unprotected error answer to a protected request (code |code|,
 * diagnostic payload |detail|); |first_use|: the security context had sent
 * nothing before this request (sequence number 0). */
const char *client_hint_unprotected(uint8_t code, const char *detail,
                                    bool first_use);

/* The combined request (RFC 9668: message_3 with the first OSCORE
 * request) was answered without OSCORE and without an EDHOC error: the
 * server never saw the EDHOC option, or does not take combined requests;
 * through a proxy (|via_proxy|), the proxy may have dropped it. */
const char *client_hint_combined_unprotected(bool via_proxy);

/* A URI that did not parse: "host:port/path" or "host/path" without a
 * scheme is taken for a coap:// URI missing its scheme. */
bool client_hint_uri_scheme(const char *uri);

#endif
