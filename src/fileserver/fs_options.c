#include "fs_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "coapx_server.h"
#include "coapx_cli.h"

enum {
  OPT_BIND = 256, OPT_CREDENTIALS, OPT_WRITE, OPT_ETAG_LENGTH, OPT_VERSION,
  OPT_HIDDEN, OPT_FOLLOW, OPT_REQUIRE_OSCORE, OPT_ACCESS, OPT_MAX_UPLOAD,
  OPT_MAX_OBSERVERS, OPT_MAX_OBSERVERS_PER_PEER, OPT_MAX_EDHOC,
  OPT_UPLOADS_PER_CLIENT, OPT_UPLOAD_BUDGET, OPT_UPLOAD_LIFETIME,
  OPT_TLS_CERT, OPT_TLS_KEY,
};

static const struct option longopts[] = {
  {"bind", required_argument, NULL, OPT_BIND},
  {"credentials", required_argument, NULL, OPT_CREDENTIALS},
  {"tls-server-certificate", required_argument, NULL, OPT_TLS_CERT},
  {"tls-server-key", required_argument, NULL, OPT_TLS_KEY},
  {"write", no_argument, NULL, OPT_WRITE},
  {"etag-length", required_argument, NULL, OPT_ETAG_LENGTH},
  {"verbose", no_argument, NULL, 'v'},
  {"quiet", no_argument, NULL, 'q'},
  {"version", no_argument, NULL, OPT_VERSION},
  {"help", no_argument, NULL, 'h'},
  {"hidden", no_argument, NULL, OPT_HIDDEN},
  {"follow-symlinks", no_argument, NULL, OPT_FOLLOW},
  {"require-oscore", no_argument, NULL, OPT_REQUIRE_OSCORE},
  {"access", required_argument, NULL, OPT_ACCESS},
  {"max-upload", required_argument, NULL, OPT_MAX_UPLOAD},
  {"max-observers", required_argument, NULL, OPT_MAX_OBSERVERS},
  {"max-edhoc-sessions", required_argument, NULL, OPT_MAX_EDHOC},
  {"max-observers-per-peer", required_argument, NULL,
   OPT_MAX_OBSERVERS_PER_PEER},
  {"max-uploads-per-client", required_argument, NULL,
   OPT_UPLOADS_PER_CLIENT},
  {"upload-budget", required_argument, NULL, OPT_UPLOAD_BUDGET},
  {"upload-lifetime", required_argument, NULL, OPT_UPLOAD_LIFETIME},
  {NULL, 0, NULL, 0},
};

