/* oscore-context-import: write a security context directory
 * (oscore-contexts(5)) from the resources of a LwM2M OSCORE object
 * instance (object 21), for RFC 8613 or, as LwM2M 1.1 devices such as
 * Anjay's "draft-08 mode" speak it, draft-ietf-core-object-security-08. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "oscore_secret.h"
#include "lwm2m_object.h"
#include "oscore_tools_version.h"

#define PROG "oscore-context-import"

static void usage(FILE *f) {
  fprintf(f,
    "Usage: " PROG " [options] DIR\n"
    "Write an OSCORE context directory from a LwM2M OSCORE object (ID 21).\n"
    "\n"
    "Object resources: VALUE is TEXT (a String resource: its bytes), text:TEXT\n"
    "or hex:HEX (an Opaque resource):\n"
    "  --master-secret VALUE  resource 0 (required)\n"
    "  --sender-id VALUE      resource 1 (required; may be empty)\n"
    "  --recipient-id VALUE   resource 2 (required; may be empty)\n"
    "  --aead N               resource 3, COSE AEAD algorithm (default 10,\n"
    "                         AES-CCM-16-64-128)\n"
    "  --hmac N               resource 4, COSE HMAC algorithm (default 5,\n"
    "                         HMAC 256/256: HKDF SHA-256)\n"
    "  --master-salt VALUE    resource 5 (default empty)\n"
    "  --id-context VALUE     resource 6 (default none)\n"
    "Whose context and which OSCORE:\n"
    "  --peer                 the object's peer (e.g. the LwM2M server of the\n"
    "                         device holding the object): IDs swapped\n"
    "  --draft08              OSCORE as in draft-08 (LwM2M 1.1), not RFC 8613;\n"
    "                         aiocoap cannot use such a directory\n"
    "  --option-number N      draft-08: the option, 21 (default) or 9\n"
    "  --common-iv-id ID      draft-08: empty (default, the draft's text) or\n"
    "                         null (its published test vectors)\n"
    "Other:\n"
    "  -h, --help             this text\n"
    "  --version              print the version\n"
    "\n"
    "Exit status: 0 written, 1 usage error or nothing written.\n"
    "\n"
    "Example (Anjay's example object, as the device's server):\n"
    "  " PROG " --master-secret 'Ma$T3Rs3CR3t' --master-salt 'Ma$T3Rs4LT' \\\n"
    "      --sender-id 15 --recipient-id 25 --draft08 --peer server/device1\n");
}

/* One error line on stderr; returns the exit status 1. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(PROG ": ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

/* A resource value into |out|; 0, or 1 after an error line. */
static int value(const char *opt, const char *arg, uint8_t *out, size_t cap,
                 size_t *len) {
  const char *why = lwm2m_value_parse(arg, out, cap, len);
  if (!why) return 0;
  fprintf(stderr, PROG ": --%s: %s (at most %zu bytes)\n", opt, why, cap);
  return 1;
}

static int int_arg(const char *opt, const char *arg, int lo, int hi,
                   int *out) {
  char *end;
  errno = 0;
  long v = strtol(arg, &end, 10);
  if (errno || end == arg || *end || v < lo || v > hi) {
    fprintf(stderr, PROG ": --%s: not an integer in %d..%d: %.40s\n", opt, lo,
            hi, arg);
    return 1;
  }
  *out = (int)v;
  return 0;
}

enum { O_SECRET = 256, O_SENDER, O_RECIPIENT, O_AEAD, O_HMAC, O_SALT,
       O_IDCTX, O_PEER, O_DRAFT08, O_OPTION, O_IVID, O_VERSION };

