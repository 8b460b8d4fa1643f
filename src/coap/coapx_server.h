/* The CoAP server dispatcher: one catch-all handler for every request, plain
 * or OSCORE, on one or more UDP or TCP (RFC 8323) endpoints, with one set
 * of security contexts (and so one replay window per context) for all.
 *
 * Per request, in this order (docs/DESIGN.md "Server dispatcher"):
 *   1. retransmission cache by (peer, message ID): a retransmitted CON gets
 *      the cached answer again, byte for byte; the application is not called;
 *   1b. EDHOC (coapx_edhoc_server.h, when the map has EDHOC credentials):
 *      an RFC 9668 combined request finishes EDHOC here and goes on as an
 *      OSCORE request; a plain POST to /.well-known/edhoc is answered in
 *      place of step 3;
 *   2. OSCORE gate: unprotect with the context found by kid / kid context,
 *      replay check, Appendix B.1.2 Echo recovery; errors of this layer are
 *      answered here (unprotected, CON only) and never reach the application;
 *   3. the application handler, with the inner request and the caller's
 *      identity;
 *   4. protect the application's response and piggyback it on the ACK (or a
 *      NON response to a NON request).
 *
 * The application never sees OSCORE or libcoap types beyond oscore_msg. */
#ifndef COAPX_SERVER_H
#define COAPX_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coapx_error.h"
#include "oscore_msg.h"

struct store_credentials;

typedef struct coapx_server coapx_server;
/* One accepted observation (RFC 7641), owned by the dispatcher. */
typedef struct coapx_observation coapx_observation;

/* Capacity of the response option array and scratch buffer the dispatcher
 * hands to the application. The scratch buffer holds a 1024-byte block plus
 * room for option values. */
#define COAPX_RESPONSE_MAX_OPTS 24
#define COAPX_RESPONSE_BUF      1536

/* What the application is asked to answer. Everything points into the
 * dispatcher's memory and is valid only during the handler call. */
typedef struct {
  /* Inner request: code (GET, POST...), options sorted by number (Uri-Path,
   * Uri-Query, Block2, ETag, Observe... as the client sent them inside
   * OSCORE, or as they came on the wire when unprotected), payload. */
  const oscore_msg *msg;
  /* Credentials-map key of the authenticated caller (e.g. ":client1"), or
   * NULL for an unprotected request. */
  const char *identity;
  bool is_protected;
  /* The peer as text, "[addr]:port" for IPv6 and "addr:port" for IPv4. */
  const char *peer;
  /* Its host group (coapx_addr_format_host_group): what per-host limits
   * of the application count. */
  const char *peer_host;
  /* Non-NULL when the request is an Observe registration (Observe 0) that
   * the application may accept by setting coapx_response.observe; the handle
   * stays valid until the end callback ran for it. Also set, with
   * |is_notification| true, when the handler is called to build a
   * notification for this observation (msg is then the stored registration
   * request). */
  coapx_observation *observation;
  bool is_notification;
} coapx_request;

/* What the application answers. Before the handler runs, |msg| is empty with
 * code 2.05, its option array (COAPX_RESPONSE_MAX_OPTS entries) set up, and
 * |buf| (|cap| bytes) is free scratch space for option values and payload.
 * Values may also point into the application's own memory if that stays
 * valid until the handler returns (the dispatcher copies before returning).
 * Use oscore_msg_add_opt() (keeps sorting) or the helpers below. Do not add
 * Observe: the dispatcher adds it (with its own counter) when observing. */
typedef struct {
  oscore_msg msg;
  uint8_t *buf;
  size_t cap;
  size_t used;          /* bytes of |buf| taken; helpers advance it */
  /* Set to true on a registration (request.observation != NULL) to accept
   * it; ignored otherwise. Only a 2.xx answer that could be sent
   * establishes one; when it is not established after all, the end
   * callback runs for the handle (COAPX_OBS_END_ERROR_CODE or _FAILED)
   * before the handle is freed, so an application may file it at once. */
  bool observe;
} coapx_response;

/* Copy |len| bytes to the scratch buffer and add them as option |number|.
 * COAPX_ERR_PDU_FULL when the buffer, COAPX_ERR_TOO_MANY_OPTIONS when the
 * option array is exhausted. */
coapx_err coapx_response_add_opt(coapx_response *r, uint16_t number,
                                 const void *value, size_t len);
/* Add a CoAP uint option (minimal encoding, e.g. Content-Format, Max-Age). */
coapx_err coapx_response_add_uint(coapx_response *r, uint16_t number,
                                  uint32_t v);
/* Copy |len| bytes to the scratch buffer as the payload (replacing any). */
coapx_err coapx_response_set_payload(coapx_response *r, const void *data,
                                     size_t len);
/* Reserve |len| bytes of scratch as the payload and return where to write
 * them (the application fills them in place, e.g. with read()), or NULL. */
