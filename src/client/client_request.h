/* Performs the request the options describe; prints diagnostics on stderr
 * and returns the exit status (client_exit.h). */
#ifndef CLIENT_REQUEST_H
#define CLIENT_REQUEST_H

#include "client_options.h"

int client_request_run(const client_opts *o);

#endif
