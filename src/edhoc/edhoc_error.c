/* Names of the EDHOC core's error values (edhoc_error.h). */
#include "edhoc_error.h"

const char *edhoc_strerror(edhoc_err err) {
  switch (err) {
  case EDHOC_OK: return "success";
  case EDHOC_ERR_INVALID_ARG: return "invalid argument";
  case EDHOC_ERR_BUFFER_TOO_SMALL: return "buffer too small";
  case EDHOC_ERR_MALFORMED: return "EDHOC message malformed";
  case EDHOC_ERR_UNSUPPORTED_METHOD: return "EDHOC method not supported";
  case EDHOC_ERR_UNSUPPORTED_SUITE: return "no common EDHOC cipher suite";
  case EDHOC_ERR_UNKNOWN_CRED: return "peer credential unknown";
  case EDHOC_ERR_CRED_MALFORMED: return "credential or key malformed";
  case EDHOC_ERR_BAD_KEY: return "invalid public key";
  case EDHOC_ERR_AUTH: return "MAC or signature verification failed";
  case EDHOC_ERR_DECRYPT: return "decryption failed";
  case EDHOC_ERR_CRITICAL_EAD: return "unsupported critical EAD item";
  case EDHOC_ERR_PEER_ERROR: return "peer sent an EDHOC error";
  case EDHOC_ERR_STATE: return "EDHOC call out of order";
  case EDHOC_ERR_CID_CLASH: return "connection identifiers C_I and C_R are equal";
  case EDHOC_ERR_CRYPTO: return "crypto library failure";
  case EDHOC_ERR_NO_MEMORY: return "out of memory";
  }
  return "unknown error";
}