uint8_t *coapx_response_payload_space(coapx_response *r, size_t len);
/* Set code |code| and the RFC 7252 reason phrase (or |text| when not NULL)
 * as diagnostic payload; drops options and payload set so far. */
coapx_err coapx_response_error(coapx_response *r, uint8_t code,
                               const char *text);

/* The application's request handler: fill |resp| for |req|. A response code
 * of 0 is answered 5.00 Internal Server Error. */
typedef void (*coapx_handler_fn)(const coapx_request *req,
                                 coapx_response *resp, void *arg);

/* Why an observation ended. */
typedef enum {
  COAPX_OBS_END_DEREGISTERED, /* GET with Observe 1, or a new registration
                                 on the same token replaced it */
  COAPX_OBS_END_RST,          /* the client rejected a notification (RST) */
  COAPX_OBS_END_ERROR_CODE,   /* the application answered a non-2.xx */
  COAPX_OBS_END_FAILED,       /* a CON notification was never acknowledged,
                                 or protecting / sending failed */
  COAPX_OBS_END_SHUTDOWN,     /* coapx_server_free() */
} coapx_obs_end;

/* Called once when an observation ends; |obs| is freed after it returns. */
typedef void (*coapx_observe_end_fn)(coapx_observation *obs,
                                     coapx_obs_end why, void *arg);

/* One line per answered request, for the fileserver's -v. Nothing secret:
 * no keys, nonces or payload bytes. */
typedef struct {
  const char *peer;
  const char *identity;   /* NULL: anonymous */
  bool is_protected;
  uint8_t method;         /* inner code of the request (0 when unknown) */
  const char *path;       /* "/a/b" from Uri-Path, "" when not known */
  uint8_t code;           /* code of the answer (inner code when protected) */
  size_t payload_len;     /* payload bytes of the (inner) answer */
  bool from_cache;        /* retransmission answered from the cache */
  bool notification;
} coapx_log_entry;

typedef void (*coapx_log_fn)(const coapx_log_entry *e, void *arg);

/* Observation caps (issue 13: 30,000 anonymous registrations from one
 * socket made one file change cost 11.7 s). RFC 7641 §4.1 lets a server
 * answer a registration without Observe. */
#define COAPX_DEFAULT_MAX_OBSERVERS 4096
#define COAPX_DEFAULT_MAX_OBSERVERS_PER_PEER 64

/* Without a cap 60,000 source ports held 11 MB for 300 s (issue 13);
 * 1024 idle sessions cost about 200 kB, and libcoap scans them all for
 * each new peer. */
#define COAPX_DEFAULT_MAX_IDLE_SESSIONS 1024

/* DTLS handshakes in progress (libcoap's "hello" sessions, one per
 * address that sent a ClientHello, kept until the cookie comes back or
 * for 120 s): beyond this many a new ClientHello is ignored. libcoap's
 * default is 100; ours is lower so that the test sees it is ours. */
#define COAPX_MAX_DTLS_HANDSHAKES 64

/* TCP connections held at once: each is a descriptor (the default soft
 * limit is 1024) and libcoap accepts without a limit of its own. */
#define COAPX_DEFAULT_MAX_STREAM_SESSIONS 256
#define COAPX_DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS 30000

