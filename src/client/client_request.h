/* Performs the request the options describe; prints diagnostics on stderr
 * and returns the exit status (client_exit.h). A credentials map this
 * program cannot use whole (an "edhoc-oscore" entry in oscore-client)
 * hands the run to oscore-client-full with |argv| before anything is
 * read, opened or sent (client_full_exec.h). */
#ifndef CLIENT_REQUEST_H
#define CLIENT_REQUEST_H

#include "client_options.h"

int client_request_run(const client_opts *o, char **argv);

#endif