void fs_options_help(FILE *f, const char *prog) {
  fprintf(f,
"Usage: %s [OPTIONS] [DIR]\n"
"Serve DIR (default: the current directory) over CoAP, protected with OSCORE\n"
"for the peers in --credentials; a drop-in for aiocoap-fileserver.\n"
"\n"
"Network and security:\n"
"  --bind HOST[:PORT]   listen there (default [::]:5683; port 0: a free one;\n"
"                       repeatable; prefix coap+tcp://, coaps://, coaps+tcp://)\n"
"  --credentials FILE   aiocoap credentials map (JSON, or EDN if *.diag);\n"
"                       the entry's key (e.g. :client1) is the caller's identity\n"
"  --tls-server-certificate CRT, --tls-server-key KEY: X.509 for coaps(+tcp)\n"
"  --max-edhoc-sessions N  contexts EDHOC made kept (default 64; oldest go)\n"
"  --require-oscore     answer unprotected requests with 4.01 Unauthorized\n"
"  --access FILE        JSON rules: identity -> path prefix -> \"r\"/\"w\"/\"rw\"/\"\";\n"
"                       anything not granted is refused (see the man page)\n"
"Files:\n"
"  --write              allow PUT and DELETE (otherwise 4.03 Forbidden)\n"
"  --etag-length N      ETag length 0..8 bytes (0 disables ETags; default 8)\n"
"  --hidden             serve names starting with '.'\n"
"  --follow-symlinks    follow symbolic links that lead out of DIR\n"
"  --max-upload BYTES   largest PUT body (suffix k, M, G; default 1G)\n"
"  --max-observers N    observations kept at most (default 4096); beyond,\n"
"                       a registration is answered once, without Observe\n"
"  --max-observers-per-peer N  the same per peer host (default 64)\n"
"  --max-uploads-per-client N  uploads in progress per identity (per\n"
"                       address for unprotected ones), 1..16 (default 4)\n"
"  --upload-budget BYTES\n"
"                       bytes all uploads in progress may hold, one client\n"
"                       at most half (suffix k, M, G; at least 2k; default 2G)\n"
"  --upload-lifetime SECONDS  an upload is dropped this long after its\n"
"                       first block, however active (default 3600)\n"
"Output:\n"
"  -v, --verbose        one line per request (peer, identity, method, path,\n"
"                       code, bytes); twice adds libcoap's warnings and one\n"
"                       line per context naming its OSCORE version\n"
"  -q, --quiet          no start-up line, no warnings\n"
"  --version            print the version and exit\n"
"  -h, --help           this help\n"
"\n"
"On start, unless -q, one line on stderr names each bound endpoint:\n"
"  %s: listening on 127.0.0.1:45678\n"
"SIGINT or SIGTERM stop the server after writing every context's exact\n"
"sequence state (aiocoap-compatible sequence.json) and releasing its lock.\n"
"\n"
"Exit status: 0 stopped by a signal (state written), 1 runtime failure,\n"
"2 usage error, 3 configuration error (DIR, credentials, contexts, rules),\n"
"6 address not usable (cannot bind).\n"
"\n"
"Example:\n"
"  %s --credentials server.json --bind [::1]:5683 --write /srv/files\n",
          prog, prog, prog);
}

static bool parse_size(const char *s, uint64_t *out) {
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || s[0] == '-')
    return false;
  unsigned shift = 0;
  if (*end == 'k' || *end == 'K')
    shift = 10;
  else if (*end == 'M')
    shift = 20;
  else if (*end == 'G')
    shift = 30;
  if (shift)
    end++;
  if (*end || v > (UINT64_MAX >> shift))
    return false;
  *out = (uint64_t)v << shift;
  return true;
}

static fs_options_result fail(char *why, size_t len, const char *fmt,
                              const char *arg) {
  return (fs_options_result)coapx_cli_fail(FS_OPTIONS_ERROR, why, len, fmt,
                                           arg);
}

/* The limits of uploads in progress (fs_put.h). */
static fs_options_result upload_option(int c, const char *arg,
                                       fs_upload_limits *u, char *why,
                                       size_t why_len) {
  char *end;
  long v;
  switch (c) {
  case OPT_MAX_UPLOAD:
    if (!parse_size(arg, &u->max_size) || u->max_size == 0)
      return fail(why, why_len, "--max-upload: not a size: '%s'", arg);
    break;
  case OPT_UPLOADS_PER_CLIENT:
    v = strtol(arg, &end, 10);
    if (!*arg || *end || v < 1 || v > FS_UPLOADS_DEFAULT)
      return fail(why, why_len,
                  "--max-uploads-per-client must be 1..16, not '%s'", arg);
    u->max_per_owner = (size_t)v;
    break;
  case OPT_UPLOAD_BUDGET:
    if (!parse_size(arg, &u->budget) || u->budget < 2048)
      return fail(why, why_len,
                  "--upload-budget: not a size of at least 2k: '%s'", arg);
    break;
  default: /* OPT_UPLOAD_LIFETIME */
    v = strtol(arg, &end, 10);
    if (!*arg || *end || v < 1 || v > 604800)
      return fail(why, why_len,
                  "--upload-lifetime must be 1..604800 seconds, not '%s'",
                  arg);
    u->lifetime_ms = (uint64_t)v * 1000;
    break;
  }
  return FS_OPTIONS_RUN;
}

