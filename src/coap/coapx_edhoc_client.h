/* EDHOC initiator over CoAP for the client (RFC 9528 Appendix A.2, RFC
 * 9668): message_1 and message_2 as a POST to /.well-known/edhoc on the
 * client's session (in proxy form through a forward proxy: RFC 9528 A.2
 * says nothing special, the proxy forwards; C_I and C_R are end to end),
 * then message_3 either POSTed the same way or handed
 * back for the combined request (coapx_client_req.edhoc_message_3). The
 * result is an in-memory OSCORE context (Appendix A.1) for the requests
 * that follow. */
#ifndef COAPX_EDHOC_CLIENT_H
#define COAPX_EDHOC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include "coapx_client.h"
#include "coapx_uri.h"
#include "store.h"
#include "store_edhoc.h"

/* One line of what happened, for -v (|level| 1) and -vv (2). Never a
 * secret: sizes, identifiers, suites, credential names. */
typedef void (*coapx_edhoc_note_fn)(void *arg, int level, const char *text);

typedef struct {
  const store_edhoc_entry *entry;
  const char *label;          /* the entry's key in the map, for messages */
  bool combined;              /* RFC 9668 unless the entry says otherwise */
  /* NULL when the client talks to the server itself. Through a forward
   * proxy: the request's URI, whose origin's /.well-known/edhoc the POSTs
   * name in proxy form (Proxy-Scheme, Uri-Host, Uri-Port; Proxy-Uri for
   * another scheme), as the request itself does (coapx_uri_add_options). */
  const coapx_uri *proxied_origin;
  coapx_edhoc_note_fn note;   /* may be NULL */
  void *note_arg;
} coapx_edhoc_init_cfg;

typedef struct {
  store_context *sc;          /* established; the caller closes it */
  /* message_3 for the combined request (empty when it was POSTed). */
  uint8_t message_3[EDHOC_MAX_MESSAGE];
  size_t message_3_len;
  char detail[400];           /* on error: what went wrong, naming it */
} coapx_edhoc_init_result;

/* Run EDHOC with the server of |c|. Errors: those of coapx_client_request
 * (network), COAPX_ERR_SECURITY (EDHOC failed: our side refused the
 * server, or the server refused us with an EDHOC error message; detail
 * says which), COAPX_ERR_PROTOCOL (an answer that is no EDHOC message),
 * COAPX_ERR_STORE, COAPX_ERR_NO_MEMORY. */
/* When |body| is an EDHOC error message (RFC 9528 §6): a sentence on it
 * into |out| ("EDHOC error 3 (it does not know our credential)") and
 * true. */
bool coapx_edhoc_describe_error(oscore_bytes body, char *out, size_t cap);

coapx_err coapx_edhoc_initiate(coapx_client *c, const coapx_edhoc_init_cfg *cfg,
                               coapx_edhoc_init_result *out);

#endif
