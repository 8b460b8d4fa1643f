/* The client object: libcoap context, one session, the response and
 * NACK handlers that copy what arrives into receive slots, and the wait. */
#include "coapx_addr.h"
#include "coapx_client_priv.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include "oscore_secret.h"
#include "coapx_pdu.h"

uint64_t coapx_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

coapx_err coapx_rx_store(coapx_rx *rx, const uint8_t *data, size_t len) {
  if (len > rx->raw_cap) {
    size_t cap = len < 2048 ? 2048 : len;
    uint8_t *p = realloc(rx->raw, cap);
    if (!p) return COAPX_ERR_NO_MEMORY;
    rx->raw = p;
    rx->raw_cap = cap;
  }
  if (len) memcpy(rx->raw, data, len);
  rx->raw_len = len;
  return COAPX_OK;
}

void coapx_rx_free(coapx_rx *rx) {
  free(rx->raw);
  memset(rx, 0, sizeof *rx);
}

void coapx_client_trace_note(coapx_client *c, const char *fmt, ...) {
  if (!c->trace) return;
  char text[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  coapx_trace t = { .kind = COAPX_TRACE_NOTE, .text = text };
  c->trace(&t, c->trace_arg);
}

static bool same_token(const uint8_t *a, size_t alen, coap_bin_const_t b) {
  return alen == b.length && (alen == 0 || memcmp(a, b.s, alen) == 0);
}

/* Copy header, options and payload of |pdu| into |rx|. libcoap offers no
 * accessor for the raw option bytes, so go through the decoded form and
 * serialise it again (a kilobyte per block; cheap next to the crypto). */
static coapx_err copy_pdu(const coap_pdu_t *pdu, coapx_rx *rx) {
  oscore_opt opts[COAPX_RESP_MAX_OPTS];
  oscore_msg m;
  oscore_msg_init(&m, opts, COAPX_RESP_MAX_OPTS);
  coapx_err e = coapx_pdu_read(pdu, &m);
  if (e) return e;
  size_t need = m.payload.len + 1;
  for (size_t i = 0; i < m.n_opts; i++) need += m.opts[i].value.len + 5;
  if (need > rx->raw_cap) {
    uint8_t *p = realloc(rx->raw, need);
    if (!p) return COAPX_ERR_NO_MEMORY;
    rx->raw = p;
    rx->raw_cap = need;
  }
  if (oscore_opts_payload_encode(&m, rx->raw, rx->raw_cap, &rx->raw_len) !=
      OSCORE_OK)
    return COAPX_ERR_PROTOCOL;
  coap_bin_const_t tok = coap_pdu_get_token(pdu);
  rx->token_len = tok.length > COAPX_TOKEN_LEN ? COAPX_TOKEN_LEN : tok.length;
  if (rx->token_len) memcpy(rx->token, tok.s, rx->token_len);
  rx->type = (uint8_t)coap_pdu_get_type(pdu);
  rx->code = (uint8_t)coap_pdu_get_code(pdu);
  rx->mid = (uint16_t)coap_pdu_get_mid(pdu);
  rx->at_ms = coapx_now_ms();
  rx->full = true;
  return COAPX_OK;
}

/* The window slot waiting for |tok|, if any. */
static coapx_pending *pending_of(coapx_client *c, coap_bin_const_t tok) {
  for (size_t i = 0; i < COAPX_WINDOW_MAX; i++)
    if (c->pend[i].active && same_token(c->pend[i].token, COAPX_TOKEN_LEN, tok))
      return &c->pend[i];
  return NULL;
}

/* An exchange or a window slot waits for an answer. */
static bool client_busy(const coapx_client *c) {
  if (c->waiting) return true;
  for (size_t i = 0; i < COAPX_WINDOW_MAX; i++)
    if (c->pend[i].active) return true;
  return false;
}

static coap_response_t on_response(coap_session_t *session,
                                   const coap_pdu_t *sent,
                                   const coap_pdu_t *received,
                                   const coap_mid_t mid) {
  (void)sent;
  (void)mid;
  coapx_client *c = coap_session_get_app_data(session);
  if (!c) return COAP_RESPONSE_FAIL;
  c->heard_peer = true;
  coap_bin_const_t tok = coap_pdu_get_token(received);
  coapx_rx *slot = NULL;
  coapx_pending *p;
  if (c->waiting && same_token(c->token, c->token_len, tok)) {
    /* A second copy (e.g. a separate response after a lost ACK) of an
     * answer we already hold is acknowledged and ignored. */
    if (c->rx.full) return COAP_RESPONSE_OK;
    slot = &c->rx;
  } else if (c->observing && same_token(c->obs_token, c->obs_token_len, tok)) {
    slot = &c->note;
  } else if ((p = pending_of(c, tok)) != NULL) {
    if (p->rx.full) return COAP_RESPONSE_OK;
    slot = &p->rx;
  } else {
    /* Nobody asked: a late answer to an exchange we gave up on, or a
     * notification of an observation we ended. RST tells the server. */
    return COAP_RESPONSE_FAIL;
  }
  coapx_err e = copy_pdu(received, slot);
  if (e) {
    /* More options than we keep (64), or no memory: the request cannot
     * be completed, say why instead of timing out. */
    c->rx_err = e == COAPX_ERR_TOO_MANY_OPTIONS ? COAPX_ERR_PROTOCOL : e;
    slot->full = false;
  }
  return COAP_RESPONSE_OK;
}

static void on_nack(coap_session_t *session, const coap_pdu_t *sent,
                    const coap_nack_reason_t reason, const coap_mid_t mid) {
  (void)mid;
  coapx_client *c = coap_session_get_app_data(session);
  if (!c) return;
  if (!sent) {
    /* A TCP connection that fails or closes has nothing in flight that
     * libcoap could name (no retransmission queue): it is ours, whether
     * one exchange or a Block2 window waits. */
    if (!coapx_transport_reliable(c->transport) || !client_busy(c))
      return;
  } else {
    coap_bin_const_t tok = coap_pdu_get_token(sent);
    coapx_pending *p = pending_of(c, tok);
    if (p) {
      p->nack = true;
      p->nack_reason = reason;
    } else if (!c->waiting || !same_token(c->token, c->token_len, tok)) {
      return;
    }
  }
  c->nack = true;
  c->nack_reason = reason;
}

/* A TCP connection closed or failed while an exchange waits: its answer
 * cannot come any more (RFC 8323 §3.4: no retransmission). */
static int on_event(coap_session_t *session, const coap_event_t event) {
  coapx_client *c = coap_session_get_app_data(session);
  if (!c) return 0;
  /* A connection made is the peer heard: no other address is tried. */
  if (event == COAP_EVENT_TCP_CONNECTED || event == COAP_EVENT_DTLS_CONNECTED)
    c->heard_peer = true;
  if (event == COAP_EVENT_DTLS_CONNECTED) c->dtls_connected = true;
  if (event == COAP_EVENT_SESSION_CONNECTED) c->session_up = true;
  /* A handshake refused (wrong key or identity) ends in an alert: the
   * request queued behind it can never go out. libcoap names TLS's
   * events (coaps+tcp://) as DTLS's. */
  if (event == COAP_EVENT_DTLS_ERROR) c->dtls_failed = true;
  if (!client_busy(c) || c->nack) return 0;
  if (event == COAP_EVENT_TCP_CLOSED || event == COAP_EVENT_TCP_FAILED ||
      event == COAP_EVENT_SESSION_FAILED || event == COAP_EVENT_DTLS_ERROR ||
      event == COAP_EVENT_DTLS_CLOSED) {
    c->nack = true;
    c->nack_reason = COAP_NACK_NOT_DELIVERABLE;
  }
  return 0;
}

/* libcoap logs to stderr by itself (an RST is a LOG_ALERT line): the
 * engine must not print, so its log goes nowhere. */
static void quiet_log(coap_log_t level, const char *message) {
  (void)level;
  (void)message;
}

static coapx_err open_session(coapx_client *c) {
  coap_address_t dst;
  coap_address_init(&dst);
  if (c->ai_cur->ai_addrlen > sizeof dst.addr) return COAPX_ERR_ADDRESS;
  memcpy(&dst.addr, c->ai_cur->ai_addr, c->ai_cur->ai_addrlen);
  dst.size = (socklen_t)c->ai_cur->ai_addrlen;

  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (c->ai_cur->ai_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const void *)c->ai_cur->ai_addr;
    inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
    port = ntohs(s6->sin6_port);
    snprintf(c->peer, sizeof c->peer, "[%s]:%u", host, port);
  } else {
    const struct sockaddr_in *s4 = (const void *)c->ai_cur->ai_addr;
    inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
    port = ntohs(s4->sin_port);
    snprintf(c->peer, sizeof c->peer, "%s:%u", host, port);
  }

  if (c->session) coap_session_release(c->session);
  if (c->pki)
    c->session = coap_new_client_session_pki(
        c->ctx, c->has_local ? &c->local : NULL, &dst,
        coapx_transport_proto(c->transport), &c->pki_setup);
  else if (coapx_transport_secure(c->transport))
    c->session = coap_new_client_session_psk2(
        c->ctx, c->has_local ? &c->local : NULL, &dst,
        coapx_transport_proto(c->transport), &c->psk_setup);
  else
    c->session = coap_new_client_session(c->ctx,
                                         c->has_local ? &c->local : NULL, &dst,
                                         coapx_transport_proto(c->transport));
  /* With a local address, failing here is almost always that address
   * (not ours, or its port in use). A TCP connection refused does not
   * fail here but at the first send (coapx_client_send). */
  if (!c->session) return c->has_local ? COAPX_ERR_ADDRESS : COAPX_ERR_LIBCOAP;
  coap_session_set_app_data(c->session, c);
  /* The session MTU also bounds what is received (docs/DESIGN.md, libcoap
   * facts): with libcoap's 1152 an OSCORE answer carrying a full 1024-byte
   * block and many options could be refused. 1472 is libcoap's receive
   * buffer and what the dispatcher uses. */
  coap_session_set_mtu(c->session, 1472);
  c->heard_peer = false;
  c->dtls_connected = false;
  c->session_up = false;
  return COAPX_OK;
}

