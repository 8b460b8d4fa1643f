/* The command line of oscore-plugtest-server. --bind and --credentials
 * as oscore-fileserver (and aiocoap's servers); exit statuses the same as
 * oscore-fileserver's so scripts treat both servers alike. */
#ifndef PLUGTEST_OPTIONS_H
#define PLUGTEST_OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include "coapx_cli.h"

#define PLUGTEST_MAX_BINDS COAPX_MAX_BINDS
/* test-spec5 gives no time; aiocoap's plugtest server waits 2 s. libcoap's
 * oscore_testcases.sh observes for fixed 2 s / 4 s from the first
 * notification, which 2 s spacing races (test 7 failed 1 run in 6); 1 s,
 * as libcoap's own server, passes every time (docs/INTEROP.md). */
#define PLUGTEST_DEFAULT_INTERVAL_MS 1000

enum {
  PLUGTEST_EXIT_OK = 0,       /* stopped by SIGINT/SIGTERM, state written */
  PLUGTEST_EXIT_RUNTIME = 1,  /* the event loop failed, or the sequence
                                 state could not be written at exit */
  PLUGTEST_EXIT_USAGE = 2,    /* bad command line */
  PLUGTEST_EXIT_CONFIG = 3,   /* credentials map or a context unusable */
  PLUGTEST_EXIT_NETWORK = 6,  /* an address could not be parsed or bound */
};

typedef struct {
  const char *bind[PLUGTEST_MAX_BINDS];
  size_t n_bind;              /* 0: "[::]" on port 5683 */
  const char *credentials;    /* NULL: server N (no OSCORE) */
  /* X.509 for coaps:// and coaps+tcp://: both or neither. */
  const char *tls_cert, *tls_key;
  unsigned interval_ms;       /* between notifications */
  int verbosity;              /* +1 per -v */
} plugtest_options;

typedef enum {
  PLUGTEST_OPTIONS_RUN,
  PLUGTEST_OPTIONS_HELP,
  PLUGTEST_OPTIONS_VERSION,
  PLUGTEST_OPTIONS_ERROR,     /* |why| says what */
} plugtest_options_result;

plugtest_options_result plugtest_options_parse(int argc, char **argv,
                                               plugtest_options *o,
                                               char *why, size_t why_len);
void plugtest_options_help(FILE *f, const char *prog);

#endif