fs_options_result fs_options_parse(int argc, char **argv, fs_options *o,
                                   char *why, size_t why_len) {
  memset(o, 0, sizeof *o);
  fs_config_defaults(&o->fs);
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":vqh", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_BIND:
      if (!coapx_cli_add_bind(o->bind, &o->n_bind, optarg, why, why_len))
        return FS_OPTIONS_ERROR;
      break;
    case OPT_CREDENTIALS:
      o->credentials = optarg;
      break;
    case OPT_TLS_CERT:
    case OPT_TLS_KEY:
      *(c == OPT_TLS_CERT ? &o->tls_cert : &o->tls_key) = optarg;
      break;
    case OPT_WRITE:
      o->fs.write = true;
      break;
    case OPT_ETAG_LENGTH: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (!*optarg || *end || v < 0 || v > 8)
        return fail(why, why_len, "--etag-length must be 0..8, not '%s'",
                    optarg);
      o->fs.etag_length = (size_t)v;
      break;
    }
    case 'v':
      if (o->verbosity < 0)
        o->verbosity = 0;
      o->verbosity++;
      break;
    case 'q':
      o->verbosity = -1;
      break;
    case OPT_VERSION:
      return FS_OPTIONS_VERSION;
    case 'h':
      return FS_OPTIONS_HELP;
    case OPT_HIDDEN:
      o->fs.hidden = true;
      break;
    case OPT_FOLLOW:
      o->fs.follow_symlinks = true;
      break;
    case OPT_REQUIRE_OSCORE:
      o->fs.require_oscore = true;
      break;
    case OPT_ACCESS:
      o->fs.access_file = optarg;
      break;
    case OPT_MAX_UPLOAD:
    case OPT_UPLOADS_PER_CLIENT:
    case OPT_UPLOAD_BUDGET:
    case OPT_UPLOAD_LIFETIME:
      if (upload_option(c, optarg, &o->fs.uploads, why, why_len) !=
          FS_OPTIONS_RUN)
        return FS_OPTIONS_ERROR;
      break;
    case OPT_MAX_EDHOC:
    case OPT_MAX_OBSERVERS:
    case OPT_MAX_OBSERVERS_PER_PEER: {
      char *end;
      errno = 0;
      unsigned long v = strtoul(optarg, &end, 10);
      if (!*optarg || *end || errno || optarg[0] == '-' || v == 0 ||
          v > 1000000)
        return fail(why, why_len, "%s must be 1..1000000",
                    c == OPT_MAX_OBSERVERS ? "--max-observers"
                    : c == OPT_MAX_EDHOC   ? "--max-edhoc-sessions"
                                           : "--max-observers-per-peer");
      *(c == OPT_MAX_OBSERVERS ? &o->max_observers
        : c == OPT_MAX_EDHOC   ? &o->max_edhoc_sessions
                               : &o->max_observers_per_peer) = (size_t)v;
      break;
    }
    case ':':
      return fail(why, why_len, "option %s needs a value",
                  argv[optind - 1]);
    default:
      return fail(why, why_len, "unknown option %s", argv[optind - 1]);
    }
  }
  if (!o->max_observers)
    o->max_observers = COAPX_DEFAULT_MAX_OBSERVERS;
  if (!o->max_observers_per_peer)
    o->max_observers_per_peer = COAPX_DEFAULT_MAX_OBSERVERS_PER_PEER;
  if (optind < argc)
    o->fs.root_dir = argv[optind++];
  if (optind < argc)
    return fail(why, why_len, "unexpected argument '%s' (one DIR only)",
                argv[optind]);
  if (!coapx_cli_tls_paired(o->tls_cert, o->tls_key, why, why_len))
    return FS_OPTIONS_ERROR;
  if (o->fs.require_oscore && !o->credentials)
    return fail(why, why_len, "%s",
                "--require-oscore needs --credentials (nothing could be "
                "served)");
  return FS_OPTIONS_RUN;
}
