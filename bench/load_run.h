/* The request loop of oscore-load.
 *
 * Why a raw UDP socket loop and not the src/coap client engine: the engine
 * (coapx_client_request) runs one exchange at a time and waits inside
 * libcoap's coap_io_process for its answer, so K requests in flight would
 * need K engines and threads, and libcoap's per-PDU allocation, session
 * bookkeeping and retransmission timers would be measured alongside the
 * server. Here one thread keeps K confirmable requests in flight on
 * connected non-blocking sockets, protects and verifies with the same core
 * (src/oscore) and reserves sequence numbers through the same store
 * (src/store, Appendix B.1.1) as oscore-client, and spends well under the
 * server's CPU per request (reported as client CPU), so that the numbers
 * are the server's. What it leaves out on purpose: retransmission (on
 * loopback a datagram is only lost when a socket buffer overflows; such a
 * request counts as lost after --timeout) and Block2 follow-ups (only the
 * first block of an answer is fetched). */
#ifndef LOAD_RUN_H
#define LOAD_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "load_net.h"
#include "load_stats.h"
#include "oscore_msg.h"

struct store_context;

#define LOAD_ECHO_MAX 40
#define LOAD_SOCKETS_MAX 64u

/* One security context requests are spread over (plain: sc NULL). */
typedef struct {
  struct store_context *sc;
  /* Appendix B.1.2: the server's Echo value while its replay window for
   * us is not initialised; sent with requests until one succeeds. */
  uint8_t echo[LOAD_ECHO_MAX];
  size_t echo_len;
} load_ctx;

typedef struct {
  unsigned long sent;          /* requests sent (Echo retries included) */
  unsigned long ok;            /* 2.xx answers */
  unsigned long code_4xx, code_5xx, code_other;
  unsigned long unprotected;   /* OSCORE request answered without OSCORE */
  unsigned long verify_failed; /* protected answer that did not verify */
  unsigned long lost;          /* no answer within the timeout */
  unsigned long reset;         /* RST or ICMP unreachable */
  unsigned long echo_retries;  /* 4.01 + Echo answered by a retry */
  unsigned long stray;         /* answers matching no request in flight */
  unsigned long send_failed;   /* local failures: protect, store, send */
  bool blockwise;              /* some answer had more blocks (not fetched) */
  uint8_t first_error_code;    /* first non-2.xx code seen (0: none) */
  uint64_t elapsed_ns;
  load_lat lat;                /* latency of each 2.xx answer */
} load_result;

typedef struct {
  const load_target *target;
  const oscore_msg *tmpl;      /* request: code, options, payload */
  load_ctx *ctxs;              /* round-robin; at least one */
  size_t n_ctxs;
  unsigned sockets;            /* 1..LOAD_SOCKETS_MAX */
  bool non;
  unsigned timeout_ms;
  volatile sig_atomic_t *stop;
} load_setup;

/* Send |n| requests with |k| in flight until done or |deadline_ns|
 * (monotonic) passes, then wait for the answers still due (each at most
 * the timeout). |r| must be zeroed, with r->lat sized for |n| when
 * latencies are wanted (cap 0: not recorded). false on a local failure
 * before anything could be sent (message in |why|). */
bool load_run(const load_setup *s, unsigned long n, unsigned k,
              uint64_t deadline_ns, load_result *r, char *why, size_t why_cap);

#endif
