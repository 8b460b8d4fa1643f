/* oscore-keygen: create an EDHOC key pair for credentials maps, as
 * aiocoap-keygen does. "generate KEYFILE" writes the private key in
 * aiocoap's .cosekey form (a COSE_Key in CBOR) to a new file, mode 0600
 * from the start, never overwriting anything, and prints the public
 * credential ({14: CCS}) in CBOR diagnostic notation, ready to paste into
 * a map as own_cred or peer_cred. The key comes from OpenSSL's DRBG
 * (seeded by getrandom). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edhoc_cred.h"
#include "keygen_diag.h"
#include "oscore_tools_version.h"
#include "store_cosekey.h"

static void usage(FILE *f) {
  fprintf(f,
    "Usage: oscore-keygen generate KEYFILE [options]\n"
    "Create an EDHOC private key in KEYFILE (aiocoap's .cosekey format, mode\n"
    "0600, never overwritten) and print its public credential ({14: CCS}).\n"
    "\n"
    "Options:\n"
    "  --kid HEX           key identifier (needed to send the credential by\n"
    "                      key ID, own_cred_style by-key-id)\n"
    "  --subject TEXT      text placed in the CCS (its sub claim)\n"
    "  --curve NAME        P-256 (default: suites 2 and 3, all aiocoap reads),\n"
    "                      X25519 (suites 0, 1 with static DH) or Ed25519\n"
    "                      (suites 0, 1 with signatures)\n"
    "  -h, --help          this text\n"
    "  --version           print the version\n"
    "\n"
    "Exit status: 0 created, 1 the file exists or cannot be written, 2 usage.\n"
    "\n"
    "Example:\n"
    "  oscore-keygen generate fileserver.cosekey --kid 0a\n");
}

static int usage_error(const char *msg) {
  fprintf(stderr, "oscore-keygen: %s\n", msg);
  fprintf(stderr, "Usage: oscore-keygen generate KEYFILE [--kid HEX] "
          "[--subject TEXT] [--curve NAME]\n");
  return 2;
}

static bool parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len) {
  size_t n = strlen(hex);
  if (n == 0 || n % 2 || n / 2 > cap)
    return false;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (!strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
        !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]) ||
        sscanf(hex + 2 * i, "%2x", &v) != 1)
      return false;
    out[i] = (uint8_t)v;
  }
  *len = n / 2;
  return true;
}

static bool parse_curve(const char *name, edhoc_curve *c) {
  if (!strcasecmp(name, "P-256") || !strcasecmp(name, "P256"))
    *c = EDHOC_CURVE_P256;
  else if (!strcasecmp(name, "X25519"))
    *c = EDHOC_CURVE_X25519;
  else if (!strcasecmp(name, "Ed25519"))
    *c = EDHOC_CURVE_ED25519;
  else
    return false;
  return true;
}

/* Writes the key file and prints {14: CCS}; the exit status. */
static int generate(const char *path, edhoc_curve curve, oscore_bytes kid,
                    const char *subject) {
  edhoc_key *k = NULL;
  if (edhoc_key_generate(curve, &k) != EDHOC_OK) {
    fprintf(stderr, "oscore-keygen: cannot generate a key\n");
    return 1;
  }
  uint8_t ccs[256 + 1024];
  edhoc_w w;
  edhoc_w_init(&w, ccs, sizeof ccs);
  edhoc_w_map(&w, 1);
  edhoc_w_int(&w, 14);
  if (edhoc_ccs_write(k, kid, subject, &w) != EDHOC_OK) {
    edhoc_key_free(k);
    fprintf(stderr, "oscore-keygen: --subject too long\n");
    return 1;
  }
  store_diag diag = { .msg = "" };
  store_err err = store_cosekey_create(path, k, &diag);
  edhoc_key_free(k);
  if (err != STORE_OK) {
    fprintf(stderr, "oscore-keygen: %s\n", diag.msg);
    return 1;
  }
  keygen_diag_print(stdout, OSCORE_BYTES(ccs, w.len));
  fputc('\n', stdout);
  return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
    { "kid", required_argument, NULL, 'k' },
    { "subject", required_argument, NULL, 's' },
    { "curve", required_argument, NULL, 'c' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
  };
  uint8_t kid[EDHOC_MAX_KID];
  size_t kid_len = 0;
  const char *subject = NULL;
  edhoc_curve curve = EDHOC_CURVE_P256;
  int opt;
  while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (opt) {
    case 'k':
      if (!parse_hex(optarg, kid, sizeof kid, &kid_len))
        return usage_error("--kid: 1 to 16 bytes as hexadecimal digits");
      break;
    case 's':
      if (strlen(optarg) > 1000)
        return usage_error("--subject: at most 1000 bytes");
      subject = optarg;
      break;
    case 'c':
      if (!parse_curve(optarg, &curve))
        return usage_error("--curve: P-256, X25519 or Ed25519");
      break;
    case 'h':
      usage(stdout);
      return 0;
    case 'V':
      printf("oscore-keygen %s\n", OSCORE_TOOLS_VERSION);
      return 0;
    default:
      return usage_error("unknown option");
    }
  }
  if (optind >= argc)
    return usage_error("missing subcommand");
  if (strcmp(argv[optind], "generate") != 0)
    return usage_error("unknown subcommand (only: generate)");
  if (argc - optind != 2)
    return usage_error("generate takes one KEYFILE");
  return generate(argv[optind + 1], curve, OSCORE_BYTES(kid, kid_len), subject);
}
