/* What Debian's OpenSSL build of libcoap 4.3.1 (libcoap-3-openssl) offers
 * beyond the no-TLS build we link (docs/DESIGN.md, "libcoap 4.3.1:
 * transports"): DTLS and TLS with OpenSSL, TCP as well. 4.3.1 has no
 * WebSockets (coap_ws_is_supported() came with 4.3.2). Then, on
 * loopback, the TLS-PSK facts coaps+tcp:// relies on: one
 * coap_context_set_psk2() serves a COAP_PROTO_TLS endpoint, the server
 * session names the client's identity, and a wrong key or an unknown
 * identity ends the handshake with an alert (an event, not a timeout). */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <time.h>
#include <coap3/coap.h>
#include "unit.h"

static const coap_bin_const_t server_key = { 9, (const uint8_t *)"secretkey" };

static int got_code;              /* the response's code, 0 before */
static int client_tls_error;      /* COAP_EVENT_DTLS_ERROR on the client */
static int client_nack = -1;      /* the NACK reason, -1 before */
static char seen_identity[16];    /* what the handler's session names */

static void on_request(coap_resource_t *r, coap_session_t *s,
                       const coap_pdu_t *req, const coap_string_t *q,
                       coap_pdu_t *resp) {
  (void)r; (void)req; (void)q;
  const coap_bin_const_t *id = coap_session_get_psk_identity(s);
  if (id && id->length < sizeof seen_identity) {
    memcpy(seen_identity, id->s, id->length);
    seen_identity[id->length] = '\0';
  }
  coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
}

/* The server's PSK lookup: only identity "one" is known. */
static const coap_bin_const_t *validate(coap_bin_const_t *id,
                                        coap_session_t *s, void *arg) {
  (void)s; (void)arg;
  return id->length == 3 && memcmp(id->s, "one", 3) == 0 ? &server_key : NULL;
}

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent,
                                   const coap_pdu_t *rcvd, const coap_mid_t id) {
  (void)s; (void)sent; (void)id;
  got_code = coap_pdu_get_code(rcvd);
  return COAP_RESPONSE_OK;
}

static void on_nack(coap_session_t *s, const coap_pdu_t *sent,
                    const coap_nack_reason_t reason, const coap_mid_t id) {
  (void)s; (void)sent; (void)id;
  client_nack = (int)reason;
}

static int on_event(coap_session_t *s, const coap_event_t e) {
  if (e == COAP_EVENT_DTLS_ERROR &&
      coap_session_get_type(s) == COAP_SESSION_TYPE_CLIENT)
    client_tls_error++;
  return 0;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* One GET over TLS with |key| and |identity|; the milliseconds until the
 * answer, the alert or 3 s. */
static long tls_get(coap_context_t *srv, uint16_t port, const char *key,
                    const char *identity) {
  got_code = 0;
  client_tls_error = 0;
  client_nack = -1;
  seen_identity[0] = '\0';
  coap_context_t *cc = coap_new_context(NULL);
  coap_register_response_handler(cc, on_response);
  coap_register_nack_handler(cc, on_nack);
  coap_register_event_handler(cc, on_event);
  coap_dtls_cpsk_t setup = { .version = COAP_DTLS_CPSK_SETUP_VERSION };
  setup.psk_info.identity =
      (coap_bin_const_t){ strlen(identity), (const uint8_t *)identity };
  setup.psk_info.key = (coap_bin_const_t){ strlen(key), (const uint8_t *)key };
  coap_address_t dst;
  coap_address_init(&dst);
  dst.addr.sin.sin_family = AF_INET;
  dst.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  dst.addr.sin.sin_port = htons(port);
  dst.size = sizeof dst.addr.sin;
  coap_session_t *s =
      coap_new_client_session_psk2(cc, NULL, &dst, COAP_PROTO_TLS, &setup);
  CHECK(s != NULL);
  CHECK_EQ_INT(coap_session_get_proto(s), COAP_PROTO_TLS);
  /* Not coap_session_max_pdu_size(): on a TLS session before its CSM it
   * runs coap_io_process() on this context alone until the CSM comes,
   * which here (the server in the same thread, unserved) takes seconds. */
  coap_pdu_t *pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET, 0,
                                  64);
  coap_add_token(pdu, 1, (const uint8_t *)"t");
  /* Sent at once: it waits in libcoap for the handshake and the CSM. */
  CHECK(coap_send(s, pdu) != COAP_INVALID_MID);
  long start = now_ms();
  while (now_ms() - start < 3000 && !got_code && client_nack < 0) {
    coap_io_process(srv, 5);
    coap_io_process(cc, 5);
  }
  long took = now_ms() - start;
  coap_free_context(cc);
  return took;
}

