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

int client_edhoc_combined_unprotected(const char *label, bool via_proxy,
                                      const char *detail) {
  /* RFC 9668 §3.1: option 21 is Safe-to-Forward, so a proxy must pass it
   * on; one that drops it leaves the server an OSCORE request whose kid
   * (C_R) names no context yet. */
  fprintf(stderr, "oscore-client: the server answered the combined EDHOC + "
          "OSCORE request without OSCORE (%s): %s; \"use_combined_edhoc\": "
          "false in credentials entry \"%.100s\" sends message_3 on its "
          "own\n", detail,
          via_proxy ? "the proxy may have dropped the EDHOC option (21) on "
                      "the way"
                    : "the server may not take RFC 9668 combined requests",
          label);
  return CLIENT_EXIT_SECURITY;
}
