/* oscore-client links neither libcoap's OpenSSL build (which costs every
 * plain run 8-10 ms) nor any object of EDHOC or X.509 (libcrypto's
 * public-key parts; docs/DESIGN.md "The client split"). What needs them
 * runs in oscore-client-full, the same command-line program linked with
 * all of it, which oscore-client execs with its argv unchanged: coaps://
 * and coaps+tcp:// URIs (client_needs_full_program, before anything
 * else) and credentials maps with an "edhoc-oscore" entry
 * (client_request_run, while loading the map, before using any of it). */
#ifndef CLIENT_FULL_EXEC_H
#define CLIENT_FULL_EXEC_H

#include <stdbool.h>
#include "client_options.h"

/* Whether this request needs DTLS or TLS (a coaps:// or coaps+tcp:// URI
 * sent directly, not through --proxy) and this program's libcoap cannot
 * speak it. */
bool client_needs_full_program(const client_opts *o);

/* Replace this process with oscore-client-full and the same |argv|: first
 * next to the running executable (/proc/self/exe: the build tree, tests),
 * then in the install's libexec directory. |needs| starts the error
 * message: what needs the program, ending in the verb ("coaps:// (DTLS)
 * and coaps+tcp:// (TLS) need"). Returns only on failure, with the exit
 * status after printing an error naming the files looked for. */
int client_exec_full_program(char **argv, const char *needs);

#endif
