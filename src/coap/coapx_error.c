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
  case COAPX_ERR__COUNT: break;
  }
  return "unknown error";
}
