/* Errors of the OSCORE core: one enum, one function that names it. */
#ifndef OSCORE_ERROR_H
#define OSCORE_ERROR_H

typedef enum {
  OSCORE_OK = 0,
  OSCORE_ERR_INVALID_ARG,      /* caller passed something impossible */
  OSCORE_ERR_BUFFER_TOO_SMALL, /* output buffer or option array too short */
  OSCORE_ERR_UNKNOWN_ALG,      /* AEAD not in the supported table */
  OSCORE_ERR_UNKNOWN_HASH,     /* HKDF hash not sha256/384/512 */
  OSCORE_ERR_ID_TOO_LONG,      /* sender/recipient ID > nonce_len - 6 */
  OSCORE_ERR_OPTION_MALFORMED, /* OSCORE option value not decodable (§6.1) */
  OSCORE_ERR_MSG_MALFORMED,    /* CoAP message or plaintext not parsable */
  OSCORE_ERR_NO_OSCORE_OPTION, /* message carries no OSCORE option */
  OSCORE_ERR_KID_MISMATCH,     /* kid / kid context name another context */
  OSCORE_ERR_DECRYPT,          /* AEAD verification failed */
  OSCORE_ERR_REPLAY,           /* sequence number seen or below the window */
  OSCORE_ERR_WINDOW_UNINIT,    /* B.1.2: freshness unknown, ask for Echo */
  OSCORE_ERR_SEQ_NOT_RESERVED, /* B.1.1: persist a higher limit first */
  OSCORE_ERR_SEQ_EXHAUSTED,    /* sender sequence number beyond 2^40 - 1 */
  OSCORE_ERR_CRYPTO,           /* the crypto library failed */
  OSCORE_ERR_NO_MEMORY,
  OSCORE_ERR_NONCE_USED,       /* the request's nonce already protected a response */
} oscore_err;

/* A short English description of |err|, never NULL. */
const char *oscore_strerror(oscore_err err);

#endif