int main(void) {
  coap_startup();
  coap_set_log_level(LOG_EMERG);
  CHECK_EQ_INT(coap_tcp_is_supported(), 1);
  CHECK_EQ_INT(coap_dtls_is_supported(), 1);
  CHECK_EQ_INT(coap_tls_is_supported(), 1);
  /* No WebSockets in this libcoap: coap+ws:// and coaps+ws:// are refused
   * as usage errors. A libcoap that has them exports coap_ws_is_supported
   * (4.3.2 on); then this fails, and they can be built. */
  CHECK(dlsym(RTLD_DEFAULT, "coap_ws_is_supported") == NULL);
  CHECK(dlsym(RTLD_DEFAULT, "coap_tcp_is_supported") != NULL);
  coap_tls_version_t *v = coap_get_tls_library_version();
  CHECK(v != NULL);
  if (v) {
    CHECK_EQ_INT(v->type, COAP_TLS_LIBRARY_OPENSSL);
    fprintf(stderr, "fact: TLS library OpenSSL, version 0x%llx\n",
            (unsigned long long)v->version);
  }

  coap_context_t *srv = coap_new_context(NULL);
  coap_dtls_spsk_t spsk = { .version = COAP_DTLS_SPSK_SETUP_VERSION,
                            .validate_id_call_back = validate };
  CHECK_EQ_INT(coap_context_set_psk2(srv, &spsk), 1);
  coap_address_t a;
  coap_address_init(&a);
  a.addr.sin.sin_family = AF_INET;
  a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.size = sizeof a.addr.sin;
  /* Port 0 picks a free one; the endpoint's text says NONE as for TCP. */
  coap_endpoint_t *ep = coap_new_endpoint(srv, &a, COAP_PROTO_TLS);
  CHECK(ep != NULL);
  if (!ep) return unit_summary("test_libcoap_fit_tls");
  const char *text = coap_endpoint_str(ep);
  const char *colon = strrchr(text, ':');
  uint16_t port = colon ? (uint16_t)atoi(colon + 1) : 0;
  fprintf(stderr, "fact: a TLS endpoint's text is \"%s\"\n", text);
  CHECK(port != 0);
  coap_resource_t *any = coap_resource_unknown_init2(on_request, 0);
  coap_register_request_handler(any, COAP_REQUEST_GET, on_request);
  coap_add_resource(srv, any);

  long ms = tls_get(srv, port, "secretkey", "one");
  CHECK_EQ_INT(got_code, COAP_RESPONSE_CODE_CONTENT);
  CHECK(strcmp(seen_identity, "one") == 0);
  fprintf(stderr, "fact: TLS-PSK GET answered in %ld ms\n", ms);

  /* A wrong key: TLS answers the Finished it cannot check with an alert
   * (DTLS drops it silently): the client hears DTLS_ERROR (libcoap's name
   * for TLS too) and its request is NACKed TLS_FAILED. */
  static const struct {
    const char *what, *key, *identity;
  } refused[] = {
    { "wrong key", "secretkez", "one" },
    { "unknown identity", "secretkey", "nobody" },
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    ms = tls_get(srv, port, refused[i].key, refused[i].identity);
    CHECK_EQ_INT(got_code, 0);
    CHECK(client_tls_error > 0);
    CHECK_EQ_INT(client_nack, COAP_NACK_TLS_FAILED);
    CHECK(ms < 2000);
    fprintf(stderr, "fact: %s refused in %ld ms\n", refused[i].what, ms);
  }

  coap_free_context(srv);
  return unit_summary("test_libcoap_fit_tls");
}
