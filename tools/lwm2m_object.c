/* LwM2M OSCORE object (ID 21) values into a context directory. */
#include "lwm2m_object.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "oscore_alg.h"

/* COSE HMAC algorithms (RFC 9053 §3.1) as the HKDF hash they name. */
static const char *hash_of_hmac(int hmac) {
  switch (hmac) {
  case 5: return "sha256";   /* HMAC 256/256 */
  case 6: return "sha384";   /* HMAC 384/384 */
  case 7: return "sha512";   /* HMAC 512/512 */
  default: return NULL;
  }
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const char *lwm2m_value_parse(const char *arg, uint8_t *out, size_t cap,
                              size_t *len) {
  if (strncmp(arg, "hex:", 4) == 0) {
    const char *h = arg + 4;
    size_t n = strlen(h);
    if (n % 2) return "odd number of hex digits";
    if (n / 2 > cap) return "too long";
    for (size_t i = 0; i < n / 2; i++) {
      int a = hexval(h[2 * i]), b = hexval(h[2 * i + 1]);
      if (a < 0 || b < 0) return "not hex";
      out[i] = (uint8_t)(a << 4 | b);
    }
    *len = n / 2;
    return NULL;
  }
  if (strncmp(arg, "text:", 5) == 0) arg += 5;
  size_t n = strlen(arg);
  if (n > cap) return "too long";
  memcpy(out, arg, n);
  *len = n;
  return NULL;
}

const char *lwm2m_check(const lwm2m_oscore_object *obj,
                        const lwm2m_import_opts *o, char *why, size_t cap) {
  const oscore_aead_info *alg = oscore_aead_by_cose(obj->aead);
  const char *hash = hash_of_hmac(obj->hmac);
  if (!alg)
    snprintf(why, cap, "AEAD algorithm %d is not supported", obj->aead);
  else if (!hash)
    snprintf(why, cap, "HMAC algorithm %d is not supported (5, 6 or 7: "
             "HMAC 256/256, 384/384, 512/512)", obj->hmac);
  else if (o->draft08 && (obj->aead != 10 || obj->hmac != 5))
    snprintf(why, cap, "draft-08 mode fixes AES-CCM-16-64-128 (10) and HMAC "
             "256/256 (5)");
  else if (obj->secret_len == 0)
    snprintf(why, cap, "the master secret is empty");
  else if (obj->sender_id_len > alg->nonce_len - 6 ||
           obj->recipient_id_len > alg->nonce_len - 6)
    snprintf(why, cap, "sender and recipient IDs may be at most %zu bytes "
             "with %s", alg->nonce_len - 6, alg->name);
  else if (obj->sender_id_len == obj->recipient_id_len &&
           memcmp(obj->sender_id, obj->recipient_id, obj->sender_id_len) == 0)
    snprintf(why, cap, "sender and recipient IDs are equal");
  else if (!o->draft08 && (o->option_given || o->iv_null))
    snprintf(why, cap, "the option number and the Common IV id only apply "
             "in draft-08 mode");
  else if (o->option_given && o->option_number != 21 && o->option_number != 9)
    snprintf(why, cap, "the option number must be 21 or 9");
  else
    return NULL;
  return why;
}

static void to_hex(const uint8_t *b, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[b[i] >> 4];
    out[2 * i + 1] = digits[b[i] & 15];
  }
  out[2 * n] = 0;
}

/* Create |path| (O_EXCL, |mode|) and write |text|, synced. */
static int write_new_file(const char *path, mode_t mode, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                mode);
  if (fd < 0) return -1;
  size_t len = strlen(text), off = 0;
  while (off < len) {
    ssize_t w = write(fd, text + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  int e = off < len ? (errno ? errno : EIO) : 0;
  if (!e && fsync(fd) != 0) e = errno;
  if (close(fd) != 0 && !e) e = errno;
  if (e) {
    unlink(path);
    errno = e;
    return -1;
  }
  return 0;
}

static int make_dir(const char *dir) {
  char path[4096];
  size_t len = strlen(dir);
  if (len == 0 || len >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(path, dir, len + 1);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(dir, 0700);
}

/* settings.json: IDs, algorithms and, in draft-08 mode, our keys. */
static int settings_text(const lwm2m_oscore_object *obj,
                         const lwm2m_import_opts *o, char *out, size_t cap) {
  char s[2 * OSCORE_MAX_ID_LEN + 1], r[2 * OSCORE_MAX_ID_LEN + 1];
  char ctx[2 * OSCORE_MAX_IDCTX_LEN + 1], extra[160] = "";
  to_hex(o->peer ? obj->recipient_id : obj->sender_id,
         o->peer ? obj->recipient_id_len : obj->sender_id_len, s);
  to_hex(o->peer ? obj->sender_id : obj->recipient_id,
         o->peer ? obj->sender_id_len : obj->recipient_id_len, r);
  to_hex(obj->id_context, obj->id_context_len, ctx);
  if (o->draft08)
    snprintf(extra, sizeof extra,
             ",\n  \"oscore-version\": \"draft-08\",\n"
             "  \"option-number\": %u,\n  \"common-iv-id\": \"%s\"",
             o->option_given ? o->option_number : 21u,
             o->iv_null ? "null" : "empty");
  int n = snprintf(out, cap,
                   "{\n  \"sender-id_hex\": \"%s\",\n"
                   "  \"recipient-id_hex\": \"%s\",\n%s%s%s"
                   "  \"algorithm\": \"%s\",\n  \"kdf-hashfun\": \"%s\"%s\n}\n",
                   s, r, obj->has_id_context ? "  \"id-context_hex\": \"" : "",
                   obj->has_id_context ? ctx : "",
                   obj->has_id_context ? "\",\n" : "",
                   oscore_aead_by_cose(obj->aead)->name,
                   hash_of_hmac(obj->hmac), extra);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int lwm2m_write_dir(const char *dir, const lwm2m_oscore_object *obj,
                    const lwm2m_import_opts *o, char *what, size_t what_cap) {
  char settings[1024], path[4096];
  /* Hex of both values plus the JSON around them. */
  char secret[4 * LWM2M_MAX_SECRET_LEN + 64], sh[2 * LWM2M_MAX_SECRET_LEN + 1];
  snprintf(what, what_cap, "%s", dir);
  if (settings_text(obj, o, settings, sizeof settings) != 0 ||
      strlen(dir) + 16 > sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if (make_dir(dir) != 0) return -1;
  to_hex(obj->secret, obj->secret_len, sh);
  int n = snprintf(secret, sizeof secret, "{\n  \"secret_hex\": \"%s\",\n", sh);
  to_hex(obj->salt, obj->salt_len, sh);
  snprintf(secret + n, sizeof secret - (size_t)n, "  \"salt_hex\": \"%s\"\n}\n",
           sh);
  OPENSSL_cleanse(sh, sizeof sh);
  snprintf(path, sizeof path, "%s/secret.json", dir);
  int rc = write_new_file(path, 0600, secret);
  OPENSSL_cleanse(secret, sizeof secret);
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/settings.json", dir);
    rc = write_new_file(path, 0644, settings);
  }
  if (rc != 0) {
    int e = errno;
    snprintf(what, what_cap, "%s", path);
    snprintf(path, sizeof path, "%s/secret.json", dir);
    unlink(path);
    rmdir(dir);
    errno = e;
  }
  return rc;
}
