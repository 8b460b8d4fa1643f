/* oscore-client (client_program.h): neither EDHOC nor X.509 linked. */
#include "client_program.h"

#include <stdio.h>
#include "client_edhoc.h"
#include "client_exit.h"

void client_program_init(void) {
}

/* Its store never hands out an "edhoc-oscore" entry (store_enable_edhoc
 * was not called): a map with one goes to oscore-client-full first. */
int client_edhoc_run(coapx_client *client, const char *map_path,
                     const store_edhoc_entry *entry, const char *label,
                     const coapx_uri *proxied_origin,
                     const client_trace_ctx *tc,
                     coapx_edhoc_init_result *res) {
  (void)client;
  (void)entry;
  (void)proxied_origin;
  (void)tc;
  (void)res;
  fprintf(stderr, "oscore-client: internal error: credentials entry "
          "\"%.100s\" of %s needs EDHOC, which only oscore-client-full "
          "runs\n", label, map_path);
  return CLIENT_EXIT_FAILURE;
}
