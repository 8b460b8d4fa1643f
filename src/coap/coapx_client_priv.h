/* Private to the client engine (coapx_client.c, coapx_exchange.c,
 * coapx_transfer.c, coapx_client_observe.c): the client object, the receive slots
 * the libcoap handlers fill, and the state of one request. */
#ifndef COAPX_CLIENT_PRIV_H
#define COAPX_CLIENT_PRIV_H

#include <netdb.h>
#include <coap3/coap.h>
#include "coapx_block.h"
#include "coapx_client.h"
#include "coapx_combined.h"
#include "coapx_pki.h"
#include "oscore_protect.h"

#define COAPX_TOKEN_LEN 8

/* A received message, copied out of libcoap's PDU (which dies when the
 * handler returns): header fields and the raw options + payload. */
typedef struct {
  bool full;
  uint8_t type;
  uint8_t code;
  uint16_t mid;
  uint8_t token[COAPX_TOKEN_LEN];
  size_t token_len;
  uint8_t *raw;             /* options, 0xFF, payload as on the wire */
  size_t raw_len;
  size_t raw_cap;
  uint64_t at_ms;           /* arrival, monotonic milliseconds */
} coapx_rx;

/* A Block2 request of a window (coapx_window.c) waiting for its answer. */
#define COAPX_WINDOW_MAX 16
typedef struct {
  bool active;
  uint8_t token[COAPX_TOKEN_LEN];
  coapx_rx rx;
  bool nack;
  coap_nack_reason_t nack_reason;
} coapx_pending;

struct coapx_client {
  coap_context_t *ctx;
  coap_session_t *session;
  struct addrinfo *ai_list;
  bool has_local;               /* --bind: send from |local| */
  coap_address_t local;
  struct addrinfo *ai_cur;
  coapx_transport transport;
  /* coaps://, coaps+tcp://: the PSK setup for every session opened (key
   * wiped at free) */
  coap_dtls_cpsk_t psk_setup;
  uint8_t psk_identity[COAP_DTLS_MAX_PSK_IDENTITY];
  uint8_t psk[COAP_DTLS_MAX_PSK];
  /* X.509 instead (cfg->ca_file): the setup and the host check */
  bool pki;
  coap_dtls_pki_t pki_setup;
  char ca_file[1024];
  coapx_pki_check pki_check;
  const coapx_combined_ops *combined;   /* NULL until EDHOC ran on it */
  bool dtls_failed;         /* libcoap reported a (D)TLS error: why a NACK */
  bool dtls_connected;      /* the handshake of the current session is done */
  bool session_up;          /* libcoap's SESSION_CONNECTED (TCP: CSM in) */
  char peer[80];
  unsigned timeout_ms;
  coapx_trace_fn trace;
  void *trace_arg;

  /* The exchange waiting for its response: token and slot. */
  bool waiting;
  uint8_t token[COAPX_TOKEN_LEN];
  size_t token_len;
  coapx_rx rx;
  /* Transmission failure reported by libcoap for that exchange. */
  bool nack;
  coap_nack_reason_t nack_reason;
  bool heard_peer;          /* anything arrived from the current address */
  coapx_err rx_err;         /* a message could not be copied: why */

  /* An active observation: notifications carry the registration token and
   * land in |note| (the newest wins; older ones would be stale anyway). */
  bool observing;
  uint8_t obs_token[COAPX_TOKEN_LEN];
  size_t obs_token_len;
  coapx_rx note;

  /* Further exchanges in flight (a Block2 window): their answers land in
   * their own slots; a NACK for one also sets |nack| (which wakes the
   * wait) with its reason. */
  coapx_pending pend[COAPX_WINDOW_MAX];
};

/* Milliseconds of a monotonic clock. */
uint64_t coapx_now_ms(void);

/* Copy |len| bytes of |data| into |rx|, growing its buffer. */
coapx_err coapx_rx_store(coapx_rx *rx, const uint8_t *data, size_t len);
void coapx_rx_free(coapx_rx *rx);

/* Over TCP and TLS libcoap holds the first request of a session until
 * the peer's CSM has come, blocking inside coap_session_max_pdu_size() and
 * coap_send() for up to 5 s of its own (coap_client_delay_first), deaf to
 * our deadline and stop flag. Waiting here first keeps both ours: returns
 * COAPX_OK once the session is up or failed (c->nack), at once over UDP
 * and DTLS; COAPX_ERR_TIMEOUT at |deadline_ms|, COAPX_ERR_CANCELLED when
 * *stop is set. */
coapx_err coapx_client_await_session(coapx_client *c, uint64_t deadline_ms,
                                     volatile sig_atomic_t *stop);

/* Send |wire| (code, options, payload) as CON or NON with |token| on the
 * current session; *mid gets its message ID. A TCP session that cannot
 * send (connection failed or closed) sets c->nack (NOT_DELIVERABLE) and
 * returns COAPX_OK: the wait sees it at once. */
coapx_err coapx_client_send(coapx_client *c, const oscore_msg *wire, bool non,
                            const uint8_t *token, size_t token_len,
                            uint16_t *mid);

/* Process I/O until |slot| is full, |deadline_ms| (0: none) passes, a NACK
 * for the current exchange arrives (c->nack) or *stop is set. Returns
 * COAPX_OK (slot full or c->nack set), COAPX_ERR_TIMEOUT,
 * COAPX_ERR_CANCELLED or COAPX_ERR_LIBCOAP. */
coapx_err coapx_client_wait(coapx_client *c, coapx_rx *slot,
                            uint64_t deadline_ms, volatile sig_atomic_t *stop);

/* Move to the next resolved address (new session) after an ICMP error
 * before anything was heard. false when there is none. */
bool coapx_client_next_address(coapx_client *c);