bool coapx_client_next_address(coapx_client *c) {
  while (c->ai_cur && c->ai_cur->ai_next) {
    c->ai_cur = c->ai_cur->ai_next;
    if (open_session(c) == COAPX_OK) return true;
  }
  return false;
}

static coapx_err why(const coapx_client_config *cfg, coapx_err e,
                     const char *fmt, const char *a, const char *b) {
  if (cfg->why && cfg->why_cap) snprintf(cfg->why, cfg->why_cap, fmt, a, b);
  return e;
}

/* The local address of cfg->bind: its port defaults to 0 (any). */
static coapx_err parse_local(coapx_client *c, const coapx_client_config *cfg) {
  const char *b = cfg->bind;
  char spec[300];
  const char *close = strchr(b, ']');
  bool has_port = b[0] == '[' ? close && close[1] == ':'
                              : strchr(b, ':') && strchr(b, ':') == strrchr(b, ':');
  bool bare_v6 = b[0] != '[' && strchr(b, ':') != strrchr(b, ':');
  snprintf(spec, sizeof spec, bare_v6 ? "[%s]:0" : has_port ? "%s" : "%s:0", b);
  if (coapx_addr_parse_bind(spec, &c->local) != COAPX_OK)
    return why(cfg, COAPX_ERR_ADDRESS, "local address '%s' is not an address "
               "of this host%s", b, "");
  c->has_local = true;
  return COAPX_OK;
}

