/* Where response bodies go: the engine's sink for oscore-client. A 2.xx
 * body goes raw to stdout (pretty-printed when asked and known), to -o FILE
 * (client_outfile: a regular file is replaced whole, a device or FIFO
 * written directly; "-" is stdout), or to the stdin of --observe-exec CMD;
 * an error answer's code and diagnostic payload go to stderr. Shows a
 * progress line on stderr for large transfers when allowed. */
#ifndef CLIENT_OUTPUT_H
#define CLIENT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include "coapx_client.h"

typedef struct {
  const char *path;     /* -o FILE, or NULL */
  const char *exec;     /* --observe-exec CMD, or NULL */
  bool pretty;          /* render link-format/JSON/CBOR on stdout */
  bool color;           /* ANSI colors for diagnostics */
  bool progress;        /* progress line on stderr (a terminal) */
  bool quiet;           /* no notes (Location, ...) */
  bool stdout_tty;      /* end terminal output with a newline */
} client_output_config;

typedef struct client_output client_output;

/* NULL when out of memory. */
client_output *client_output_new(const client_output_config *cfg);

/* The sink to hand to coapx_client_request(); valid while |o| lives. */
const coapx_sink *client_output_sink(client_output *o);

/* After COAPX_ERR_SINK: one line saying what failed (file and reason). */
const char *client_output_error(const client_output *o);

/* The request ended early: remove an unfinished temporary file, close a
 * running command, clear the progress line. Harmless after a clean end. */
void client_output_abort(client_output *o);

/* Flush stdout; false (with client_output_error) when writing failed. */
bool client_output_flush(client_output *o);

void client_output_free(client_output *o);

#endif