void coapx_client_trace_note(coapx_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- one request in progress ------------------------------------------ */

#define COAPX_XFER_EXTRA_OPTS 12   /* Block, Size, Request-Tag, Echo, ... */
#define COAPX_RESP_MAX_OPTS   64
#define COAPX_ECHO_MAX        40   /* RFC 9175 §2.2.1 */
#define COAPX_REQTAG_LEN      4

typedef struct {
  coapx_client *c;
  const coapx_client_req *req;
  const coapx_sink *sink;
  coapx_client_result *res;
  oscore_ctx *osc;          /* NULL: plain CoAP */
  unsigned max_szx;

  /* The request of the current exchange (inner when protected): options
   * copied from the caller's template plus what the engine adds. */
  oscore_opt *req_opts;
  size_t req_cap;
  oscore_msg inner;
  /* Values of engine-added options live here. */
  uint8_t block_val[3];
  uint8_t size_val[4];
  uint8_t obs_val[1];
  uint8_t reqtag[COAPX_REQTAG_LEN];
  bool use_reqtag;
  uint8_t echo[COAPX_ECHO_MAX];
  size_t echo_len;
  bool echo_done;

  /* Protection output and the binding to the response. */
  oscore_opt outer_opts[24];
  oscore_msg outer;
  uint8_t *pbuf;
  size_t pcap;
  uint8_t *cbuf;                /* RFC 9668: message_3 + OSCORE payload */
  oscore_request_id rid;
  oscore_request_id obs_rid;    /* the registration's, for notifications */
  /* Ordering of notifications: under OSCORE by partial IV (RFC 8613
   * §7.4.1), in plain CoAP by the Observe value (RFC 7641 §3.4). */
  bool obs_have_last;
  uint64_t obs_last_seq;
  uint32_t obs_last_val;
  uint64_t obs_last_ms;

  /* The response being looked at: its raw copy, the decoded wire message
   * and (protected) the verified inner one. */
  coapx_rx cur;
  oscore_opt wire_opts[COAPX_RESP_MAX_OPTS];
  oscore_msg wire;
  oscore_opt resp_opts[COAPX_RESP_MAX_OPTS];
  oscore_msg resp;
  uint8_t *ubuf;
  size_t ucap;
  oscore_response_info rinfo;

  unsigned exchange_no;
} coapx_xfer;

/* A fresh random token. */
bool coapx_xfer_new_token(uint8_t tok[COAPX_TOKEN_LEN]);

/* Protect x->inner (when x->osc; its request id lands in x->rid) and send
 * it with |tok|; *wire (may be NULL) is what went on the wire, for a
 * resend to another address. Counts and traces the exchange. */
coapx_err coapx_xfer_send(coapx_xfer *x, bool is_block,
                          const uint8_t tok[COAPX_TOKEN_LEN], uint16_t *mid,
                          const oscore_msg **wire);

/* The error (and res->detail) for the NACK reason in c->nack_reason. */
coapx_err coapx_xfer_nack_error(coapx_xfer *x);

/* Trace x->resp as the answer just opened. */
void coapx_xfer_trace_response(coapx_xfer *x, bool is_block);

/* What every block of a Block2 body must agree with: the first block's
 * code and ETag; a block with another ETag (or none) belongs to another
 * version of the resource. */
typedef struct {
  uint8_t code;
  uint8_t etag[8];
  size_t etag_len;
  bool has_etag;
} coapx_block2_ref;

/* Check that x->resp is the block at |offset| of the same version as
 * |ref|, no larger than |szx| allows; *got gets its Block2. */
coapx_err coapx_xfer_check_block(coapx_xfer *x, const coapx_block2_ref *ref,
                                 uint64_t offset, unsigned szx,
                                 coapx_block *got);

/* Hand x->resp's payload, at |off| of the body, to the sink. */
coapx_err coapx_xfer_sink_data(coapx_xfer *x, uint64_t off);

/* Fetch the blocks after *offset with up to x->req->window requests in
 * flight (coapx_window.c), delivering them in order, while they are all
 * of size |szx| and below |size| (the Size2 of block 0). Returns with
 * *offset, *szx and *more where a one-at-a-time fetch takes over (the
 * server shrank the block, or the body outgrew Size2): *more false when
 * the body is complete. */
coapx_err coapx_xfer_window(coapx_xfer *x, const coapx_block2_ref *ref,
                            uint64_t size, uint64_t *offset, unsigned *szx,
                            bool *more);

/* Build x->inner from the caller's template: its options, plus |extra|
 * (engine options, values already in |x|), and |payload|. */
coapx_err coapx_xfer_build(coapx_xfer *x, const oscore_opt *extra,
                           size_t n_extra, oscore_bytes payload);

/* One exchange: protect x->inner (when x->osc), send, wait for the
 * response, verify it into x->resp. A verified 4.01 carrying Echo is sent
 * again once with the Echo value (Appendix B.1.2). |register_obs| makes
 * this exchange's token the observation's. */
coapx_err coapx_xfer_exchange(coapx_xfer *x, bool is_block,
                              bool register_obs);

/* Decode (and verify, when protected, against |rid|) the message in x->cur
 * into x->resp. */
coapx_err coapx_xfer_open_response(coapx_xfer *x,
                                   const oscore_request_id *rid);

/* Deliver x->resp (first response or notification) to the sink, fetching
 * further Block2 blocks when it is the first of several. |base| builds the
 * follow-up requests (the request with its payload dropped). */
coapx_err coapx_xfer_deliver(coapx_xfer *x, bool is_notification);

/* Observation loop after the first response was delivered. */
coapx_err coapx_xfer_observe(coapx_xfer *x);

/* Set res->detail. */
void coapx_xfer_detail(coapx_xfer *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
