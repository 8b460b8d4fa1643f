/* Errors of the EDHOC core (RFC 9528): one enum, one function naming it. */
#ifndef EDHOC_ERROR_H
#define EDHOC_ERROR_H

typedef enum {
  EDHOC_OK = 0,
  EDHOC_ERR_INVALID_ARG,        /* caller passed something impossible */
  EDHOC_ERR_BUFFER_TOO_SMALL,   /* output buffer or a bound too small */
  EDHOC_ERR_MALFORMED,          /* message not decodable, or not
                                   deterministic CBOR (RFC 9528 §3.1) */
  EDHOC_ERR_UNSUPPORTED_METHOD, /* METHOD not one we accept */
  EDHOC_ERR_UNSUPPORTED_SUITE,  /* suite negotiation failed (§6.3) */
  EDHOC_ERR_UNKNOWN_CRED,       /* the peer's ID_CRED names no credential
                                   we accept */
  EDHOC_ERR_CRED_MALFORMED,     /* a credential (CCS, X.509, key) unusable */
  EDHOC_ERR_BAD_KEY,            /* a public key is not a valid point */
  EDHOC_ERR_AUTH,               /* MAC or signature does not verify */
  EDHOC_ERR_DECRYPT,            /* message_3/4 AEAD does not verify */
  EDHOC_ERR_CRITICAL_EAD,       /* unknown critical EAD item (§3.8) */
  EDHOC_ERR_PEER_ERROR,         /* the peer sent an EDHOC error message */
  EDHOC_ERR_STATE,              /* call out of order for this session */
  EDHOC_ERR_CID_CLASH,          /* C_R equal to C_I (RFC 9528 §3.3.3) */
  EDHOC_ERR_CRYPTO,             /* the crypto library failed */
  EDHOC_ERR_NO_MEMORY,
} edhoc_err;

/* A short English description of |err|, never NULL. */
const char *edhoc_strerror(edhoc_err err);

#endif
