/* The command line of oscore-fileserver. Option names follow
 * aiocoap-fileserver (positional DIR, --bind, --credentials, --write,
 * --etag-length, -v) so that switching is a change of program name. */
#ifndef FS_OPTIONS_H
#define FS_OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include "coapx_cli.h"
#include "fs_server.h"

#define FS_MAX_BINDS COAPX_MAX_BINDS

/* Exit statuses (documented in --help and the man page); the numbers are
 * those of oscore-client for the same kinds of failure. */
enum {
  FS_EXIT_OK = 0,       /* stopped by SIGINT/SIGTERM, state written */
  FS_EXIT_RUNTIME = 1,  /* the event loop failed */
  FS_EXIT_USAGE = 2,    /* bad command line */
  FS_EXIT_CONFIG = 3,   /* directory, credentials, contexts or rules */
  FS_EXIT_NETWORK = 6,  /* an address could not be parsed or bound */
};

typedef struct {
  fs_config fs;
  const char *bind[FS_MAX_BINDS];
  size_t n_bind;        /* 0: "[::]" on port 5683, as aiocoap */
  const char *credentials;
  /* X.509 for coaps:// and coaps+tcp:// (aiocoap's option names): both
   * or neither. */
  const char *tls_cert, *tls_key;
  int verbosity;        /* -1 with -q, +1 per -v */
  /* Observation caps (coapx_server_config); 0 only while unset. */
  size_t max_observers, max_observers_per_peer;
  /* EDHOC-established contexts kept at most; 0: the store's default. */
  size_t max_edhoc_sessions;
} fs_options;

typedef enum {
  FS_OPTIONS_RUN,
  FS_OPTIONS_HELP,
  FS_OPTIONS_VERSION,
  FS_OPTIONS_ERROR,     /* |why| says what */
} fs_options_result;

fs_options_result fs_options_parse(int argc, char **argv, fs_options *o,
                                   char *why, size_t why_len);
/* The --help text. */
void fs_options_help(FILE *f, const char *prog);

#endif
