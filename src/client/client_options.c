#include "client_options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "client_names.h"
#include "oscore_msg.h"

enum {
  OPT_PAYLOAD = 256, OPT_CONTENT_FORMAT, OPT_ACCEPT, OPT_OBSERVE,
  OPT_OBSERVE_EXEC, OPT_NON, OPT_PROXY, OPT_CREDENTIALS, OPT_NO_SET_HOSTNAME,
  OPT_SZX, OPT_VERSION, OPT_TIMEOUT, OPT_PRETTY, OPT_NO_PRETTY, OPT_COLOR,
  OPT_NO_COLOR, OPT_IF_MATCH, OPT_IF_NONE_MATCH, OPT_PAYLOAD_RAW, OPT_BIND,
  OPT_WINDOW,
};

static const struct option longopts[] = {
  { "method", required_argument, NULL, 'm' },
  { "payload", required_argument, NULL, OPT_PAYLOAD },
  { "payload-raw", no_argument, NULL, OPT_PAYLOAD_RAW },
  { "content-format", required_argument, NULL, OPT_CONTENT_FORMAT },
  { "accept", required_argument, NULL, OPT_ACCEPT },
  { "if-match", required_argument, NULL, OPT_IF_MATCH },
  { "if-none-match", no_argument, NULL, OPT_IF_NONE_MATCH },
  { "observe", no_argument, NULL, OPT_OBSERVE },
  { "observe-exec", required_argument, NULL, OPT_OBSERVE_EXEC },
  { "non", no_argument, NULL, OPT_NON },
  { "proxy", required_argument, NULL, OPT_PROXY },
  { "credentials", required_argument, NULL, OPT_CREDENTIALS },
  { "no-set-hostname", no_argument, NULL, OPT_NO_SET_HOSTNAME },
  { "verbose", no_argument, NULL, 'v' },
  { "quiet", no_argument, NULL, 'q' },
  { "payload-initial-szx", required_argument, NULL, OPT_SZX },
  { "version", no_argument, NULL, OPT_VERSION },
  { "help", no_argument, NULL, 'h' },
  { "output", required_argument, NULL, 'o' },
  { "timeout", required_argument, NULL, OPT_TIMEOUT },
  { "pretty-print", no_argument, NULL, OPT_PRETTY },
  { "no-pretty-print", no_argument, NULL, OPT_NO_PRETTY },
  { "color", no_argument, NULL, OPT_COLOR },
  { "no-color", no_argument, NULL, OPT_NO_COLOR },
  { "option", required_argument, NULL, 'O' },
  { "bind", required_argument, NULL, OPT_BIND },
  { "window", required_argument, NULL, OPT_WINDOW },
  { NULL, 0, NULL, 0 },
};

static bool fail(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return false;
}

static bool parse_timeout(const char *s, unsigned *ms) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 86400)
    return false;
  double m = ceil(v * 1000.0);
  *ms = m < 1 ? 1 : (unsigned)m;
  return true;
}

/* Hex digits, two a byte, into at most |cap| bytes; with |colons|, ':'
 * may stand between bytes (as -v prints ETags with them). */
static bool parse_hex_bytes(const char *s, bool colons, uint8_t *out,
                            size_t cap, size_t *len) {
  size_t n = 0;
  while (*s) {
    if (colons && *s == ':') { s++; continue; }
    if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
        n == cap)
      return false;
    char byte[3] = { s[0], s[1], 0 };
    out[n++] = (uint8_t)strtoul(byte, NULL, 16);
    s += 2;
  }
  *len = n;
  return true;
}

/* An ETag as hex, 0..8 bytes (an optional "0x" and ':' separators
 * allowed, as -v prints them without). */
static bool parse_etag(const char *s, uint8_t out[8], size_t *len) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  return parse_hex_bytes(s, true, out, 8, len);
}

/* -O NUM[,VALUE] as libcoap's coap-client takes it: NUM a number or an
 * option name; VALUE "0x" and hex digits for bytes, digits for an option
 * whose values are integers (Max-Age, Size1, ...: the shortest uint,
 * RFC 7252 §3.2), else the text. Options the engine owns are refused. */