static coapx_err resolve(coapx_client *c, const coapx_client_config *cfg) {
  if (cfg->bind) {
    coapx_err e = parse_local(c, cfg);
    if (e) return e;
  }
  int family = cfg->family == 4 ? AF_INET : cfg->family == 6 ? AF_INET6
                                                             : AF_UNSPEC;
  if (c->has_local) {
    int lf = c->local.addr.sa.sa_family;
    if (family != AF_UNSPEC && family != lf)
      return why(cfg, COAPX_ERR_ADDRESS, "local address '%s' is not of the "
                 "family asked for (%s)", cfg->bind, family == AF_INET ? "-4" : "-6");
    family = lf;
  }
  char port[8];
  snprintf(port, sizeof port, "%u", cfg->port);
  bool tcp = coapx_transport_reliable(c->transport);
  struct addrinfo hints = { .ai_family = family,
                            .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM,
                            .ai_protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP,
                            .ai_flags = AI_NUMERICSERV };
  int g = getaddrinfo(cfg->host, port, &hints, &c->ai_list);
  if (g != 0 || !c->ai_list) {
    if (c->ai_list) freeaddrinfo(c->ai_list);
    c->ai_list = NULL;
    /* An address of the other family is "no address", not a DNS fault. */
    if (family != AF_UNSPEC && (g == EAI_ADDRFAMILY || g == EAI_NONAME ||
                                g == EAI_NODATA || g == EAI_FAMILY)) {
      struct addrinfo *any = NULL;
      hints.ai_family = AF_UNSPEC;
      bool other = getaddrinfo(cfg->host, port, &hints, &any) == 0 && any;
      if (any) freeaddrinfo(any);
      if (other)
        return why(cfg, COAPX_ERR_ADDRESS, "'%s' has no %s address",
                   cfg->host, family == AF_INET ? "IPv4" : "IPv6");
    }
    return why(cfg, COAPX_ERR_ADDRESS, "cannot resolve host '%s': %s",
               cfg->host, g ? gai_strerror(g) : "no address");
  }
  c->ai_cur = c->ai_list;
  return COAPX_OK;
}

