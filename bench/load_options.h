/* Command line of oscore-load (bench/README.md). */
#ifndef LOAD_OPTIONS_H
#define LOAD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_MAX_REQUESTS    10000000ul
#define LOAD_MAX_CONCURRENCY 1024u
#define LOAD_MAX_DURATION_S  3600.0
#define LOAD_MAX_SOURCES     4096u   /* credentials maps + context dirs */

typedef struct {
  const char *uri;
  uint8_t method;              /* CoAP code 0.0x */
  const char *payload;         /* NULL: none */
  unsigned long requests;      /* N, counted ones (warm-up excluded) */
  unsigned concurrency;        /* K in flight */
  double duration_s;           /* hard bound of the measured phase */
  unsigned timeout_ms;         /* per request; then it counts as lost */
  bool non;                    /* NON instead of CON */
  unsigned sockets;            /* source ports to spread over */
  long server_pid;             /* 0: none */
  /* Where the security contexts come from, in order: each credentials map
   * gives the context its URI pattern picks, each directory one context. */
  const char **creds;
  size_t n_creds;
  const char **dirs;
  size_t n_dirs;
  bool kv;                     /* "name value" lines instead of the table */
  bool quiet;
} load_opts;

typedef enum {
  LOAD_PARSE_OK,
  LOAD_PARSE_HELP,             /* --help printed */
  LOAD_PARSE_VERSION,
  LOAD_PARSE_USAGE,            /* error already printed */
} load_parse;

/* Parse argv into |o| (strings point into argv, lists are allocated;
 * load_opts_free releases them). Errors go to stderr as one line. */
load_parse load_opts_parse(int argc, char **argv, load_opts *o);
void load_opts_free(load_opts *o);

#endif
