/* oscore-context-pair: provision a matching client and server OSCORE
 * security context directory pair (aiocoap's format, see oscore-contexts(5))
 * with a fresh random master secret and salt from the kernel's entropy.
 *
 * Refuses to overwrite anything; the secret file is created 0600 before a
 * byte of the secret is written, so the secret is never world-readable. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oscore_secret.h"

#include "ctxdir_write.h"
#include "oscore_alg.h"
#include "oscore_context.h"
#include "oscore_tools_version.h"

#define SECRET_LEN 32
#define SALT_LEN 8

typedef struct {
  const char *client_dir;
  const char *server_dir;
  const char *algorithm;
  const char *kdf;
  uint8_t client_id[OSCORE_MAX_ID_LEN];
  size_t client_id_len;
  uint8_t server_id[OSCORE_MAX_ID_LEN];
  size_t server_id_len;
  bool has_id_context;
  uint8_t id_context[OSCORE_MAX_IDCTX_LEN];
  size_t id_context_len;
  const char *uri;
  const char *label;
} pair_opts;

static void usage(FILE *f) {
  fprintf(f,
    "Usage: oscore-context-pair [options] CLIENT_DIR SERVER_DIR\n"
    "Create a matching OSCORE context directory pair with a fresh random secret.\n"
    "\n"
    "Identities and algorithms:\n"
    "  --client-id HEX      client's sender ID (default: 2 random bytes)\n"
    "  --server-id HEX      server's sender ID (default: empty)\n"
    "  --id-context HEX     ID context (default: none)\n"
    "  --algorithm NAME     AEAD (default AES-CCM-16-64-128)\n"
    "  --kdf NAME           sha256, sha384 or sha512 (default sha256)\n"
    "Printed credentials-map lines:\n"
    "  --uri PATTERN        client map pattern (default coap://localhost/*)\n"
    "  --label LABEL        server map label (default :client)\n"
    "Other:\n"
    "  -h, --help           this text\n"
    "  --version            print the version\n"
    "\n"
    "Example:\n"
    "  oscore-context-pair --uri 'coap://sensor.example/*' --label :laptop \\\n"
    "      client/for-sensor server/from-laptop\n");
}

/* Parse hex into |out|; false when malformed or longer than |cap|. */
static bool parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len) {
  size_t n = strlen(hex);
  if (n % 2 || n / 2 > cap)
    return false;
  for (size_t i = 0; i < n / 2; i++) {
    char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };
    char *end;
    if (!strchr("0123456789abcdefABCDEF", byte[0]) || !byte[0] ||
        !strchr("0123456789abcdefABCDEF", byte[1]) || !byte[1])
      return false;
    out[i] = (uint8_t)strtoul(byte, &end, 16);
  }
  *len = n / 2;
  return true;
}

static bool fill_random(uint8_t *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    got += (size_t)r;
  }
  return true;
}

/* Write one side of the pair; a failure is printed, naming what is at
 * fault. |client|: the client's view (its ID is the sender ID). */
static int write_context(const char *dir, const pair_opts *o, bool client,
                         const uint8_t *secret, const uint8_t *salt) {
  ctxdir_values v = {
    .sender_id = client ? o->client_id : o->server_id,
    .sender_id_len = client ? o->client_id_len : o->server_id_len,
    .recipient_id = client ? o->server_id : o->client_id,
    .recipient_id_len = client ? o->server_id_len : o->client_id_len,
    .has_id_context = o->has_id_context,
    .id_context = o->id_context,
    .id_context_len = o->id_context_len,
    .algorithm = o->algorithm,
    .kdf = o->kdf,
    .extra = "",
    .secret = secret,
    .secret_len = SECRET_LEN,
    .salt = salt,
    .salt_len = SALT_LEN,
  };
  char what[4200];
  switch (ctxdir_write(dir, &v, what, sizeof what)) {
  case CTXDIR_OK:
    return 0;
  case CTXDIR_PARENT:
    fprintf(stderr, "oscore-context-pair: %s: cannot create parent "
            "directory: %s\n", dir, strerror(errno));
    break;
  case CTXDIR_MKDIR:
    if (errno == EEXIST)
      fprintf(stderr, "oscore-context-pair: %s: already exists; refusing to "
              "overwrite a security context\n", dir);
    else
      fprintf(stderr, "oscore-context-pair: %s: cannot create directory: "
              "%s\n", dir, strerror(errno));
    break;
  case CTXDIR_TOO_LONG:
  case CTXDIR_FILE:
    fprintf(stderr, "oscore-context-pair: %s: %s\n", what, strerror(errno));
    break;
  }
  return -1;
}