/* Set by coapx_client_enable_pki() (coapx_pki.c): X.509 needs libcrypto,
 * which a program that never verifies a certificate does not link. */
static coapx_pki_client_setup_fn *pki_client_setup;

void coapx_client_set_pki(coapx_pki_client_setup_fn *setup) {
  pki_client_setup = setup;
}

/* coaps:// and coaps+tcp://: keep the PSK and identity, or the X.509
 * setup, for every session opened (another address of the host is a new
 * session). */
static coapx_err dtls_setup(coapx_client *c, const coapx_client_config *cfg) {
  if (!coapx_transport_secure(c->transport)) return COAPX_OK;
  if (cfg->ca_file) {
    if (!pki_client_setup)
      return why(cfg, COAPX_ERR_INVALID_ARG, "%s: verifying X.509 "
                 "certificates needs %s in this program", cfg->ca_file,
                 "coapx_client_enable_pki()");
    if (!coapx_transport_available(c->transport) ||
        strlen(cfg->ca_file) >= sizeof c->ca_file ||
        strlen(cfg->host) >= sizeof c->pki_check.host)
      return COAPX_ERR_INVALID_ARG;
    snprintf(c->ca_file, sizeof c->ca_file, "%s", cfg->ca_file);
    snprintf(c->pki_check.host, sizeof c->pki_check.host, "%s", cfg->host);
    pki_client_setup(&c->pki_setup, c->ca_file, &c->pki_check);
    c->pki = true;
    return COAPX_OK;
  }
  if (!coapx_transport_available(c->transport) || !cfg->psk ||
      !cfg->psk_len || cfg->psk_len > sizeof c->psk ||
      cfg->psk_identity_len > sizeof c->psk_identity ||
      (cfg->psk_identity_len && !cfg->psk_identity))
    return COAPX_ERR_INVALID_ARG;
  memcpy(c->psk, cfg->psk, cfg->psk_len);
  if (cfg->psk_identity_len)
    memcpy(c->psk_identity, cfg->psk_identity, cfg->psk_identity_len);
  c->psk_setup.version = COAP_DTLS_CPSK_SETUP_VERSION;
  c->psk_setup.psk_info.identity =
      (coap_bin_const_t){ cfg->psk_identity_len, c->psk_identity };
  c->psk_setup.psk_info.key = (coap_bin_const_t){ cfg->psk_len, c->psk };
  return COAPX_OK;
}

