/* Errors of the libcoap glue layer (src/coap): one enum for the whole layer,
 * shared by the server dispatcher and the client engine. Add new values at
 * the end, before COAPX_ERR__COUNT, and name them in coapx_error.c. */
#ifndef COAPX_ERROR_H
#define COAPX_ERROR_H

typedef enum {
  COAPX_OK = 0,
  COAPX_ERR_INVALID_ARG,       /* caller passed something impossible */
  COAPX_ERR_NO_MEMORY,
  COAPX_ERR_TOO_MANY_OPTIONS,  /* caller's option array is too short */
  COAPX_ERR_PDU_FULL,          /* libcoap refused an option or the payload */
  COAPX_ERR_ADDRESS,           /* host:port not parsable or not resolvable */
  COAPX_ERR_BIND,              /* could not bind a listening endpoint */
  COAPX_ERR_LIBCOAP,           /* libcoap failed (context, session, send) */
  COAPX_ERR_IO,                /* waiting for or processing I/O failed */
  COAPX_ERR_OSCORE,            /* the OSCORE core refused (see its error) */
  COAPX_ERR_STORE,             /* the context store refused (see its error) */
  COAPX_ERR_NOT_FOUND,         /* handle no longer known (e.g. observation) */
  /* Client engine (coapx_client.h). */
  COAPX_ERR_URI,               /* URI not parsable or not usable */
  COAPX_ERR_TIMEOUT,           /* no answer within the timeout */
  COAPX_ERR_UNREACHABLE,       /* ICMP unreachable: nobody listens there */
  COAPX_ERR_RESET,             /* the peer answered RST (plain CoAP only) */
  COAPX_ERR_SECURITY,          /* the response did not verify (OSCORE) */
  COAPX_ERR_UNPROTECTED,       /* unprotected answer to a protected request */
  COAPX_ERR_PROTOCOL,          /* the answer breaks CoAP or block-wise rules */
  COAPX_ERR_ETAG_CHANGED,      /* the resource changed during a transfer */
  COAPX_ERR_CANCELLED,         /* stopped by the caller (e.g. SIGINT) */
  COAPX_ERR_SINK,              /* the caller's body sink refused the data */
  /* Server (coapx_server.h). */
  COAPX_ERR_IN_USE,            /* another socket is bound to that address */
  COAPX_ERR_DTLS,              /* the DTLS or TLS handshake failed (client) */
  COAPX_ERR_NO_DTLS,           /* coaps(+tcp):// without (D)TLS, PSKs or cert */
  COAPX_ERR_TLS_CERT,          /* the server's certificate or key refused */
  COAPX_ERR__COUNT
} coapx_err;

/* A short English description of |err|, never NULL. */
const char *coapx_strerror(coapx_err err);

#endif
