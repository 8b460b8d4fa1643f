#include "load_options.h"
#include "load_run.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROG "oscore-load"

static void usage(FILE *f) {
  fprintf(f,
    "Usage: oscore-load [options] URI\n"
    "Send N CoAP requests to a loopback server, K at a time, plain or\n"
    "OSCORE-protected, and report requests/s, latency and errors.\n"
    "\n"
    "Load:\n"
    "  -n, --requests N       requests to count (default 10000, at most %lu)\n"
    "  -k, --concurrency K    requests in flight (default 16, at most %u)\n"
    "  -t, --duration S       stop sending after S seconds whatever N\n"
    "                         (default 60, at most %.0f)\n"
    "      --timeout MS       a request unanswered after MS ms is lost\n"
    "                         (default 2000)\n"
    "  -m, --method M         GET (default), POST, PUT, DELETE, FETCH\n"
    "      --payload TEXT     request body\n"
    "      --non              send NON instead of CON\n"
    "      --sockets S        spread over S source ports (default 1)\n"
    "Security (repeatable; requests go round-robin over the contexts):\n"
    "      --credentials FILE client credentials map: the context its\n"
    "                         pattern picks for URI\n"
    "      --contexts DIR[,DIR...]  client context directories\n"
    "                         (without either: plain CoAP)\n"
    "Report:\n"
    "      --server-pid PID   also report that process's CPU time\n"
    "      --kv               'name value' lines for scripts\n"
    "  -q, --quiet            no progress notes\n"
    "  -h, --help             this text\n"
    "      --version          program version\n"
    "\n"
    "Only loopback targets (127.0.0.0/8, ::1, localhost) are accepted.\n"
    "Example:\n"
    "  oscore-load -n 100000 -k 32 --credentials client.json \\\n"
    "      --server-pid $(pidof oscore-fileserver) coap://127.0.0.1:5683/small\n",
    LOAD_MAX_REQUESTS, LOAD_MAX_CONCURRENCY, LOAD_MAX_DURATION_S);
}

static bool parse_ulong(const char *s, unsigned long min, unsigned long max,
                        unsigned long *out) {
  char *end;
  errno = 0;
  if (!s || !*s || *s == '-') return false;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v < min || v > max) return false;
  *out = v;
  return true;
}

static bool parse_method(const char *s, uint8_t *out) {
  static const struct { const char *name; uint8_t code; } m[] = {
    {"GET", 1}, {"POST", 2}, {"PUT", 3}, {"DELETE", 4}, {"FETCH", 5},
  };
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
    if (strcasecmp(s, m[i].name) == 0) {
      *out = m[i].code;
      return true;
    }
  return false;
}

static bool push(const char ***list, size_t *n, const char *s) {
  if (*n >= LOAD_MAX_SOURCES) return false;
  const char **p = realloc(*list, (*n + 1) * sizeof **list);
  if (!p) return false;
  p[(*n)++] = s;
  *list = p;
  return true;
}

static load_parse bad(const char *fmt, const char *arg) {
  fprintf(stderr, PROG ": ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'oscore-load --help'.\n");
  return LOAD_PARSE_USAGE;
}

enum { OPT_TIMEOUT = 256, OPT_PAYLOAD, OPT_NON, OPT_SOCKETS, OPT_CREDS,
       OPT_CTXS, OPT_PID, OPT_KV, OPT_VERSION };

