/* The client request engine: one libcoap context with one session (UDP, or
 * a TCP connection, RFC 8323) to one server (or forward proxy), and a
 * request function that performs a whole CoAP operation on it:
 *
 *   - OSCORE (RFC 8613) when a store_context is given: every exchange is
 *     protected after store_context_prepare_send() (Appendix B.1.1), every
 *     response verified; an unprotected or unverifiable answer is an error;
 *   - block-wise end to end (RFC 7959, inner options under OSCORE): Block1
 *     uploads with a fresh Request-Tag (RFC 9175 §3.4), Block2 downloads of
 *     any size with ETag consistency, the body handed to a sink block by
 *     block so that it never sits in memory;
 *   - Echo recovery (Appendix B.1.2, RFC 9175 §2.4): a verified 4.01 with an
 *     Echo option is sent again once, every option kept, plus Echo;
 *   - Observe (RFC 7641): notifications go to the sink until a final one,
 *     or until the caller's stop flag is set.
 *
 * Nothing here prints or exits; what happens is reported through the trace
 * callback (for -v) and the result. No trace carries keys or nonces: the
 * outer message shows only the OSCORE option (kid, kid context, partial IV)
 * and ciphertext.
 *
 * Usable by the CLI, tests and load generators: one client per thread. */
#ifndef COAPX_CLIENT_H
#define COAPX_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coapx_error.h"
#include "coapx_transport.h"
#include "oscore_error.h"
#include "oscore_msg.h"
#include "oscore_profile.h"

struct store_context;

typedef struct coapx_client coapx_client;

/* RFC 7252 §4.8.2 MAX_TRANSMIT_WAIT: after that a CON sender gives up. */
#define COAPX_DEFAULT_TIMEOUT_MS 93000u

/* ---- tracing (what -v shows) ------------------------------------------- */

typedef enum {
  COAPX_TRACE_REQUEST,     /* a request is about to be sent */
  COAPX_TRACE_RESPONSE,    /* a response arrived (verified when protected) */
  COAPX_TRACE_ECHO_RETRY,  /* Appendix B.1.2: resending once with Echo */
  COAPX_TRACE_NOTE,        /* anything else worth a line: |text| */
} coapx_trace_kind;

typedef struct {
  coapx_trace_kind kind;
  /* 1 for the first exchange of the request; counts blocks, Echo retries
   * and notifications, so that a caller can show the first and last only. */
  unsigned exchange;
  bool is_block;           /* a follow-up block of a block-wise transfer */
  const oscore_msg *msg;   /* what the application sees (inner when
                              protected); NULL for NOTE */
  const oscore_msg *outer; /* what is on the wire when protected, else NULL */
  const oscore_profile *profile; /* the context's OSCORE when protected */
  uint8_t type;            /* 0 CON, 1 NON, 2 ACK, 3 RST */
  uint16_t mid;
  bool reliable;           /* over TCP: |type| and |mid| mean nothing */
  const uint8_t *token;
  size_t token_len;
  const char *text;        /* NOTE only */
} coapx_trace;

typedef void (*coapx_trace_fn)(const coapx_trace *t, void *arg);

/* ---- the client -------------------------------------------------------- */

typedef struct {
  /* Destination: a host name, or an IPv4 / IPv6 literal (no brackets). A
   * name resolving to several addresses is tried in order when the first
   * answers with ICMP unreachable before anything else arrived. */
  const char *host;
  uint16_t port;
  /* UDP (0, the default) or TCP. Over TCP there are no message IDs, no
   * retransmissions and no NON (a NON request goes as a plain request);
   * libcoap does the CSM exchange. */
  coapx_transport transport;
  /* coaps:// and coaps+tcp:// (COAPX_TRANSPORT_DTLS, _TLS): the
   * pre-shared key and the identity presented with it (libcoap copies
   * both). Needs libcoap's OpenSSL build (coapx_transport_available). */
  const uint8_t *psk_identity;
  size_t psk_identity_len;
  const uint8_t *psk;
  size_t psk_len;
  /* Instead of a PSK: X.509, the server's certificate verified against
   * this PEM file (a "tlscert" entry's certfile) and checked to name
   * |host|. Needs coapx_client_enable_pki() (coapx_pki.h) first, else
   * COAPX_ERR_INVALID_ARG (|why| says so). */
  const char *ca_file;
  /* How long one exchange (one block, one Echo retry) may wait for its
   * response; 0 means COAPX_DEFAULT_TIMEOUT_MS. Not applied between
   * notifications of an observation (see notify_timeout_ms). */
  unsigned timeout_ms;
  coapx_trace_fn trace;    /* may be NULL */
  void *trace_arg;
  /* Address family of the destination: 0 any, 4 IPv4 only, 6 IPv6 only. */
  int family;
  /* Local address to send from ("host", "host:port", "[v6]:port"; the
   * port defaults to 0, any free one), or NULL. Destinations of the other
   * family are skipped. */
  const char *bind;
  /* When not NULL: why COAPX_ERR_ADDRESS (getaddrinfo's text for a name
   * that does not resolve, or the local address that cannot be used), or
   * COAPX_ERR_INVALID_ARG for a ca_file without coapx_client_enable_pki. */
  char *why;
  size_t why_cap;
} coapx_client_config;

/* Resolve the destination and create the libcoap context and session.
 * Errors: COAPX_ERR_ADDRESS (not resolvable, no address of the family, the
 * local address unusable: cfg->why says which), COAPX_ERR_LIBCOAP,
 * COAPX_ERR_NO_MEMORY, COAPX_ERR_INVALID_ARG. */
