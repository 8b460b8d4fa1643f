/* Amplification limit for unprotected requests (RFC 9175 §2.4).
 *
 * A plain CoAP request can come from a forged source address: answering
 * it with many times its size turns the server into an amplifier (issue
 * 13 measured 87-105x for GETs, 449x for observe). So to an address that
 * has not shown it receives what we send, the dispatcher sends at most
 * COAPX_AMPLIFY_FACTOR times the request's size; a larger answer becomes a
 * 4.01 with an Echo option, and the client's repeat carrying that Echo
 * proves the address. OSCORE-verified requests are exempt (only a holder
 * of the key could have sent them; B.1.2 recovery has its own Echo).
 *
 * The Echo value is stateless: a timestamp and a MAC over it and the peer
 * address (host and port) under a per-process random key, so forged
 * addresses cost no memory. Addresses proven recently are remembered in a
 * fixed table (direct-mapped, COAPX_VERIFIED_SLOTS, COAPX_VERIFIED_S each)
 * so that the blocks after the first need no Echo. Internal to src/coap. */
#ifndef COAPX_AMPLIFY_H
#define COAPX_AMPLIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <coap3/coap.h>
#include "coapx_error.h"
#include "oscore_bytes.h"

#define COAPX_AMPLIFY_FACTOR 3
#define COAPX_AMPLIFY_ECHO_LEN 12     /* 4 bytes of time, 8 of MAC */
#define COAPX_VERIFIED_SLOTS 1024
#define COAPX_VERIFIED_S 600          /* an Echo's validity, a proof's too */

typedef struct {
  uint8_t key[32];
  struct {
    uint8_t addr[18];                 /* host key and port */
    uint8_t len;
    uint64_t until;                   /* seconds; 0: empty */
  } slot[COAPX_VERIFIED_SLOTS];
} coapx_amplify;

/* A fresh key, an empty table. COAPX_ERR_LIBCOAP when no random bytes. */
coapx_err coapx_amplify_init(coapx_amplify *a);
/* Wipe the key. */
void coapx_amplify_clear(coapx_amplify *a);

/* Is |remote| verified at |now_s|: proven within COAPX_VERIFIED_S, or
 * |echo| (NULL: none) is a fresh value we gave to this very address (which
 * then counts as proven)? */
bool coapx_amplify_verified(coapx_amplify *a, const coap_address_t *remote,
                            const oscore_bytes *echo, uint64_t now_s);

/* The Echo value for |remote| at |now_s| into |out|
 * (COAPX_AMPLIFY_ECHO_LEN bytes). */
void coapx_amplify_echo(const coapx_amplify *a, const coap_address_t *remote,
                        uint64_t now_s, uint8_t out[COAPX_AMPLIFY_ECHO_LEN]);

/* May an answer of |answer_len| bytes go to a request of |request_len|? */
static inline bool coapx_amplify_fits(size_t request_len, size_t answer_len) {
  return answer_len <= COAPX_AMPLIFY_FACTOR * request_len;
}

#endif