load_parse load_opts_parse(int argc, char **argv, load_opts *o) {
  static const struct option longopts[] = {
    {"requests", required_argument, 0, 'n'},
    {"concurrency", required_argument, 0, 'k'},
    {"duration", required_argument, 0, 't'},
    {"timeout", required_argument, 0, OPT_TIMEOUT},
    {"method", required_argument, 0, 'm'},
    {"payload", required_argument, 0, OPT_PAYLOAD},
    {"non", no_argument, 0, OPT_NON},
    {"sockets", required_argument, 0, OPT_SOCKETS},
    {"credentials", required_argument, 0, OPT_CREDS},
    {"contexts", required_argument, 0, OPT_CTXS},
    {"server-pid", required_argument, 0, OPT_PID},
    {"kv", no_argument, 0, OPT_KV},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, OPT_VERSION},
    {0, 0, 0, 0},
  };
  memset(o, 0, sizeof *o);
  o->method = 1;
  o->requests = 10000;
  o->concurrency = 16;
  o->duration_s = 60;
  o->timeout_ms = 2000;
  o->sockets = 1;
  unsigned long v;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+n:k:t:m:qh", longopts, NULL)) != -1) {
    switch (c) {
    case 'n':
      if (!parse_ulong(optarg, 1, LOAD_MAX_REQUESTS, &v))
        return bad("--requests: a number from 1 to 10000000, not '%s'", optarg);
      o->requests = v;
      break;
    case 'k':
      if (!parse_ulong(optarg, 1, LOAD_MAX_CONCURRENCY, &v))
        return bad("--concurrency: a number from 1 to 1024, not '%s'", optarg);
      o->concurrency = (unsigned)v;
      break;
    case 't': {
      char *end;
      errno = 0;
      double d = strtod(optarg, &end);
      if (errno || *end || !(d > 0) || d > LOAD_MAX_DURATION_S)
        return bad("--duration: seconds, more than 0 and at most 3600, "
                   "not '%s'", optarg);
      o->duration_s = d;
      break;
    }
    case OPT_TIMEOUT:
      if (!parse_ulong(optarg, 1, 600000, &v))
        return bad("--timeout: milliseconds from 1 to 600000, not '%s'",
                   optarg);
      o->timeout_ms = (unsigned)v;
      break;
    case 'm':
      if (!parse_method(optarg, &o->method))
        return bad("--method: GET, POST, PUT, DELETE or FETCH, not '%s'",
                   optarg);
      break;
    case OPT_PAYLOAD: o->payload = optarg; break;
    case OPT_NON: o->non = true; break;
    case OPT_SOCKETS:
      if (!parse_ulong(optarg, 1, LOAD_SOCKETS_MAX, &v))
        return bad("--sockets: a number from 1 to 64, not '%s'", optarg);
      o->sockets = (unsigned)v;
      break;
    case OPT_CREDS:
      if (!push(&o->creds, &o->n_creds, optarg))
        return bad("%s: too many security context sources", "--credentials");
      break;
    case OPT_CTXS: {
      /* Split in place: the pieces point into argv. */
      for (char *s = optarg, *next; s; s = next) {
        next = strchr(s, ',');
        if (next) *next++ = '\0';
        if (!*s) continue;
        if (!push(&o->dirs, &o->n_dirs, s))
          return bad("%s: too many security context sources", "--contexts");
      }
      break;
    }
    case OPT_PID:
      if (!parse_ulong(optarg, 1, 4194304, &v))
        return bad("--server-pid: a process ID, not '%s'", optarg);
      o->server_pid = (long)v;
      break;
    case OPT_KV: o->kv = true; break;
    case 'q': o->quiet = true; break;
    case 'h': usage(stdout); return LOAD_PARSE_HELP;
    case OPT_VERSION: return LOAD_PARSE_VERSION;
    default:
      return bad("unknown option or missing argument: %s",
                 argv[optind - 1] ? argv[optind - 1] : "?");
    }
  }
  if (optind != argc - 1)
    return bad("%s", optind >= argc ? "no URI given" : "only one URI, please");
  o->uri = argv[optind];
  if (o->n_creds + o->n_dirs > LOAD_MAX_SOURCES)
    return bad("%s", "too many security context sources");
  return LOAD_PARSE_OK;
}

void load_opts_free(load_opts *o) {
  free(o->creds);
  free(o->dirs);
  o->creds = o->dirs = NULL;
}