coapx_err coapx_client_new(const coapx_client_config *cfg, coapx_client **out);

/* The resolved destination as text ("[::1]:5683", "127.0.0.1:5683"). */
const char *coapx_client_peer(const coapx_client *c);

/* Release the session and context. NULL is fine. The security context
 * given to requests stays the caller's (close it through the store). */
void coapx_client_free(coapx_client *c);

/* ---- one request ------------------------------------------------------- */

/* What the sink learns when a response (or notification) begins. */
typedef struct {
  uint8_t code;              /* the response code (inner when protected) */
  /* The (inner) response of the first block: code, options, payload of
   * that block. Valid only during the begin call. */
  const oscore_msg *msg;
  bool is_protected;
  bool is_notification;      /* a notification after the first response */
  bool observing;            /* Observe in a 2.xx answer: more may follow */
  bool has_size;             /* Size2 announced the body's total size */
  uint64_t size;
} coapx_response_head;

/* Receives the body of each response in order, block by block. |begin| and
 * |end| may be NULL. Anything but COAPX_OK from a callback stops the
 * request with COAPX_ERR_SINK (the callback's value is not kept). |end| is
 * called only when the whole body arrived. */
typedef struct {
  coapx_err (*begin)(void *arg, const coapx_response_head *head);
  coapx_err (*data)(void *arg, const uint8_t *p, size_t len, uint64_t offset);
  coapx_err (*end)(void *arg);
  void *arg;
} coapx_sink;

typedef struct {
  /* Method (msg->code), the options naming the target and any others
   * (Content-Format, Accept, ETag, If-Match...) and the whole body as
   * payload. The engine adds Block1/Block2, Size1/Size2, Request-Tag, Echo
   * and Observe itself: |msg| must not carry them. Read, not kept. */
  const oscore_msg *msg;
  bool non;                  /* NON instead of CON */
  bool observe;              /* register with Observe 0, then notify */
  /* Largest block size exponent to use (0..6: 16..1024 bytes); a body
   * larger than that block is uploaded with Block1. Negative: 6. */
  int block_szx;
  /* Block2 requests of a download in flight at once (RFC 7959 §2.4 lets
   * a client ask for blocks independently): 0 or 1 asks one at a time
   * (RFC 7252's NSTART of 1); up to 16 once block 0 announced the body's
   * size (Size2). The blocks still reach the sink in order. */
  unsigned window;
  /* NULL: plain CoAP. Otherwise every exchange is OSCORE-protected with
   * this context; the caller keeps it open for the whole request and closes
   * it through the store afterwards. */
  struct store_context *security;
  /* When non-NULL and set to non-zero (e.g. by a SIGINT handler), waiting
   * stops within ~100 ms: an observation ends normally (COAPX_OK), anything
   * else returns COAPX_ERR_CANCELLED. */
  volatile sig_atomic_t *stop;
  /* Observing: how long to wait for the next notification, 0 for ever.
   * When it passes the request ends with COAPX_ERR_TIMEOUT (the body of
   * the last notification was delivered whole). */
  unsigned notify_timeout_ms;
  /* RFC 9668: when not empty, the first exchange is the EDHOC + OSCORE
   * combined request: the EDHOC option, and this message_3 in front of
   * the OSCORE payload (|security| being the context it establishes).
   * Only after coapx_edhoc_initiate() on this client (it gives both),
   * else COAPX_ERR_INVALID_ARG. */
  oscore_bytes edhoc_message_3;
} coapx_client_req;

typedef struct {
  uint8_t code;              /* final response code; 0 when none arrived */
  bool is_protected;         /* the final response verified under OSCORE */
  bool echo_retried;         /* Appendix B.1.2 retry happened */
  bool observed;             /* an observation was established */
  bool stopped;              /* *stop ended the request */
  bool edhoc_refused;        /* COAPX_ERR_SECURITY: the server refused the
                                EDHOC part of a combined request */
  unsigned exchanges;        /* requests sent (blocks, retries included) */
  unsigned notifications;    /* notifications delivered after the first */
  uint64_t body_len;         /* bytes delivered for the last response */
  oscore_err oscore_error;   /* detail of COAPX_ERR_SECURITY / _OSCORE */
  int store_error;           /* store_err detail of COAPX_ERR_STORE */
  /* One sentence on errors (e.g. the store's diagnostics, which block did
   * not match, the diagnostic payload of an unprotected error answer);
   * never a secret. Empty when there is nothing to add. */
  char detail[600];
} coapx_client_result;

/* Perform |req| on |c|, delivering bodies to |sink| (may be NULL).
 * COAPX_OK when a response arrived, whatever its code (see res->code).
 * Errors: COAPX_ERR_TIMEOUT, _UNREACHABLE, _RESET (plain CoAP only: under
 * OSCORE an RST is never an answer), _SECURITY (verification failed),
 * _UNPROTECTED (the server answered without OSCORE, typically its OSCORE
 * layer refusing: code in res->code, payload in res->detail), _PROTOCOL,
 * _ETAG_CHANGED, _CANCELLED, _SINK, _STORE, _OSCORE, _PDU_FULL, _LIBCOAP,
 * _NO_MEMORY, _INVALID_ARG. A block-wise transfer aborted by an error code
 * after the first block returns COAPX_ERR_PROTOCOL with res->code set. */
coapx_err coapx_client_request(coapx_client *c, const coapx_client_req *req,
                               const coapx_sink *sink,
                               coapx_client_result *res);

#endif
