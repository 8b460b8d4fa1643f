/* Command-line pieces shared by the servers (oscore-fileserver,
 * oscore-plugtest-server): the --bind list, the one-line reason of a
 * usage error, a --bind value's host as the start-up line shows it, and
 * the TLS certificate and key files. Nothing here prints. */
#ifndef COAPX_CLI_H
#define COAPX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coapx_server.h"
#include "store.h"

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

/* --tls-server-certificate and --tls-server-key (aiocoap's names), read
 * (coapx_cli_tls.c) for coaps:// and coaps+tcp:// with X.509. */
typedef struct {
  uint8_t *cert, *key;       /* PEM; the key is wiped when freed */
  size_t cert_len, key_len;
} coapx_cli_tls;

/* The options' usage rule: both or neither. false with the reason in
 * |why| (a usage error). */
bool coapx_cli_tls_paired(const char *cert_file, const char *key_file,
                          char *why, size_t why_len);

/* Read |cert_file| and |key_file| (both NULL: nothing to do; both given,
 * coapx_cli_tls_paired) into |t|; a key file others may read is warned
 * about through |diag|. false with the reason (naming the option and the
 * file) in |why|: one cannot be read. */
bool coapx_cli_tls_load(const char *cert_file, const char *key_file,
                        coapx_cli_tls *t, store_diag *diag, char *why,
                        size_t why_len);

/* Hand |t| to a server configuration (it must outlive the server). */
void coapx_cli_tls_apply(const coapx_cli_tls *t, coapx_server_config *cfg);

/* Wipe and free |t|. */
void coapx_cli_tls_free(coapx_cli_tls *t);

#endif
