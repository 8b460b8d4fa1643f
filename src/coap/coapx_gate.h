/* The server's OSCORE gate (RFC 8613 §8.2, Appendix B.1.2): decides for one
 * incoming request whether it is plain, verified (with which context and
 * identity), to be refused with an unprotected OSCORE-layer error, or to be
 * answered with a protected 4.01 + Echo challenge. Pure decision plus the
 * store calls that must precede acting on a request; sending is the
 * dispatcher's job. */
#ifndef COAPX_GATE_H
#define COAPX_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include "coapx_error.h"
#include "oscore_protect.h"
#include "store.h"

/* Length of the server's Echo value (COMPAT.md §1, as aiocoap). */
#define COAPX_ECHO_LEN 8

typedef struct {
  store_credentials *creds;       /* NULL: no OSCORE at all, a request
                                     with option 9 gets 4.02 Bad Option */
  uint8_t echo[COAPX_ECHO_LEN];   /* random, fixed for the process */
} coapx_gate;

typedef enum {
  COAPX_GATE_PLAIN,      /* no OSCORE option: the outer message is it */
  COAPX_GATE_PROTECTED,  /* verified: |inner| is the request to act on */
  COAPX_GATE_REFUSE,     /* answer |code| + |diag| unprotected, CON only */
  COAPX_GATE_CHALLENGE,  /* B.1.2: answer coapx_gate_challenge(), do not
                            act on the request */
} coapx_gate_verdict;

typedef struct {
  coapx_gate_verdict verdict;
  /* REFUSE */
  uint8_t code;
  const char *diag;        /* static text, never names a key or nonce */
  bool max_age_zero;       /* Replay detected (draft-08: "Replay protection
                              failed"): Max-Age 0 (aiocoap) */
  /* PROTECTED and CHALLENGE */
  store_context *sc;
  const char *identity;    /* credentials key, valid while creds are open */
  oscore_request_id rid;
  oscore_err oscore_error; /* what the core said (for logs and tests) */
} coapx_gate_result;

/* Set up |g| over |creds| (may be NULL) with a fresh Echo value from
 * oscore_random. COAPX_ERR_OSCORE when no randomness is available. */
coapx_err coapx_gate_init(coapx_gate *g, store_credentials *creds);
/* Wipe the Echo value. */
void coapx_gate_clear(coapx_gate *g);

/* Run request |outer| through the gate. |inner| (set up with
 * oscore_msg_init) and |buf| (|cap| bytes, at least the outer payload's
 * length) receive the decrypted request for PROTECTED and CHALLENGE. A
 * verified request has been marked in the replay window and reported to
 * the store (store_context_window_changed) before this returns. */
void coapx_gate_check(coapx_gate *g, const oscore_msg *outer,
                      oscore_msg *inner, uint8_t *buf, size_t cap,
                      coapx_gate_result *res);

/* Protect |plain| as the answer to request |rid| on |sc|. When it will use
 * a sequence number of ours (|own_piv|, the request's nonce may not be
 * reused, or a draft-08 notification) the store first makes sure one is
 * reserved on disk (B.1.1). Reusing the request's nonce marks |rid| (the
 * core allows it once).
 * COAPX_ERR_STORE or COAPX_ERR_OSCORE on failure; nothing was sent then. */
coapx_err coapx_gate_protect(store_context *sc, oscore_request_id *rid,
                             bool own_piv, const oscore_msg *plain,
                             oscore_msg *outer, uint8_t *buf, size_t cap);

/* The B.1.2 challenge for a CHALLENGE result: 4.01 Unauthorized carrying
 * the Echo value inside, protected with our own partial IV. |outer| needs
 * room for 3 options. */
coapx_err coapx_gate_challenge(const coapx_gate *g, const coapx_gate_result *res,
                               oscore_msg *outer, uint8_t *buf, size_t cap);

#endif
