/* oscore-client: EDHOC before the request (client_edhoc.h). */
#include "client_edhoc.h"
#include <stdio.h>
#include "client_exit.h"

static void note(void *arg, int level, const char *text) {
  const client_trace_ctx *tc = arg;
  if (tc->verbose >= level) client_trace_note(tc, "%s", text);
}

static int status_for(coapx_err e) {
  switch (e) {
  case COAPX_ERR_TIMEOUT:
  case COAPX_ERR_UNREACHABLE:
  case COAPX_ERR_RESET:
    return CLIENT_EXIT_NETWORK;
  case COAPX_ERR_SECURITY: return CLIENT_EXIT_SECURITY;
  case COAPX_ERR_PROTOCOL: return CLIENT_EXIT_PROTOCOL;
  case COAPX_ERR_INVALID_ARG:
  case COAPX_ERR_STORE:
    return CLIENT_EXIT_CONFIG;
  default: return CLIENT_EXIT_FAILURE;
  }
}

int client_edhoc_run(coapx_client *client, const char *map_path,
                     const store_edhoc_entry *entry,
                     const char *label, const coapx_uri *proxied_origin,
                     const client_trace_ctx *tc,
                     coapx_edhoc_init_result *res) {
  coapx_edhoc_init_cfg cfg = { .entry = entry, .label = label,
                               .combined = true,
                               .proxied_origin = proxied_origin, .note = note,
                               .note_arg = (void *)tc };
  coapx_err e = coapx_edhoc_initiate(client, &cfg, res);
  if (e == COAPX_OK) return CLIENT_EXIT_OK;
  int status = status_for(e);
  const char *what = res->detail[0] ? res->detail : coapx_strerror(e);
  /* A broken map entry is a configuration error: name the map. */
  if (status == CLIENT_EXIT_CONFIG)
    fprintf(stderr, "oscore-client: --credentials %s: %s\n", map_path, what);
  else if (proxied_origin)
    fprintf(stderr, "oscore-client: EDHOC with %s through the proxy %s: %s\n",
            proxied_origin->normal, coapx_client_peer(client), what);
  else
    fprintf(stderr, "oscore-client: EDHOC with %s: %s\n",
            coapx_client_peer(client), what);
  return status;
}