static bool parse_extra(const char *arg, client_extra_opt *x, char *err,
                        size_t cap) {
  const char *comma = strchr(arg, ',');
  size_t nlen = comma ? (size_t)(comma - arg) : strlen(arg);
  char name[40];
  unsigned long num = 0;
  char *end;
  if (nlen == 0 || nlen >= sizeof name)
    return fail(err, cap, "-O: '%s' does not start with an option number "
                "or name (e.g. -O 2049,text or -O Max-Age,60)", arg);
  memcpy(name, arg, nlen);
  name[nlen] = '\0';
  errno = 0;
  num = strtoul(name, &end, 10);
  if (!isdigit((unsigned char)name[0]) || *end || errno || num > 65535) {
    if (!client_option_number(name, &x->number))
      return fail(err, cap, "-O: '%s' is neither an option number (0-65535) "
                  "nor a known option name", name);
  } else {
    x->number = (uint16_t)num;
  }
  switch (x->number) {
  case OSCORE_OPT_OSCORE: case OSCORE_OPT_BLOCK1: case OSCORE_OPT_BLOCK2:
  case OSCORE_OPT_OBSERVE: case OSCORE_OPT_ECHO: case OSCORE_OPT_REQUEST_TAG:
    return fail(err, cap, "-O: option %u is set by the client itself (use "
                "--credentials, --payload-initial-szx, --observe)",
                x->number);
  }
  const char *v = comma ? comma + 1 : "";
  if (v[0] == '0' && v[1] == 'x') {
    size_t n = 0;
    if (!parse_hex_bytes(v + 2, false, x->value, sizeof x->value, &n))
      return fail(err, cap, "-O %s: '%s' is not hex (two digits a byte, at "
                  "most %d bytes)", name, v, CLIENT_MAX_OPT_VALUE);
    x->len = n;
  } else if (*v && client_option_format(x->number) == CLIENT_OPT_UINT) {
    errno = 0;
    unsigned long long u = strtoull(v, &end, 10);
    if (!isdigit((unsigned char)v[0]) || *end || errno || u > UINT32_MAX)
      return fail(err, cap, "-O %s: '%s' is not an unsigned integer (this "
                  "option's values are numbers up to 4294967295)", name, v);
    x->len = 0;
    for (int shift = 24; shift >= 0; shift -= 8)
      if (x->len || (u >> shift) & 0xff) x->value[x->len++] = (uint8_t)(u >> shift);
  } else {
    x->len = strlen(v);
    if (x->len > sizeof x->value)
      return fail(err, cap, "-O %s: value longer than %d bytes", name,
                  CLIENT_MAX_OPT_VALUE);
    memcpy(x->value, v, x->len);
  }
  return true;
}

/* --content-format / --accept (|accept|) CF, or "help". */
static bool parse_cformat(const char *arg, bool accept, client_opts *o,
                          char *err, size_t cap) {
  if (strcmp(arg, "help") == 0) {
    o->action = CLIENT_ACTION_CFORMATS;
    return true;
  }
  uint16_t *cf = accept ? &o->accept : &o->content_format;
  if (!client_cformat_parse(arg, cf))
    return fail(err, cap, "%s: unknown content format '%s' (a media type, "
                "a short name such as %s, or a number 0-65535; %s help lists "
                "them)", accept ? "--accept" : "--content-format", arg,
                accept ? "json" : "cbor",
                accept ? "--accept" : "--content-format");
  *(accept ? &o->has_accept : &o->has_content_format) = true;
  return true;
}

/* The word getopt stopped at (|w|, argv[optind - 1]) is not an option
 * we know, or a switch given a value. */
static bool unknown_option(const char *w, char *err, size_t cap) {
  if (optopt && optopt < 256 && w && w[0] == '-' && w[1] != '-') {
    char shortname[3] = { '-', (char)optopt, '\0' };
    return fail(err, cap, "unknown option %s (see --help)", shortname);
  }
  if (w && strncmp(w, "--", 2) == 0 && strchr(w, '=')) {
    int n = (int)(strchr(w, '=') - w);
    for (const struct option *lo = longopts; lo->name; lo++)
      if ((int)strlen(lo->name) == n - 2 && !strncmp(lo->name, w + 2, n - 2))
        return fail(err, cap, "option %.*s takes no value", n, w);
  }
  return fail(err, cap, "unknown option %s (see --help)", w ? w : "?");
}

