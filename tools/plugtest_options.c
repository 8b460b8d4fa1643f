#include "plugtest_options.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "coapx_cli.h"

enum {
  OPT_BIND = 256, OPT_CREDENTIALS, OPT_INTERVAL, OPT_VERSION, OPT_TLS_CERT,
  OPT_TLS_KEY
};

static const struct option longopts[] = {
  {"bind", required_argument, NULL, OPT_BIND},
  {"credentials", required_argument, NULL, OPT_CREDENTIALS},
  {"tls-server-certificate", required_argument, NULL, OPT_TLS_CERT},
  {"tls-server-key", required_argument, NULL, OPT_TLS_KEY},
  {"observe-interval", required_argument, NULL, OPT_INTERVAL},
  {"verbose", no_argument, NULL, 'v'},
  {"version", no_argument, NULL, OPT_VERSION},
  {"help", no_argument, NULL, 'h'},
  {NULL, 0, NULL, 0},
};

void plugtest_options_help(FILE *f, const char *prog) {
  fprintf(f,
"Usage: %s [OPTIONS]\n"
"Serve the resources of the OSCORE interop test specification (test-spec5:\n"
"/oscore/hello/coap, /oscore/hello/{1,2,3,6,7}, /oscore/observe{1,2},\n"
"/oscore/test) for aiocoap's plugtest-client and libcoap's\n"
"oscore_testcases.sh.\n"
"\n"
"  --bind HOST[:PORT]        listen there (default [::]:5683; IPv6 as\n"
"                            [::1]:5683; port 0 picks a free one; repeatable;\n"
"                            coap+tcp://HOST[:PORT] for TCP, RFC 8323;\n"
"                            coaps://HOST[:PORT] for DTLS, coaps+tcp://\n"
"                            for TLS, with the credentials' dtls entries)\n"
"  --tls-server-certificate CRT, --tls-server-key KEY\n"
"                            X.509 certificate (chain) and private key, PEM,\n"
"                            for coaps:// and coaps+tcp://\n"
"  --credentials FILE        server credentials map with the OSCORE contexts\n"
"                            (e.g. plugtest-credentials/server.json: contexts\n"
"                            B and D as :b and :d). Without it the server\n"
"                            speaks no OSCORE (\"server N\": a request with the\n"
"                            OSCORE option gets 4.02 Bad Option)\n"
"  --observe-interval MS     time between notifications (default %u)\n"
"  -v, --verbose             one line per answered request on stderr;\n"
"                            twice also names each context's OSCORE version\n"
"  --version                 print the version and exit\n"
"  -h, --help                this help\n"
"\n"
"Once listening, one line on stdout names every bound endpoint with its\n"
"port (useful with port 0):\n"
"  %s: ready on 127.0.0.1:45678 [::1]:45679\n"
"Context directories are state (sequence.json, lock): use copies.\n"
"SIGINT or SIGTERM stop the server after writing every context's exact\n"
"sequence state.\n"
"\n"
"Exit status: 0 stopped by a signal, 1 runtime error, 2 usage error,\n"
"3 configuration error (credentials, contexts), 6 address not usable.\n",
          prog, PLUGTEST_DEFAULT_INTERVAL_MS, prog);
}

static plugtest_options_result fail(char *why, size_t len, const char *fmt,
                                    const char *arg) {
  return (plugtest_options_result)coapx_cli_fail(PLUGTEST_OPTIONS_ERROR, why,
                                                 len, fmt, arg);
}

plugtest_options_result plugtest_options_parse(int argc, char **argv,
                                               plugtest_options *o,
                                               char *why, size_t why_len) {
  memset(o, 0, sizeof *o);
  o->interval_ms = PLUGTEST_DEFAULT_INTERVAL_MS;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_BIND:
      if (!coapx_cli_add_bind(o->bind, &o->n_bind, optarg, why, why_len))
        return PLUGTEST_OPTIONS_ERROR;
      break;
    case OPT_CREDENTIALS:
      o->credentials = optarg;
      break;
    case OPT_TLS_CERT:
    case OPT_TLS_KEY:
      *(c == OPT_TLS_CERT ? &o->tls_cert : &o->tls_key) = optarg;
      break;
    case OPT_INTERVAL: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (!*optarg || *end || v < 10 || v > 600000)
        return fail(why, why_len,
                    "--observe-interval must be 10..600000 ms, not '%s'",
                    optarg);
      o->interval_ms = (unsigned)v;
      break;
    }
    case 'v':
      o->verbosity++;
      break;
    case OPT_VERSION:
      return PLUGTEST_OPTIONS_VERSION;
    case 'h':
      return PLUGTEST_OPTIONS_HELP;
    case ':':
      return fail(why, why_len, "option %s needs a value", argv[optind - 1]);
    default:
      return fail(why, why_len, "unknown option %s", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return fail(why, why_len, "unexpected argument '%s'", argv[optind]);
  if (!coapx_cli_tls_paired(o->tls_cert, o->tls_key, why, why_len))
    return PLUGTEST_OPTIONS_ERROR;
  return PLUGTEST_OPTIONS_RUN;
}
