#include "coapx_pki.h"

#include <arpa/inet.h>
#include <limits.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* libcoap calls this for every certificate of the server's chain, after
 * OpenSSL's own verification (|validated|). Only the leaf (depth 0) must
 * name the host. */
static int check_host(const char *cn, const uint8_t *der, size_t der_len,
                      coap_session_t *session, unsigned depth, int validated,
                      void *arg) {
  (void)cn;
  (void)session;
  coapx_pki_check *check = arg;
  if (!validated) return 0;
  if (depth > 0) return 1;
  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)der_len);
  int ok = x && (X509_check_ip_asc(x, check->host, 0) == 1 ||
                 X509_check_host(x, check->host, 0, 0, NULL) == 1);
  X509_free(x);
  if (!ok) check->host_mismatch = true;
  return ok;
}

void coapx_pki_client_setup(coap_dtls_pki_t *setup, const char *ca_file,
                            coapx_pki_check *check) {
  memset(setup, 0, sizeof *setup);
  setup->version = COAP_DTLS_PKI_SETUP_VERSION;
  setup->verify_peer_cert = 1;
  setup->check_common_ca = 1;
  setup->cert_chain_validation = 1;
  setup->cert_chain_verify_depth = 3;
  setup->validate_cn_call_back = check_host;
  setup->cn_call_back_arg = check;
  /* SNI only for names (RFC 6066 §3: no IP literals). */
  unsigned char ip[16];
  if (inet_pton(AF_INET, check->host, ip) != 1 &&
      inet_pton(AF_INET6, check->host, ip) != 1)
    setup->client_sni = check->host;
  setup->pki_key.key_type = COAP_PKI_KEY_PEM;
  setup->pki_key.key.pem.ca_file = ca_file;
}

void coapx_client_enable_pki(void) {
  coapx_client_set_pki(coapx_pki_client_setup);
}

bool coapx_pki_pair_ok(const uint8_t *cert, size_t cert_len,
                       const uint8_t *key, size_t key_len) {
  if (cert_len > INT_MAX || key_len > INT_MAX) return false;
  BIO *cb = BIO_new_mem_buf(cert, (int)cert_len);
  BIO *kb = BIO_new_mem_buf(key, (int)key_len);
  X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
  EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
  bool ok = x && k && X509_check_private_key(x, k) == 1;
  EVP_PKEY_free(k);   /* frees the key material */
  X509_free(x);
  BIO_free(kb);
  BIO_free(cb);
  ERR_clear_error();
  return ok;
}

void coapx_pki_server_setup(coap_dtls_pki_t *setup, const uint8_t *cert,
                            size_t cert_len, const uint8_t *key,
                            size_t key_len) {
  memset(setup, 0, sizeof *setup);
  setup->version = COAP_DTLS_PKI_SETUP_VERSION;
  setup->pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
  setup->pki_key.key.pem_buf.public_cert = cert;
  setup->pki_key.key.pem_buf.public_cert_len = cert_len;
  setup->pki_key.key.pem_buf.private_key = key;
  setup->pki_key.key.pem_buf.private_key_len = key_len;
}
