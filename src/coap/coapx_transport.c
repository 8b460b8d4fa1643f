#include "coapx_transport.h"
#include <stdio.h>
#include <string.h>

static const struct {
  const char *scheme;
  coapx_transport t;
} schemes[] = {
  { "coap", COAPX_TRANSPORT_UDP },
  { "coap+tcp", COAPX_TRANSPORT_TCP },
  { "coaps", COAPX_TRANSPORT_DTLS },
  { "coaps+tcp", COAPX_TRANSPORT_TLS },
};

bool coapx_transport_from_scheme(const char *scheme, size_t len,
                                 coapx_transport *out) {
  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
    if (strlen(schemes[i].scheme) == len &&
        memcmp(schemes[i].scheme, scheme, len) == 0) {
      *out = schemes[i].t;
      return true;
    }
  return false;
}

bool coapx_transport_reliable(coapx_transport t) {
  return t == COAPX_TRANSPORT_TCP || t == COAPX_TRANSPORT_TLS;
}

bool coapx_transport_secure(coapx_transport t) {
  return t == COAPX_TRANSPORT_DTLS || t == COAPX_TRANSPORT_TLS;
}

bool coapx_transport_available(coapx_transport t) {
  return t == COAPX_TRANSPORT_DTLS  ? coap_dtls_is_supported() != 0
         : t == COAPX_TRANSPORT_TLS ? coap_tls_is_supported() != 0
                                    : true;
}

uint16_t coapx_transport_default_port(coapx_transport t) {
  return coapx_transport_secure(t) ? 5684 : 5683;
}

const char *coapx_transport_security_name(coapx_transport t) {
  return t == COAPX_TRANSPORT_TLS ? "TLS" : "DTLS";
}

const char *coapx_transport_scheme(coapx_transport t) {
  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
    if (schemes[i].t == t) return schemes[i].scheme;
  return "coap";
}

coap_proto_t coapx_transport_proto(coapx_transport t) {
  switch (t) {
  case COAPX_TRANSPORT_TCP: return COAP_PROTO_TCP;
  case COAPX_TRANSPORT_DTLS: return COAP_PROTO_DTLS;
  case COAPX_TRANSPORT_TLS: return COAP_PROTO_TLS;
  case COAPX_TRANSPORT_UDP: break;
  }
  return COAP_PROTO_UDP;
}

bool coapx_session_secure(const coap_session_t *s) {
  coap_proto_t p = coap_session_get_proto(s);
  return p == COAP_PROTO_DTLS || p == COAP_PROTO_TLS;
}

bool coapx_session_reliable(const coap_session_t *s) {
  coap_proto_t p = coap_session_get_proto(s);
  return p == COAP_PROTO_TCP || p == COAP_PROTO_TLS;
}

bool coapx_transport_split_bind(const char *spec, coapx_transport *t,
                                char *addr, size_t cap) {
  const char *sep = spec ? strstr(spec, "://") : NULL;
  const char *rest = spec ? spec : "";
  *t = COAPX_TRANSPORT_UDP;
  if (sep) {
    char lower[16];
    size_t n = (size_t)(sep - spec);
    bool known = n < sizeof lower;
    for (size_t i = 0; known && i < n; i++)
      lower[i] = (char)((spec[i] >= 'A' && spec[i] <= 'Z') ? spec[i] + 32
                                                           : spec[i]);
    if (!known || !coapx_transport_from_scheme(lower, n, t)) {
      snprintf(addr, cap, "%.*s", (int)n, spec);
      return false;
    }
    rest = sep + 3;
  }
  size_t len = strlen(rest);
  if (len && rest[len - 1] == '/') len--;
  if (len >= cap) {
    snprintf(addr, cap, "%s", "");
    return false;
  }
  memcpy(addr, rest, len);
  addr[len] = '\0';
  return true;
}
