/* oscore-client's EDHOC step: when the credentials entry for the URI is
 * edhoc-oscore, establish the OSCORE context with the server before the
 * request (coapx_edhoc_initiate), showing the exchange with -v. Only
 * oscore-client-full runs it (client_program.h). */
#ifndef CLIENT_EDHOC_H
#define CLIENT_EDHOC_H

#include "client_trace.h"
#include "coapx_edhoc_client.h"

/* Runs EDHOC for |entry| (key |label| in the map at |map_path|) on
 * |client|; |proxied_origin| is the request's URI when |client| talks to
 * a forward proxy (NULL otherwise). CLIENT_EXIT_OK with
 * res->sc set (the caller closes it), else the exit status after one line
 * on stderr naming what failed (map entry, key, or the server's refusal). */
int client_edhoc_run(coapx_client *client, const char *map_path,
                     const store_edhoc_entry *entry,
                     const char *label, const coapx_uri *proxied_origin,
                     const client_trace_ctx *tc,
                     coapx_edhoc_init_result *res);

#endif
