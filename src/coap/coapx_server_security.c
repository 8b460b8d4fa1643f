/* (D)TLS for the server: the PSK and certificate set-up of the coaps://
 * and coaps+tcp:// endpoints, and the identity a handshake names. */
#include "coapx_server_priv.h"
#include "coapx_pki.h"

/* The caller named by DTLS or TLS (coaps://, coaps+tcp://): the key of the
 * "dtls" entry whose client-identity the handshake used (a linear scan of
 * the map; OSCORE's identity wins when the request is protected too).
 * NULL elsewhere. */
const char *coapx_server_secure_identity(coapx_server *srv,
                                         coap_session_t *session) {
  if (!coapx_session_secure(session)) return NULL;
  const coap_bin_const_t *id = coap_session_get_psk_identity(session);
  return id ? store_credentials_dtls_find(srv->creds, id->s, id->length,
                                          NULL, NULL)
            : NULL;
}

/* libcoap asks for the PSK of the identity a DTLS or TLS client presents:
 * the map's "dtls" entry for it, or none (the handshake then fails). */
static const coap_bin_const_t *on_psk_identity(coap_bin_const_t *identity,
                                               coap_session_t *session,
                                               void *arg) {
  (void)session;
  coapx_server *srv = arg;
  const uint8_t *psk = NULL;
  size_t len = 0;
  if (!identity || !store_credentials_dtls_find(srv->creds, identity->s,
                                                identity->length, &psk, &len))
    return NULL;
  srv->psk_answer = (coap_bin_const_t){ len, psk };
  return &srv->psk_answer;   /* libcoap copies it */
}

/* Before the first coaps:// or coaps+tcp:// endpoint: DTLS and TLS need
 * libcoap's OpenSSL build (coapx_transport_available) and at least one
 * "dtls" entry or a certificate with its key (both may be set: PSK and
 * certificate clients share the endpoints); one setup serves both
 * protocols, made once (*done). libcoap's DTLS server answers a
 * ClientHello with a cookie (HelloVerifyRequest) from one shared SSL
 * object and keeps a small "hello" session per address until the cookie
 * returns; those are capped (COAPX_MAX_DTLS_HANDSHAKES, test_server_dtls),
 * established sessions with the UDP ones (max_idle_sessions). */
coapx_err coapx_server_enable_security(coapx_server *srv,
                                       const coapx_server_config *cfg,
                                       coapx_transport t, bool *done) {
  bool psk = store_credentials_has_dtls(srv->creds);
  bool pki = cfg->tls_cert_pem && cfg->tls_key_pem;
  if (!coapx_transport_available(t) || (!psk && !pki))
    return COAPX_ERR_NO_DTLS;
  if (*done) return COAPX_OK;
  *done = true;
  coap_context_set_max_handshake_sessions(srv->ctx, COAPX_MAX_DTLS_HANDSHAKES);
  coap_dtls_spsk_t spsk = {
    .version = COAP_DTLS_SPSK_SETUP_VERSION,
    .validate_id_call_back = on_psk_identity,
    .id_call_back_arg = srv,
  };
  /* PSK first: with the certificate set first, libcoap 4.3.1's DTLS
   * refuses every PSK client (TLS does not; test_plugtest_tls). */
  if (psk && !coap_context_set_psk2(srv->ctx, &spsk)) return COAPX_ERR_LIBCOAP;
  if (pki) {
    if (!coapx_pki_pair_ok(cfg->tls_cert_pem, cfg->tls_cert_len,
                           cfg->tls_key_pem, cfg->tls_key_len))
      return COAPX_ERR_TLS_CERT;
    /* Read by libcoap now, and kept as pointers (the caller's buffers). */
    coap_dtls_pki_t setup;
    coapx_pki_server_setup(&setup, cfg->tls_cert_pem, cfg->tls_cert_len,
                           cfg->tls_key_pem, cfg->tls_key_len);
    if (!coap_context_set_pki(srv->ctx, &setup)) return COAPX_ERR_TLS_CERT;
  }
  return COAPX_OK;
}
