/* -v output of oscore-client on stderr: the requests and responses of the
 * exchange as the engine reports them. -v shows the first request, the
 * response, notifications and notes (Echo retry, unprotected sending);
 * -vv adds every block exchange and the wire view of OSCORE messages
 * (outer code, kid, kid context, partial IV, ciphertext length, message ID,
 * token). Keys and nonces are never available here, so never shown. */
#ifndef CLIENT_TRACE_H
#define CLIENT_TRACE_H

#include <stdbool.h>
#include "coapx_client.h"

typedef struct {
  int verbose;
  bool color;
  const coapx_client *client;   /* for the peer address; may be NULL */
} client_trace_ctx;

/* A coapx_trace_fn; |arg| is a client_trace_ctx. */
void client_trace(const coapx_trace *t, void *arg);

/* A note at -v (e.g. "no credentials for URI: sending unprotected"). */
void client_trace_note(const client_trace_ctx *tc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
