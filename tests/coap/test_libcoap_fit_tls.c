/* What Debian's OpenSSL build of libcoap 4.3.1 (libcoap-3-openssl) offers
 * beyond the no-TLS build we link (docs/DESIGN.md, "libcoap 4.3.1:
 * transports"): DTLS and TLS with OpenSSL, TCP as well. 4.3.1 has no
 * WebSockets (coap_ws_is_supported() came with 4.3.2). */
#include <coap3/coap.h>
#include "unit.h"

int main(void) {
  coap_startup();
  coap_set_log_level(LOG_EMERG);
  CHECK_EQ_INT(coap_tcp_is_supported(), 1);
  CHECK_EQ_INT(coap_dtls_is_supported(), 1);
  CHECK_EQ_INT(coap_tls_is_supported(), 1);
  coap_tls_version_t *v = coap_get_tls_library_version();
  CHECK(v != NULL);
  if (v) {
    CHECK_EQ_INT(v->type, COAP_TLS_LIBRARY_OPENSSL);
    fprintf(stderr, "fact: TLS library OpenSSL, version 0x%llx\n",
            (unsigned long long)v->version);
  }
  return unit_summary("test_libcoap_fit_tls");
}
