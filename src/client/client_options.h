/* The command line of oscore-client (option names as aiocoap-client's,
 * ../shared/spec/COMPAT.md §4, plus curl habits: -o, --timeout). */
#ifndef CLIENT_OPTIONS_H
#define CLIENT_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CLIENT_MAX_IF_MATCH 8
#define CLIENT_MAX_EXTRA_OPTS 16     /* -O */
#define CLIENT_MAX_OPT_VALUE 1034    /* Proxy-Uri's limit, the largest */

/* One -O NUM[,VALUE]. */
typedef struct {
  uint16_t number;
  size_t len;
  uint8_t value[CLIENT_MAX_OPT_VALUE];
} client_extra_opt;

/* --x / --no-x with "decide by the terminal" as third state. */
typedef enum { CLIENT_AUTO = -1, CLIENT_OFF = 0, CLIENT_ON = 1 } client_tristate;

typedef enum {
  CLIENT_ACTION_REQUEST,
  CLIENT_ACTION_HELP,
  CLIENT_ACTION_VERSION,
  CLIENT_ACTION_CFORMATS,       /* --content-format help / --accept help */
} client_action;

typedef struct {
  client_action action;
  const char *uri;
  uint8_t method;               /* default GET */
  const char *payload;          /* --payload as given (NULL: none) */
  bool payload_raw;             /* --payload-raw: no CBOR conversion */
  bool has_content_format;
  uint16_t content_format;
  bool has_accept;
  uint16_t accept;
  /* --if-match ETAG (repeatable, RFC 7252 §5.10.8): values as bytes; an
   * empty one means "the resource exists". */
  uint8_t if_match[CLIENT_MAX_IF_MATCH][8];
  size_t if_match_len[CLIENT_MAX_IF_MATCH];
  size_t n_if_match;
  bool if_none_match;
  bool observe;                 /* also implied by --observe-exec */
  const char *observe_exec;
  bool non;
  const char *proxy;
  const char *credentials;
  bool set_hostname;            /* false with --no-set-hostname */
  int verbose;                  /* number of -v */
  bool quiet;
  int payload_initial_szx;      /* -1 when not given */
  unsigned window;              /* --window N: blocks in flight, 0: one */
  const char *output;           /* -o FILE, NULL: stdout */
  unsigned timeout_ms;          /* 0: the engine's default */
  client_tristate pretty_print;
  client_tristate color;
  client_extra_opt extra[CLIENT_MAX_EXTRA_OPTS];
  size_t n_extra;
  int family;                   /* -4: 4, -6: 6, else 0 */
  const char *bind;             /* --bind ADDR: local address, NULL any */
} client_opts;

/* Parse |argv|. On a usage error returns false with one line (no newline)
 * in |err| naming the option or value at fault. */
bool client_options_parse(int argc, char **argv, client_opts *o, char *err,
                          size_t err_cap);

/* The --help text. */
void client_options_help(FILE *out, const char *prog);

#endif
