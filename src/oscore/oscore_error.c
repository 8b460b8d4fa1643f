/* Names of the core's error values (oscore_error.h). */
#include "oscore_error.h"

const char *oscore_strerror(oscore_err err) {
  switch (err) {
  case OSCORE_OK: return "success";
  case OSCORE_ERR_INVALID_ARG: return "invalid argument";
  case OSCORE_ERR_BUFFER_TOO_SMALL: return "buffer too small";
  case OSCORE_ERR_UNKNOWN_ALG: return "unknown or unsupported AEAD algorithm";
  case OSCORE_ERR_UNKNOWN_HASH: return "unknown HKDF hash function";
  case OSCORE_ERR_ID_TOO_LONG: return "sender or recipient ID too long for the algorithm's nonce";
  case OSCORE_ERR_OPTION_MALFORMED: return "OSCORE option malformed";
  case OSCORE_ERR_MSG_MALFORMED: return "CoAP message malformed";
  case OSCORE_ERR_NO_OSCORE_OPTION: return "message has no OSCORE option";
  case OSCORE_ERR_KID_MISMATCH: return "kid or kid context does not match the security context";
  case OSCORE_ERR_DECRYPT: return "decryption failed";
  case OSCORE_ERR_REPLAY: return "replay detected";
  case OSCORE_ERR_WINDOW_UNINIT: return "replay window not initialised (freshness unknown)";
  case OSCORE_ERR_SEQ_NOT_RESERVED: return "sender sequence number not reserved on disk yet";
  case OSCORE_ERR_SEQ_EXHAUSTED: return "sender sequence numbers exhausted";
  case OSCORE_ERR_CRYPTO: return "crypto library failure";
  case OSCORE_ERR_NO_MEMORY: return "out of memory";
  case OSCORE_ERR_NONCE_USED: return "the request's nonce was already used for a response";
  }
  return "unknown error";
}