/* One option into |obj| / |o|; 0, or the exit status. */
static int take(int c, const char *arg, lwm2m_oscore_object *obj,
                lwm2m_import_opts *o, unsigned *seen) {
  int v;
  switch (c) {
  case O_SECRET: *seen |= 1;
    return value("master-secret", arg, obj->secret, sizeof obj->secret,
                 &obj->secret_len);
  case O_SENDER: *seen |= 2;
    return value("sender-id", arg, obj->sender_id, sizeof obj->sender_id,
                 &obj->sender_id_len);
  case O_RECIPIENT: *seen |= 4;
    return value("recipient-id", arg, obj->recipient_id,
                 sizeof obj->recipient_id, &obj->recipient_id_len);
  case O_AEAD: return int_arg("aead", arg, -65536, 65535, &obj->aead);
  case O_HMAC: return int_arg("hmac", arg, -65536, 65535, &obj->hmac);
  case O_SALT:
    return value("master-salt", arg, obj->salt, sizeof obj->salt,
                 &obj->salt_len);
  case O_IDCTX:
    obj->has_id_context = true;
    return value("id-context", arg, obj->id_context, sizeof obj->id_context,
                 &obj->id_context_len);
  case O_PEER: o->peer = true; return 0;
  case O_DRAFT08: o->draft08 = true; return 0;
  case O_OPTION:
    if (int_arg("option-number", arg, 0, 65535, &v)) return 1;
    o->option_given = true;
    o->option_number = (unsigned)v;
    return 0;
  case O_IVID:
    if (strcmp(arg, "empty") && strcmp(arg, "null"))
      return fail("--common-iv-id: expected empty or null, not %.40s", arg);
    o->iv_null = strcmp(arg, "null") == 0;
    return 0;
  default:
    fprintf(stderr, "Usage: " PROG " [options] DIR (see --help)\n");
    return 1;
  }
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
    { "master-secret", required_argument, NULL, O_SECRET },
    { "sender-id", required_argument, NULL, O_SENDER },
    { "recipient-id", required_argument, NULL, O_RECIPIENT },
    { "aead", required_argument, NULL, O_AEAD },
    { "hmac", required_argument, NULL, O_HMAC },
    { "master-salt", required_argument, NULL, O_SALT },
    { "id-context", required_argument, NULL, O_IDCTX },
    { "peer", no_argument, NULL, O_PEER },
    { "draft08", no_argument, NULL, O_DRAFT08 },
    { "option-number", required_argument, NULL, O_OPTION },
    { "common-iv-id", required_argument, NULL, O_IVID },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, O_VERSION },
    { NULL, 0, NULL, 0 },
  };
  lwm2m_oscore_object obj = { .aead = 10, .hmac = 5 };
  lwm2m_import_opts o = { 0 };
  unsigned seen = 0;
  int c, rc = 0;
  opterr = 0;  /* one line of ours names a bad option, not getopt's two */
  while (rc == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return 0;
    }
    if (c == '?' || c == ':') {
      fprintf(stderr, PROG ": %.100s: unknown option or missing value "
              "(see --help)\n", argv[optind - 1]);
      return 1;
    }
    if (c == O_VERSION) {
      printf(PROG " %s\n", OSCORE_TOOLS_VERSION);
      return 0;
    }
    rc = take(c, optarg, &obj, &o, &seen);
  }
  char why[200];
  if (rc == 0 && argc - optind != 1)
    rc = take(0, NULL, &obj, &o, &seen);  /* the usage line */
  else if (rc == 0 && seen != 7)
    rc = fail("--master-secret, --sender-id and --recipient-id are "
              "required");
  else if (rc == 0 && lwm2m_check(&obj, &o, why, sizeof why))
    rc = fail("%s", why);
  struct stat st;
  if (rc == 0 && lstat(argv[optind], &st) == 0)
    rc = fail("%s: already exists; refusing to overwrite a security "
              "context", argv[optind]);
  char what[4200];
  if (rc == 0 && lwm2m_write_dir(argv[optind], &obj, &o, what, sizeof what))
    rc = fail("%s: %s", what, strerror(errno));
  oscore_wipe(&obj, sizeof obj);
  if (rc) return rc;
  printf("wrote %s: the %s's context, OSCORE as in %s\n", argv[optind],
         o.peer ? "object's peer" : "object owner",
         o.draft08 ? "draft-08" : "RFC 8613");
  return 0;
}