coapx_err coapx_client_new(const coapx_client_config *cfg, coapx_client **out) {
  if (!cfg || !out || !cfg->host || !cfg->port) return COAPX_ERR_INVALID_ARG;
  *out = NULL;
  static bool started;
  if (!started) {
    coap_startup();
    coap_set_log_handler(quiet_log);
    started = true;
  }

  coapx_client *c = calloc(1, sizeof *c);
  if (!c) return COAPX_ERR_NO_MEMORY;
  c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : COAPX_DEFAULT_TIMEOUT_MS;
  c->trace = cfg->trace;
  c->trace_arg = cfg->trace_arg;
  c->transport = cfg->transport;
  coapx_err e = dtls_setup(c, cfg);
  if (e) {
    free(c);
    return e;
  }

  e = resolve(c, cfg);
  if (e) {
    free(c);
    return e;
  }

  c->ctx = coap_new_context(NULL);
  if (!c->ctx) {
    coapx_client_free(c);
    return COAPX_ERR_LIBCOAP;
  }
  /* Block-wise stays ours (no COAP_BLOCK_USE_LIBCOAP): under OSCORE the
   * Block options are inner and end to end, libcoap cannot see them. */
  coap_context_set_block_mode(c->ctx, 0);
  /* Otherwise libcoap rejects responses carrying these as unknown
   * critical options (OSCORE is 9, odd = critical). */
  coap_register_option(c->ctx, COAP_OPTION_OSCORE);
  coap_register_option(c->ctx, OSCORE_OPT_ECHO);
  coap_register_option(c->ctx, OSCORE_OPT_REQUEST_TAG);
  /* RFC 8323 §5.3.1, as the dispatcher: a TCP server would otherwise
   * answer a 1 MiB GET in one message (libcoap 4.3.5's coap-server does),
   * or in BERT blocks of many kilobytes. */
  coap_context_set_csm_max_message_size(c->ctx, 1472);
  coap_register_response_handler(c->ctx, on_response);
  coap_register_nack_handler(c->ctx, on_nack);
  coap_register_event_handler(c->ctx, on_event);

  e = open_session(c);
  if (e) {
    coapx_client_free(c);
    if (e == COAPX_ERR_ADDRESS && cfg->bind)
      why(cfg, e, "cannot send from local address '%s' (not an address of "
          "this host, or its port is in use)%s", cfg->bind, "");
    return e;
  }
  *out = c;
  return COAPX_OK;
}

void coapx_client_set_combined(coapx_client *c,
                               const coapx_combined_ops *ops) {
  c->combined = ops;
}

const char *coapx_client_peer(const coapx_client *c) {
  return c ? c->peer : "";
}

void coapx_client_free(coapx_client *c) {
  if (!c) return;
  if (c->session) coap_session_release(c->session);
  if (c->ctx) coap_free_context(c->ctx);
  if (c->ai_list) freeaddrinfo(c->ai_list);
  coapx_rx_free(&c->rx);
  coapx_rx_free(&c->note);
  for (size_t i = 0; i < COAPX_WINDOW_MAX; i++) coapx_rx_free(&c->pend[i].rx);
  oscore_wipe(c->psk, sizeof c->psk);
  free(c);
}

