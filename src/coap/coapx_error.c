#include "coapx_error.h"

const char *coapx_strerror(coapx_err err) {
  switch (err) {
  case COAPX_OK: return "success";
  case COAPX_ERR_INVALID_ARG: return "invalid argument";
  case COAPX_ERR_NO_MEMORY: return "out of memory";
  case COAPX_ERR_TOO_MANY_OPTIONS: return "too many CoAP options";
  case COAPX_ERR_PDU_FULL: return "CoAP message too large";
  case COAPX_ERR_ADDRESS: return "address not usable";
  case COAPX_ERR_BIND: return "cannot bind address";
  case COAPX_ERR_LIBCOAP: return "libcoap failure";
  case COAPX_ERR_IO: return "network I/O failure";
  case COAPX_ERR_OSCORE: return "OSCORE processing failed";
  case COAPX_ERR_STORE: return "security context store failure";
  case COAPX_ERR_NOT_FOUND: return "no such handle";
  case COAPX_ERR_URI: return "invalid URI";
  case COAPX_ERR_TIMEOUT: return "no response within the timeout";
  case COAPX_ERR_UNREACHABLE: return "destination unreachable";
  case COAPX_ERR_RESET: return "the server reset the exchange (RST)";
  case COAPX_ERR_SECURITY: return "the response did not verify";
  case COAPX_ERR_UNPROTECTED: return "unprotected response to a protected request";
  case COAPX_ERR_PROTOCOL: return "the response violates the protocol";
  case COAPX_ERR_ETAG_CHANGED: return "the resource changed during the transfer";
  case COAPX_ERR_CANCELLED: return "cancelled";
  case COAPX_ERR_SINK: return "writing the response body failed";
  case COAPX_ERR_IN_USE:
    return "address already in use (is another server running there?)";
  case COAPX_ERR_DTLS:
    return "the (D)TLS handshake failed (wrong pre-shared key or identity?)";
  case COAPX_ERR_NO_DTLS:
    return "coaps:// and coaps+tcp:// need libcoap's OpenSSL build and "
           "\"dtls\" entries (pre-shared keys) in the credentials map, or "
           "a certificate and its key";
  case COAPX_ERR_TLS_CERT:
    return "the TLS certificate or its private key was refused (not PEM, "
           "or the key does not match the certificate)";
  case COAPX_ERR__COUNT: break;
  }
  return "unknown error";
}