typedef struct {
  /* Endpoints: "host", "host:port", "[v6]:port", "[v6]" (default port
   * 5683), UDP; with a scheme before them, "coap://..." is UDP and
   * "coap+tcp://..." TCP (coapx_transport.h). Port 0 binds a free port:
   * read it with coapx_server_port().
   * n_bind 0 binds "[::]:5683", which is dual-stack (IPv4 peers too). */
  const char *const *bind;
  size_t n_bind;
  /* Loaded credentials (all OSCORE contexts the server may use), or NULL
   * for a plain-CoAP server. A successful coapx_server_new() takes them
   * over: coapx_server_free() closes them through the store, which writes
   * the exact sequence state back (B.1.1/B.1.2). On failure the caller
   * keeps them. */
  struct store_credentials *credentials;
  coapx_handler_fn handler;            /* required */
  void *handler_arg;
  coapx_observe_end_fn on_observe_end; /* may be NULL */
  void *observe_end_arg;
  coapx_log_fn log;                    /* may be NULL */
  void *log_arg;
  /* Observations (RFC 7641) kept at most, in all and per peer host (any
   * source port); 0: 4096 and 64. A registration beyond them is answered
   * once, without Observe (§4.1 allows it; the client learns it is not
   * observed). */
  size_t max_observers;
  size_t max_observers_per_peer;
  /* Idle peer sessions libcoap keeps (one per source address and port it
   * heard from, held for 300 s): beyond this many the oldest idle one is
   * freed when a new peer arrives. 0: COAPX_DEFAULT_MAX_IDLE_SESSIONS.
   * Sessions with observations are not idle and are bounded by the
   * observer caps instead. */
  unsigned max_idle_sessions;
  /* TCP connections held at once; one beyond is closed as soon as it is
   * accepted. 0: COAPX_DEFAULT_MAX_STREAM_SESSIONS. */
  unsigned max_stream_sessions;
  /* A TLS connection (coaps+tcp://) whose handshake is not done this
   * many ms after it was accepted is closed. 0:
   * COAPX_DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS. */
  unsigned tls_handshake_timeout_ms;
  /* Retransmission of our CON messages (notifications) to each peer:
   * ACK_TIMEOUT in ms (libcoap takes 1000 at least) and MAX_RETRANSMIT
   * (RFC 7252 §4.8, at most 20); 0: 2000 and 4. Tests shorten them to see
   * a silent observer given up quickly. */
  unsigned ack_timeout_ms;
  unsigned max_retransmit;
  /* OSCORE contexts established by EDHOC (RFC 9528) kept at most; the
   * oldest is dropped (its observations end) when a new one comes. 0:
   * STORE_DEFAULT_MAX_DERIVED. Used when the credentials map has
   * edhoc-oscore entries with an own credential. */
  size_t max_edhoc_contexts;
  /* coaps:// and coaps+tcp:// with X.509: the certificate (chain) the
   * server presents and its private key, PEM, both or neither (aiocoap's
   * --tls-server-certificate and --tls-server-key). libcoap keeps
   * pointers to them: they must outlive the server. A secure endpoint
   * needs these or "dtls" entries (PSKs), or both. */
  const uint8_t *tls_cert_pem;
  size_t tls_cert_len;
  const uint8_t *tls_key_pem;
  size_t tls_key_len;
  /* When coapx_server_new() fails on an endpoint, the index of its bind
   * specification is written here (may be NULL), so that the program can
   * name the address at fault. */
  size_t *failed_bind;
} coapx_server_config;

/* Create the server and bind every endpoint of |cfg|. An address some
 * other socket is bound to (another server, even one that set
 * SO_REUSEADDR as libcoap does) is COAPX_ERR_IN_USE: the server refuses
 * rather than share the port (checked by a probe bind just before). */
coapx_err coapx_server_new(const coapx_server_config *cfg, coapx_server **out);

/* The bound (UDP or TCP) port of endpoint |i| (in cfg->bind order), 0 when unknown. */
uint16_t coapx_server_port(const coapx_server *srv, size_t i);

/* Peer sessions libcoap holds now (idle or not), for tests and
 * benchmarks. */
size_t coapx_server_sessions(const coapx_server *srv);

/* Process I/O for at most |timeout_ms| (0: only what is ready now). */
coapx_err coapx_server_run_once(coapx_server *srv, unsigned timeout_ms);

/* Process until |*stop| becomes non-zero (set it from a signal handler;
 * the wait returns within a second of it). */
coapx_err coapx_server_run(coapx_server *srv, volatile sig_atomic_t *stop);

/* A file descriptor that becomes readable when coapx_server_run_once() has
 * work, for applications that poll their own descriptors too (inotify); -1
 * when libcoap was built without epoll (then call run_once periodically). */
int coapx_server_fd(const coapx_server *srv);

/* Have |on_ready|(|arg|) called by coapx_server_run_once() whenever |fd|
 * is readable (or may be), before the requests that arrived by the same
 * wait are handled: a request that a change of the application's state
 * (an inotify descriptor, say) preceded always finds that change already
 * reported. |on_ready| must not block and should empty |fd|. One
 * descriptor per server; |fd| -1 removes it. COAPX_ERR_IO when libcoap
 * has no epoll descriptor: the application must then look on its own. */
coapx_err coapx_server_watch_fd(coapx_server *srv, int fd,
                                void (*on_ready)(void *arg), void *arg);

/* Build and send a notification for |obs| now: the handler is called with
 * request.is_notification. A non-2.xx answer ends the observation after it
 * was sent. COAPX_ERR_NOT_FOUND when |obs| ended already. */
coapx_err coapx_server_notify(coapx_server *srv, coapx_observation *obs);

/* Application data attached to an observation (NULL until set). */
void coapx_observation_set_data(coapx_observation *obs, void *data);
void *coapx_observation_data(const coapx_observation *obs);

/* libcoap prints its own diagnostics to stderr (e.g. "got RST for mid=..."
 * at LOG_ALERT); they never hold our keys, since libcoap never sees them.
 * 0 silences libcoap, 1 keeps its warnings and errors, 2 adds its debug
 * output (PDU dumps: OSCORE payloads are ciphertext). Process-wide. */
void coapx_libcoap_verbosity(int level);

/* Stop observations (their end callback runs with COAPX_OBS_END_SHUTDOWN),
 * release every endpoint and free |srv|. NULL is fine. */
void coapx_server_free(coapx_server *srv);

#endif