coapx_err coapx_client_send(coapx_client *c, const oscore_msg *wire, bool non,
                            const uint8_t *token, size_t token_len,
                            uint16_t *mid) {
  /* Over TCP the type is not sent (RFC 8323 §3.2). */
  if (coapx_transport_reliable(c->transport)) non = false;
  coap_pdu_t *pdu = coap_pdu_init(non ? COAP_MESSAGE_NON : COAP_MESSAGE_CON,
                                  COAP_EMPTY_CODE,
                                  coap_new_message_id(c->session),
                                  coap_session_max_pdu_size(c->session));
  if (!pdu) return COAPX_ERR_NO_MEMORY;
  if (!coap_add_token(pdu, token_len, token)) {
    coap_delete_pdu(pdu);
    return COAPX_ERR_LIBCOAP;
  }
  coapx_err e = coapx_pdu_write(pdu, wire);
  if (e) {
    coap_delete_pdu(pdu);
    return e;
  }
  *mid = (uint16_t)coap_pdu_get_mid(pdu);
  /* coap_send() owns the PDU from here on, also when it fails. */
  if (coap_send(c->session, pdu) != COAP_INVALID_MID) return COAPX_OK;
  if (!coapx_transport_reliable(c->transport)) return COAPX_ERR_LIBCOAP;
  /* A TCP connection that failed (refused) or closed: reported like a
   * NACK, so that the caller tries the next address or says why. */
  c->nack = true;
  c->nack_reason = COAP_NACK_NOT_DELIVERABLE;
  return COAPX_OK;
}

/* With a Block2 window several answers are often queued already: take one
 * with epoll_wait(0) and coap_io_do_epoll() instead of coap_io_process(),
 * which prepares libcoap's timers (timerfd_settime) once more before its
 * own epoll_wait; do_epoll still runs them after. false: nothing was
 * ready (or no epoll), wait the usual way. */
static bool take_ready(coapx_client *c) {
  bool windowed = false;
  for (size_t i = 0; i < COAPX_WINDOW_MAX && !windowed; i++)
    windowed = c->pend[i].active;
  int epfd = windowed ? coap_context_get_coap_fd(c->ctx) : -1;
  if (epfd < 0) return false;
  struct epoll_event ev[8];
  int n = epoll_wait(epfd, ev, 8, 0);
  if (n <= 0) return false;
  coap_io_do_epoll(c->ctx, ev, (size_t)n);
  return true;
}

coapx_err coapx_client_await_session(coapx_client *c, uint64_t deadline_ms,
                                     volatile sig_atomic_t *stop) {
  if (!coapx_transport_reliable(c->transport)) return COAPX_OK;
  for (;;) {
    if (c->session_up || c->nack) return COAPX_OK;
    if (stop && *stop) return COAPX_ERR_CANCELLED;
    uint64_t now = coapx_now_ms();
    if (now >= deadline_ms) return COAPX_ERR_TIMEOUT;
    uint64_t slice = deadline_ms - now < 100 ? deadline_ms - now : 100;
    if (coap_io_process(c->ctx, (uint32_t)slice) < 0) return COAPX_ERR_LIBCOAP;
  }
}

coapx_err coapx_client_wait(coapx_client *c, coapx_rx *slot,
                            uint64_t deadline_ms, volatile sig_atomic_t *stop) {
  for (;;) {
    if (slot->full || c->nack) return COAPX_OK;
    if (stop && *stop) return COAPX_ERR_CANCELLED;
    if (c->rx_err) return c->rx_err;
    uint64_t now = coapx_now_ms();
    if (deadline_ms && now >= deadline_ms) return COAPX_ERR_TIMEOUT;
    /* Short slices so that a stop flag set by a signal that did not
     * interrupt the wait is still seen promptly. */
    uint64_t slice = 100;
    if (deadline_ms && deadline_ms - now < slice) slice = deadline_ms - now;
    if (take_ready(c)) continue;
    if (coap_io_process(c->ctx, (uint32_t)slice) < 0) return COAPX_ERR_LIBCOAP;
  }
}
