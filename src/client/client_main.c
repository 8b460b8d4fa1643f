/* oscore-client: parse the command line, then dispatch. */
#include <stdio.h>
#include "client_full_exec.h"
#include "client_exit.h"
#include "client_names.h"
#include "client_options.h"
#include "client_program.h"
#include "client_request.h"
#include "oscore_tools_version.h"

int main(int argc, char **argv) {
  client_program_init();
  client_opts o;
  char err[512];
  if (!client_options_parse(argc, argv, &o, err, sizeof err)) {
    fprintf(stderr, "oscore-client: %s\n", err);
    return CLIENT_EXIT_USAGE;
  }
  switch (o.action) {
  case CLIENT_ACTION_HELP:
    client_options_help(stdout, "oscore-client");
    return CLIENT_EXIT_OK;
  case CLIENT_ACTION_VERSION:
    printf("oscore-client %s\n", OSCORE_TOOLS_VERSION);
    return CLIENT_EXIT_OK;
  case CLIENT_ACTION_CFORMATS:
    printf("CoAP Content-Formats (number, media type, short name):\n");
    client_cformat_list(stdout);
    return CLIENT_EXIT_OK;
  case CLIENT_ACTION_REQUEST:
    break;
  }
  /* Before anything is opened or locked: the full program does it all. */
  if (client_needs_full_program(&o))
    return client_exec_full_program(argv, "coaps:// (DTLS) and coaps+tcp:// "
                                    "(TLS) need");
  return client_request_run(&o, argv);
}
