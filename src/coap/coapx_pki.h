/* X.509 for coaps:// and coaps+tcp:// (libcoap's PKI setups): a client
 * that trusts one PEM file (aiocoap's "tlscert" certfile) and checks that
 * the server's certificate names the host it asked for; a server
 * presenting its certificate and key from PEM buffers. */
#ifndef COAPX_PKI_H
#define COAPX_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <coap3/coap.h>

/* What the client's certificate check needs and found. */
typedef struct {
  char host[256];          /* the URI's host: a name or an IP literal */
  bool host_mismatch;      /* the server's certificate named another */
} coapx_pki_check;

/* Fill |setup| for a client session: verify the server's chain against
 * |ca_file| (PEM; self-signed allowed only as that anchor) and its leaf
 * against check->host (DNS names and IP addresses of the subjectAltName,
 * else the CN, by libcrypto's X509_check_host / X509_check_ip_asc);
 * |check| must outlive the session. */
typedef void coapx_pki_client_setup_fn(coap_dtls_pki_t *setup,
                                       const char *ca_file,
                                       coapx_pki_check *check);
coapx_pki_client_setup_fn coapx_pki_client_setup;

/* The client engine (coapx_client.c) verifies certificates (a
 * coapx_client_config with ca_file) only after this call, which links
 * coapx_pki_client_setup and through it libcrypto's X.509: a program
 * that never does (oscore-client) links neither. */
void coapx_client_enable_pki(void);
/* Private: how coapx_client_enable_pki() reaches the engine. */
void coapx_client_set_pki(coapx_pki_client_setup_fn *setup);

/* Whether |cert| (PEM, the first certificate: the server's own) and
 * |key| (PEM private key) parse and belong together. libcoap 4.3.1
 * accepts a mismatched pair and every handshake then fails. */
bool coapx_pki_pair_ok(const uint8_t *cert, size_t cert_len,
                       const uint8_t *key, size_t key_len);

/* Fill |setup| for a server presenting |cert| and |key| (PEM buffers,
 * which must outlive the context: libcoap keeps pointers to them). No
 * client certificate is asked for. */
void coapx_pki_server_setup(coap_dtls_pki_t *setup, const uint8_t *cert,
                            size_t cert_len, const uint8_t *key,
                            size_t key_len);

#endif
