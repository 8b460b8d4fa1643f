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

/* A URI that did not parse: "host:port/path" or "host/path" without a
 * scheme is taken for a coap:// URI missing its scheme. */
bool client_hint_uri_scheme(const char *uri);

#endif