/* Parses the command line into |o|; returns 0, or the exit status. */
static int parse_args(int argc, char **argv, pair_opts *o) {
  enum { O_CLIENT_ID = 256, O_SERVER_ID, O_ID_CONTEXT, O_ALG, O_KDF, O_URI,
         O_LABEL, O_VERSION };
  static const struct option longopts[] = {
    { "client-id", required_argument, NULL, O_CLIENT_ID },
    { "server-id", required_argument, NULL, O_SERVER_ID },
    { "id-context", required_argument, NULL, O_ID_CONTEXT },
    { "algorithm", required_argument, NULL, O_ALG },
    { "kdf", required_argument, NULL, O_KDF },
    { "uri", required_argument, NULL, O_URI },
    { "label", required_argument, NULL, O_LABEL },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, O_VERSION },
    { NULL, 0, NULL, 0 },
  };
  bool client_id_given = false;
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case O_CLIENT_ID:
      if (!parse_hex(optarg, o->client_id, sizeof o->client_id, &o->client_id_len)) {
        fprintf(stderr, "oscore-context-pair: --client-id: not hex of at most %d bytes: %s\n",
                OSCORE_MAX_ID_LEN, optarg);
        return 1;
      }
      client_id_given = true;
      break;
    case O_SERVER_ID:
      if (!parse_hex(optarg, o->server_id, sizeof o->server_id, &o->server_id_len)) {
        fprintf(stderr, "oscore-context-pair: --server-id: not hex of at most %d bytes: %s\n",
                OSCORE_MAX_ID_LEN, optarg);
        return 1;
      }
      break;
    case O_ID_CONTEXT:
      if (!parse_hex(optarg, o->id_context, sizeof o->id_context, &o->id_context_len)) {
        fprintf(stderr, "oscore-context-pair: --id-context: not hex of at most %d bytes: %s\n",
                OSCORE_MAX_IDCTX_LEN, optarg);
        return 1;
      }
      o->has_id_context = true;
      break;
    case O_ALG: o->algorithm = optarg; break;
    case O_KDF: o->kdf = optarg; break;
    case O_URI: o->uri = optarg; break;
    case O_LABEL: o->label = optarg; break;
    case 'h': usage(stdout); exit(0);
    case O_VERSION: printf("oscore-context-pair %s\n", OSCORE_TOOLS_VERSION); exit(0);
    default:
      fprintf(stderr, "Usage: oscore-context-pair [options] CLIENT_DIR SERVER_DIR (see --help)\n");
      return 1;
    }
  }
  if (argc - optind != 2) {
    fprintf(stderr, "Usage: oscore-context-pair [options] CLIENT_DIR SERVER_DIR (see --help)\n");
    return 1;
  }
  o->client_dir = argv[optind];
  o->server_dir = argv[optind + 1];

  const oscore_aead_info *alg = oscore_aead_by_name(o->algorithm);
  if (!alg) {
    fprintf(stderr, "oscore-context-pair: --algorithm: unknown AEAD '%s'\n", o->algorithm);
    return 1;
  }
  oscore_hash h;
  if (oscore_hash_by_name(o->kdf, &h) != OSCORE_OK) {
    fprintf(stderr, "oscore-context-pair: --kdf: unknown hash '%s' (sha256, sha384, sha512)\n", o->kdf);
    return 1;
  }
  size_t max_id = alg->nonce_len - 6;
  if (!client_id_given) {
    o->client_id_len = 2;
    if (!fill_random(o->client_id, 2)) {
      fprintf(stderr, "oscore-context-pair: no entropy: %s\n", strerror(errno));
      return 1;
    }
  }
  if (o->client_id_len > max_id || o->server_id_len > max_id) {
    fprintf(stderr, "oscore-context-pair: IDs may be at most %zu bytes with %s\n",
            max_id, alg->name);
    return 1;
  }
  if (o->client_id_len == o->server_id_len &&
      memcmp(o->client_id, o->server_id, o->client_id_len) == 0) {
    fprintf(stderr, "oscore-context-pair: client and server IDs must differ\n");
    return 1;
  }
  if (o->label[0] != ':') {
    fprintf(stderr, "oscore-context-pair: --label must start with ':' (got '%s')\n", o->label);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  pair_opts o = { .algorithm = "AES-CCM-16-64-128", .kdf = "sha256",
                  .uri = "coap://localhost/*", .label = ":client" };
  int rc = parse_args(argc, argv, &o);
  if (rc != 0)
    return rc;

  uint8_t secret[SECRET_LEN], salt[SALT_LEN];
  if (!fill_random(secret, sizeof secret) || !fill_random(salt, sizeof salt)) {
    fprintf(stderr, "oscore-context-pair: no entropy: %s\n", strerror(errno));
    oscore_wipe(secret, sizeof secret);
    return 1;
  }

  /* Check both before creating either, so a refusal leaves nothing behind. */
  struct stat st;
  const char *dirs[2] = { o.client_dir, o.server_dir };
  for (int i = 0; i < 2; i++) {
    if (lstat(dirs[i], &st) == 0) {
      fprintf(stderr, "oscore-context-pair: %s: already exists; refusing to "
              "overwrite a security context\n", dirs[i]);
      oscore_wipe(secret, sizeof secret);
      return 1;
    }
  }
  rc = write_context(o.client_dir, &o, true, secret, salt);
  if (rc == 0) {
    rc = write_context(o.server_dir, &o, false, secret, salt);
    if (rc != 0)
      ctxdir_remove(o.client_dir);
  }
  oscore_wipe(secret, sizeof secret);
  if (rc != 0)
    return 1;

  printf("Client credentials map entry (e.g. in client.json):\n"
         "  \"%s\": { \"oscore\": { \"basedir\": \"%s\" } }\n"
         "Server credentials map entry (e.g. in server.json):\n"
         "  \"%s\": { \"oscore\": { \"basedir\": \"%s\" } }\n"
         "Relative basedirs are resolved against the map file's directory.\n",
         o.uri, o.client_dir, o.label, o.server_dir);
  return 0;
}
