/* Command-line pieces shared by the servers (oscore-fileserver,
 * oscore-plugtest-server): the --bind list, the one-line reason of a
 * usage error, and a --bind value's host as the start-up line shows it.
 * Nothing here prints. */
#ifndef COAPX_CLI_H
#define COAPX_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* --bind may be given this many times. */
#define COAPX_MAX_BINDS 8

/* Append |spec| to |binds| (*n used of COAPX_MAX_BINDS). False, with the
 * reason in |why|, when the list is full or |spec| names a scheme we do
 * not serve (coapx_transport_split_bind). */
bool coapx_cli_add_bind(const char **binds, size_t *n, const char *spec,
                        char *why, size_t why_len);

/* Put the reason for a usage error, |fmt| with its one string |arg|,
 * into |why| (when not NULL) and return |result|, so that a parser can
 * `return coapx_cli_fail(ITS_ERROR, why, why_len, "...%s", arg);`. */
int coapx_cli_fail(int result, char *why, size_t why_len, const char *fmt,
                   const char *arg);

/* The host part of a --bind value as it should appear before ":port":
 * "[v6]" stays, "host:port" loses its port, a bare IPv6 literal gets
 * brackets, NULL or "" is "[::]" (the default); a scheme other than
 * coap (UDP, shown without one) stays in front ("coap+tcp://[::1]"). */
void coapx_cli_bind_host(const char *spec, char *out, size_t cap);

#endif