bool client_options_parse(int argc, char **argv, client_opts *o, char *err,
                          size_t cap) {
  memset(o, 0, sizeof *o);
  o->action = CLIENT_ACTION_REQUEST;
  o->method = 1;
  o->set_hostname = true;
  o->payload_initial_szx = -1;
  o->pretty_print = CLIENT_AUTO;
  o->color = CLIENT_AUTO;
  err[0] = '\0';

  opterr = 0;       /* our own messages name the option clearly */
  optind = 1;
  for (;;) {
    int longindex = -1;
    int c = getopt_long(argc, argv, ":m:vqho:O:46", longopts, &longindex);
    if (c == -1) break;
    switch (c) {
    case 'm':
      if (!client_method_parse(optarg, &o->method))
        return fail(err, cap, "--method: unknown method '%s' (GET, POST, "
                    "PUT, DELETE, FETCH, PATCH, iPATCH or a number 1-31)",
                    optarg);
      break;
    case OPT_PAYLOAD: o->payload = optarg; break;
    case OPT_PAYLOAD_RAW: o->payload_raw = true; break;
    case OPT_CONTENT_FORMAT:
    case OPT_ACCEPT:
      if (!parse_cformat(optarg, c == OPT_ACCEPT, o, err, cap)) return false;
      break;
    case OPT_IF_MATCH: {
      if (o->n_if_match == CLIENT_MAX_IF_MATCH)
        return fail(err, cap, "--if-match: at most %d ETags",
                    CLIENT_MAX_IF_MATCH);
      size_t n;
      if (!parse_etag(optarg, o->if_match[o->n_if_match], &n))
        return fail(err, cap, "--if-match: '%s' is not an ETag of 0 to 8 "
                    "bytes in hex (e.g. 7b, or \"\" for \"exists\")", optarg);
      o->if_match_len[o->n_if_match++] = n;
      break;
    }
    case OPT_IF_NONE_MATCH: o->if_none_match = true; break;
    case OPT_OBSERVE: o->observe = true; break;
    case OPT_OBSERVE_EXEC:
      if (!*optarg)
        return fail(err, cap, "--observe-exec: empty command");
      o->observe_exec = optarg;
      o->observe = true;
      break;
    case OPT_NON: o->non = true; break;
    case OPT_PROXY: o->proxy = optarg; break;
    case OPT_CREDENTIALS: o->credentials = optarg; break;
    case OPT_NO_SET_HOSTNAME: o->set_hostname = false; break;
    case 'v': o->verbose++; break;
    case 'q': o->quiet = true; break;
    case OPT_SZX: {
      const char *s = optarg;
      if (s[0] >= '0' && s[0] <= '6' && s[1] == '\0') {
        o->payload_initial_szx = s[0] - '0';
        break;
      }
      if (strcmp(s, "7") == 0)
        return fail(err, cap, "--payload-initial-szx: 7 (BERT) needs a "
                    "reliable transport; over UDP use 0-6");
      return fail(err, cap, "--payload-initial-szx: '%s' is not a size "
                  "exponent 0-6 (16 to 1024 bytes)", s);
    }
    case OPT_VERSION: o->action = CLIENT_ACTION_VERSION; break;
    case 'h': o->action = CLIENT_ACTION_HELP; break;
    case 'o':
      if (!*optarg) return fail(err, cap, "--output: empty file name");
      o->output = optarg;
      break;
    case OPT_WINDOW: {
      const char *s = optarg;
      char *end;
      unsigned long n = (s[0] >= '0' && s[0] <= '9') ? strtoul(s, &end, 10) : 0;
      if (n < 1 || n > 16 || *end)
        return fail(err, cap, "--window: '%s' is not a number of block "
                    "requests 1-16", s);
      o->window = (unsigned)n;
      break;
    }
    case OPT_TIMEOUT:
      if (!parse_timeout(optarg, &o->timeout_ms))
        return fail(err, cap, "--timeout: '%s' is not a number of seconds "
                    "above 0 (at most 86400)", optarg);
      break;
    case 'O':
      if (o->n_extra == CLIENT_MAX_EXTRA_OPTS)
        return fail(err, cap, "-O: at most %d options", CLIENT_MAX_EXTRA_OPTS);
      if (!parse_extra(optarg, &o->extra[o->n_extra], err, cap)) return false;
      o->n_extra++;
      break;
    case '4': o->family = 4; break;
    case '6': o->family = 6; break;
    case OPT_BIND:
      if (!*optarg) return fail(err, cap, "--bind: empty address");
      o->bind = optarg;
      break;
    case OPT_PRETTY: o->pretty_print = CLIENT_ON; break;
    case OPT_NO_PRETTY: o->pretty_print = CLIENT_OFF; break;
    case OPT_COLOR: o->color = CLIENT_ON; break;
    case OPT_NO_COLOR: o->color = CLIENT_OFF; break;
    case ':': {
      /* getopt leaves the offending word in argv[optind - 1]. */
      const char *w = argv[optind - 1];
      return fail(err, cap, "%s: missing value (see --help)", w);
    }
    case '?':
    default:
      return unknown_option(argv[optind - 1], err, cap);
    }
  }
  if (o->action != CLIENT_ACTION_REQUEST) return true;

  if (optind >= argc)
    return fail(err, cap, "missing URI (e.g. coap://localhost/; see "
                "--help)");
  if (argc - optind > 1)
    return fail(err, cap, "unexpected argument '%s' after the URI '%s'",
                argv[optind + 1], argv[optind]);
  o->uri = argv[optind];
  if (o->output && o->observe_exec)
    return fail(err, cap, "--output and --observe-exec both say where the "
                "body goes; use one");
  return true;
}

