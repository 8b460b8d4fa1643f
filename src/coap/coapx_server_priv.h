/* What the server dispatcher's files share (coapx_server.c: the order of
 * work per request; coapx_server_loop.c: waiting and reading;
 * coapx_server_security.c: (D)TLS set-up and identities). Not for the
 * application: it sees coapx_server.h only. */
#ifndef COAPX_SERVER_PRIV_H
#define COAPX_SERVER_PRIV_H

#include <coap3/coap.h>
#include "coapx_amplify.h"
#include "coapx_dedup.h"
#include "coapx_edhoc_server.h"
#include "coapx_gate.h"
#include "coapx_observe.h"
#include "coapx_server.h"
#include "coapx_transport.h"
#include "store.h"

/* libcoap's receive buffer: the largest datagram it reads whole. With the
 * default MTU of 1152 an OSCORE PUT of a 1024-byte block with a long path
 * would be refused with an RST (docs/DESIGN.md, libcoap facts). */
#define SERVER_MTU 1472
/* Connections one coap_io_process() can accept: one per listening
 * endpoint, and there are at most COAPX_MAX_BINDS of them. */
#define COAPX_MAX_CLOSE_PER_PASS 16
#define MAX_IN_OPTS 64
#define PATH_TEXT 256

/* One request's working state, passed through the steps of on_request. */
typedef struct {
  coap_session_t *session;
  const coap_address_t *remote, *local;
  uint16_t mid;
  bool con;
  /* TCP (RFC 8323): no message IDs, so no retransmission cache; the
   * handshake proved the address, so no amplification limit. */
  bool reliable;
  /* TCP, TLS or DTLS: a handshake (DTLS: with its cookie exchange)
   * proved the peer's address, so no amplification limit (RFC 9175
   * §2.4). */
  bool address_proven;
  coap_bin_const_t token;
  size_t limit;            /* answer bytes the PDU holds after the token */
  size_t req_size;         /* the request's datagram, in bytes */
  uint64_t now;
  char path[PATH_TEXT];
  coapx_log_entry le;
  oscore_msg outer, inner, answer;
  bool send;               /* write |answer| (false: no answer to a NON) */
  coapx_gate_result g;
  const oscore_msg *req;   /* what the application sees */
  bool prot;
  coapx_observation *cand; /* a registration's candidate observation */
  bool with_observe, app_accepted;
  uint8_t obs_buf[4];      /* the answer's Observe value lives here */
  uint8_t bert_buf[2][3];  /* Block1/Block2 values rewritten from BERT */
} request_state;

struct coapx_server {
  coap_context_t *ctx;
  coap_endpoint_t **eps;
  size_t n_eps;
  coapx_handler_fn handler;
  void *handler_arg;
  coapx_observe_end_fn on_observe_end;
  void *observe_end_arg;
  coapx_log_fn log;
  void *log_arg;
  store_credentials *creds;
  coap_bin_const_t psk_answer;   /* what that callback hands libcoap */
  coapx_gate gate;
  coapx_edhoc_srv *edhoc;   /* NULL: the map names no EDHOC credential */
  coapx_dedup *dedup;
  coapx_obs_list obs;
  /* Inside a handler call: scratch buffers are in use, so notifications
   * asked for now are sent once the current request is done. */
  bool busy;
  /* Inside drop_session(): the nacks it causes are ours. */
  bool dropping;
  /* The application's descriptor in libcoap's epoll set
   * (coapx_server_watch_fd): its events carry &app_marker, and never
   * reach libcoap. */
  int app_fd;
  void (*app_ready)(void *arg);
  void *app_arg;
  char app_marker;
  /* Requests seen (duplicates included): run_once keeps reading while
   * this grows. */
  unsigned long handled;
  /* libcoap's server sessions alive (its NEW minus DEL events). */
  size_t sessions;
  /* TCP connections alive, their cap, and the ones beyond it accepted by
   * libcoap in this pass, closed right after it (not from inside
   * libcoap's accept). */
  size_t stream_sessions, max_stream_sessions;
  coap_session_t *to_close[COAPX_MAX_CLOSE_PER_PASS];
  size_t n_to_close;
  /* TLS connections whose handshake is not done, with when they came:
   * libcoap 4.3.1 holds one that never sends its ClientHello for ever (a
   * plain TCP one it closes after its 30 s CSM timeout), so each would
   * take a place under max_stream_sessions until the peer goes. Closed
   * after handshake_timeout_ms (coapx_server_close_excess). At most
   * max_stream_sessions + COAPX_MAX_CLOSE_PER_PASS entries. */
  struct coapx_young_stream {
    coap_session_t *session;
    uint64_t since_ms;
  } *young;
  size_t n_young, cap_young;
  unsigned handshake_timeout_ms;
  unsigned ack_timeout_ms, max_retransmit;   /* 0: libcoap's defaults */
  /* The last peer and its text: formatting an address for every request
   * of the same client cost more than the cache lookup of its answer. */
  coap_address_t last_remote;
  char last_peer[COAPX_ADDR_TEXT];
  char last_peer_host[COAPX_ADDR_TEXT];
  /* Scratch for one request or notification at a time. */
  request_state st;
  coapx_amplify amp;        /* unverified addresses: RFC 9175 §2.4 */
  uint8_t echo_buf[COAPX_AMPLIFY_ECHO_LEN];
  oscore_opt outer_opts[MAX_IN_OPTS];
  oscore_opt inner_opts[MAX_IN_OPTS];
  uint8_t plain[SERVER_MTU];
  oscore_opt resp_opts[COAPX_RESPONSE_MAX_OPTS + 1];
  uint8_t resp_buf[COAPX_RESPONSE_BUF];
  oscore_opt send_opts[COAPX_RESPONSE_MAX_OPTS + 4];
  /* protect builds the plaintext and seals it behind itself: room for
   * both, plus the OSCORE option, Observe and the tag. */
  uint8_t send_buf[2 * COAPX_RESPONSE_BUF + 128];
};

/* Notifications asked for while a request was being handled go out. */
void coapx_server_flush_pending(coapx_server *srv);

/* TCP connections accepted beyond the cap in the last libcoap pass, and
 * TLS connections whose handshake took longer than handshake_timeout_ms,
 * are closed (not from inside libcoap's accept). */
void coapx_server_close_excess(coapx_server *srv);

/* Before the first coaps:// or coaps+tcp:// endpoint (*done: made once).
 * COAPX_ERR_NO_DTLS without libcoap's OpenSSL build or without any PSK or
 * certificate; COAPX_ERR_TLS_CERT for a certificate and key that do not
 * belong together. */
coapx_err coapx_server_enable_security(coapx_server *srv,
                                       const coapx_server_config *cfg,
                                       coapx_transport t, bool *done);

/* The caller named by the (D)TLS handshake's PSK identity, or NULL. */
const char *coapx_server_secure_identity(coapx_server *srv,
                                         coap_session_t *session);

#endif
