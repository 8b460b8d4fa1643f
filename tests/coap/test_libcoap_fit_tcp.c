/* Loopback probe of what libcoap 4.3.1 (the no-TLS build we link) does
 * over TCP (RFC 8323), the facts the dispatcher and the client engine rely
 * on for coap+tcp:// (docs/DESIGN.md, "libcoap 4.3.1: transports"). Each
 * assertion is one of those facts. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <coap3/coap.h>
#include "unit.h"

static int handler_calls;
static int handler_mid = -1;
static coap_proto_t handler_proto;
static int srv_new, srv_del, srv_closed;
static int got_response;
static uint8_t got_code;

static void on_request(coap_resource_t *r, coap_session_t *s,
                       const coap_pdu_t *req, const coap_string_t *q,
                       coap_pdu_t *resp) {
  (void)r; (void)q;
  handler_calls++;
  handler_mid = coap_pdu_get_mid(req);
  handler_proto = coap_session_get_proto(s);
  coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
  coap_add_data(resp, 5, (const uint8_t *)"hello");
}

static int on_event(coap_session_t *s, const coap_event_t e) {
  (void)s;
  if (e == COAP_EVENT_SERVER_SESSION_NEW) srv_new++;
  if (e == COAP_EVENT_SERVER_SESSION_DEL) srv_del++;
  if (e == COAP_EVENT_TCP_CLOSED && coap_session_get_type(s) ==
                                        COAP_SESSION_TYPE_SERVER)
    srv_closed++;
  return 0;
}

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent,
                                   const coap_pdu_t *rcvd, const coap_mid_t id) {
  (void)s; (void)sent; (void)id;
  got_response++;
  got_code = (uint8_t)coap_pdu_get_code(rcvd);
  return COAP_RESPONSE_OK;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void pump(coap_context_t *a, coap_context_t *b, int *flag, long ms) {
  long end = now_ms() + ms;
  while (now_ms() < end && !*flag) {
    coap_io_process(a, 10);
    coap_io_process(b, 10);
  }
}

int main(void) {
  coap_startup();
  coap_set_log_level(LOG_EMERG);
  /* The no-TLS build speaks TCP; DTLS and TLS are the OpenSSL build's. */
  CHECK_EQ_INT(coap_tcp_is_supported(), 1);
  CHECK_EQ_INT(coap_dtls_is_supported(), 0);
  CHECK_EQ_INT(coap_tls_is_supported(), 0);

  coap_context_t *srv = coap_new_context(NULL);
  coap_context_set_block_mode(srv, 0);
  coap_register_event_handler(srv, on_event);
  coap_resource_t *any = coap_resource_unknown_init2(on_request, 0);
  coap_register_request_handler(any, COAP_REQUEST_GET, on_request);
  coap_add_resource(srv, any);
  coap_address_t a;
  coap_address_init(&a);
  a.size = sizeof(struct sockaddr_in);
  a.addr.sin.sin_family = AF_INET;
  a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  coap_endpoint_t *ep = coap_new_endpoint(srv, &a, COAP_PROTO_TCP);
  CHECK(ep != NULL);
  if (!ep) return unit_summary("test_libcoap_fit_tcp");
  const char *text = coap_endpoint_str(ep);
  /* 4.3.1 names a TCP endpoint's protocol "NONE" in its text; the port
   * before it is right (coapx_addr_endpoint_port reads only that). */
  fprintf(stderr, "fact: TCP endpoint text '%s'\n", text);
  CHECK(strstr(text, " NONE") != NULL);
  const char *colon = strrchr(text, ':');
  uint16_t port = colon ? (uint16_t)atoi(colon + 1) : 0;
  CHECK(port != 0);

  coap_context_t *cli = coap_new_context(NULL);
  coap_context_set_block_mode(cli, 0);
  coap_register_response_handler(cli, on_response);
  coap_address_t dst = a;
  dst.addr.sin.sin_port = htons(port);
  coap_session_t *cs = coap_new_client_session(cli, NULL, &dst, COAP_PROTO_TCP);
  CHECK(cs != NULL);
  if (!cs) return unit_summary("test_libcoap_fit_tcp");
  CHECK_EQ_INT(coap_session_get_proto(cs), COAP_PROTO_TCP);

  /* A request sent before the connection and the CSM exchange are done
   * waits in libcoap and goes out once they are. */
  for (int round = 0; round < 2; round++) {
    coap_pdu_t *p = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET,
                                  coap_new_message_id(cs),
                                  coap_session_max_pdu_size(cs));
    CHECK(p != NULL);
    coap_add_token(p, 2, (const uint8_t *)"tk");
    got_response = 0;
    CHECK(coap_send(cs, p) != COAP_INVALID_MID);
    pump(srv, cli, &got_response, 2000);
    CHECK_EQ_INT(got_response, 1);
    CHECK_EQ_INT(got_code, COAP_RESPONSE_CODE_CONTENT);
  }
  /* RFC 8323 has no message IDs: every request reaches the handler with
   * ID 0, so a (peer, MID) retransmission cache must not be used on TCP. */
  CHECK_EQ_INT(handler_calls, 2);
  CHECK_EQ_INT(handler_mid, 0);
  CHECK_EQ_INT(handler_proto, COAP_PROTO_TCP);
  /* An accepted connection is a server session like a UDP peer's. */
  CHECK_EQ_INT(srv_new, 1);
  /* A TCP session's PDUs are not held to a datagram: libcoap 4.3.1
   * offers far more than a 1024-byte block needs (8 MB here). */
  fprintf(stderr, "fact: TCP client max PDU size after CSM %zu\n",
          coap_session_max_pdu_size(cs));
  CHECK(coap_session_max_pdu_size(cs) >= 4096);

  /* The client closing its connection is a TCP_CLOSED event on the
   * server's session. */
  coap_session_release(cs);
  int closed = 0;
  long end = now_ms() + 2000;
  while (now_ms() < end && !closed) {
    coap_io_process(srv, 10);
    closed = srv_closed;
  }
  CHECK_EQ_INT(srv_closed, 1);
  coap_free_context(cli);
  coap_free_context(srv);
  return unit_summary("test_libcoap_fit_tcp");
}