void client_options_help(FILE *out, const char *prog) {
  fprintf(out,
"Usage: %s [options] URI\n"
"Send one CoAP request, OSCORE-protected (RFC 8613) when the credentials\n"
"map has a security context for URI, and write the response body to stdout.\n"
"URI: coap:// (UDP), coap+tcp:// (TCP), coaps:// (DTLS) or coaps+tcp:// (TLS;\n"
"both with a pre-shared key from the map) followed by HOST[:PORT]/PATH.\n"
"\n"
"Request:\n"
"  -m, --method M           GET (default), POST, PUT, DELETE, FETCH, PATCH,\n"
"                           iPATCH or a method number\n"
"      --payload X          request body: text X, @FILE, or @- for stdin;\n"
"                           text for a CBOR content format is CBOR\n"
"                           diagnostic notation ('{\"a\": 1, \"b\": h'00'}')\n"
"                           and is sent as CBOR\n"
"      --payload-raw        send --payload text as it is, never converted\n"
"      --content-format CF  Content-Format of the body: media type, short\n"
"                           name (json, cbor, text, link-format, ...) or\n"
"                           number; \"help\" lists them\n"
"      --accept CF          Content-Format wanted in the response (as above)\n"
"      --if-match ETAG      only if the resource has this ETag (hex; \"\"\n"
"                           for \"exists\"; repeatable)\n"
"      --if-none-match      only if the resource does not exist yet\n"
"      --observe            observe the resource; print each notification\n"
"                           until Ctrl-C or a final one\n"
"      --observe-exec CMD   run CMD (sh -c) for each representation, body on\n"
"                           its stdin (implies --observe)\n"
"      --non                send as non-confirmable (NON)\n"
"      --proxy URI          send through the forward proxy at URI\n"
"      --no-set-hostname    do not send the host name as Uri-Host\n"
"      --payload-initial-szx SZX  largest block: 2^(SZX+4) bytes, 0-6\n"
"      --window N           ask for up to N blocks of a download at once\n"
"                           (1-16, default 1); they are written in order\n"
"  -O, --option NUM[,VALUE] add option NUM (a number or a name such as\n"
"                           Max-Age) with VALUE: 0x and hex for bytes, a\n"
"                           number for integer options, else text\n"
"                           (repeatable, as coap-client's -O)\n"
"  -4, -6                   use only IPv4 / IPv6 addresses of the host\n"
"      --bind ADDR          send from this local address (HOST, HOST:PORT or\n"
"                           [V6]:PORT; the port defaults to any free one)\n"
"      --timeout SECONDS    wait at most this long for each response\n"
"                           (default 93, RFC 7252 MAX_TRANSMIT_WAIT); when\n"
"                           given, also for each notification\n"
"\n"
"Security:\n"
"      --credentials FILE   aiocoap credentials map (JSON, or diagnostic\n"
"                           notation if FILE ends in .diag); URIs it does\n"
"                           not match are sent unprotected (-v says so)\n"
"\n"
"Output:\n"
"  -o, --output FILE        write the body to FILE (complete or not at all)\n"
"      --pretty-print, --no-pretty-print\n"
"                           show link-format, JSON and CBOR readably\n"
"                           (default: on when stdout is a terminal)\n"
"      --color, --no-color  colored diagnostics (default: on a terminal)\n"
"  -v, --verbose            show the exchange on stderr; -vv adds OSCORE\n"
"                           details (OSCORE version, kid, partial IV) and\n"
"                           every block\n"
"  -q, --quiet              no progress, notes or warnings\n"
"  -h, --help               this text\n"
"      --version            program version\n"
"\n"
"Exit status: 0 success (2.xx), 1 local failure, 2 usage error,\n"
"  3 configuration error (credentials, security context), 4 a 4.xx answer,\n"
"  5 a 5.xx answer, 6 network failure or timeout, 7 security failure\n"
"  (response did not verify, or the server refused OSCORE), 8 protocol\n"
"  failure (e.g. the resource changed during a block-wise transfer),\n"
"  130 interrupted.\n"
"\n"
"Example:\n"
"  %s --credentials client.json coap://localhost/hello.txt\n"
"  %s -m PUT --payload @notes.txt --content-format text/plain \\\n"
"      --credentials client.json coap://[::1]/notes.txt\n",
          prog, prog, prog);
}
