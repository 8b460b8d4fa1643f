/* Writing a new security context directory; see ctxdir_write.h. */
#include "ctxdir_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "oscore_secret.h"
#include "oscore_context.h"

/* The store reads values of at most 256 bytes (oscore-contexts(5)). */
#define CTXDIR_MAX_VALUE 256

void ctxdir_to_hex(const uint8_t *b, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[b[i] >> 4];
    out[2 * i + 1] = digits[b[i] & 15];
  }
  out[2 * n] = 0;
}

/* settings.json: IDs, ID context, algorithms, then the caller's extras. */
static int settings_text(const ctxdir_values *v, char *out, size_t cap) {
  char s[2 * OSCORE_MAX_ID_LEN + 1], r[2 * OSCORE_MAX_ID_LEN + 1];
  char ctx[2 * OSCORE_MAX_IDCTX_LEN + 1];
  if (v->sender_id_len > OSCORE_MAX_ID_LEN ||
      v->recipient_id_len > OSCORE_MAX_ID_LEN ||
      v->id_context_len > OSCORE_MAX_IDCTX_LEN)
    return -1;
  ctxdir_to_hex(v->sender_id, v->sender_id_len, s);
  ctxdir_to_hex(v->recipient_id, v->recipient_id_len, r);
  ctxdir_to_hex(v->id_context, v->id_context_len, ctx);
  int n = snprintf(out, cap,
                   "{\n  \"sender-id_hex\": \"%s\",\n"
                   "  \"recipient-id_hex\": \"%s\",\n%s%s%s"
                   "  \"algorithm\": \"%s\",\n  \"kdf-hashfun\": \"%s\"%s\n}\n",
                   s, r, v->has_id_context ? "  \"id-context_hex\": \"" : "",
                   v->has_id_context ? ctx : "",
                   v->has_id_context ? "\",\n" : "", v->algorithm, v->kdf,
                   v->extra ? v->extra : "");
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* secret.json: the master secret and salt. */
static int secret_text(const ctxdir_values *v, char *out, size_t cap) {
  char sh[2 * CTXDIR_MAX_VALUE + 1], salt[2 * CTXDIR_MAX_VALUE + 1];
  if (v->secret_len > CTXDIR_MAX_VALUE || v->salt_len > CTXDIR_MAX_VALUE)
    return -1;
  ctxdir_to_hex(v->secret, v->secret_len, sh);
  ctxdir_to_hex(v->salt, v->salt_len, salt);
  int n = snprintf(out, cap, "{\n  \"secret_hex\": \"%s\",\n"
                   "  \"salt_hex\": \"%s\"\n}\n", sh, salt);
  oscore_wipe(sh, sizeof sh);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
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

/* The missing parents of |dir| (0700, like the context itself):
 * "client/for-sensor" should just work in an empty directory. */
static int make_parents(const char *dir) {
  char path[4096];
  size_t len = strlen(dir);
  memcpy(path, dir, len + 1);  /* the caller checked len */
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return 0;
}

static ctxdir_err write_files(const char *dir, const char *settings,
                              const char *secret, char *what, size_t cap) {
  char path[4096];
  snprintf(path, sizeof path, "%s/secret.json", dir);
  int rc = write_new_file(path, 0600, secret);
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/settings.json", dir);
    rc = write_new_file(path, 0644, settings);
  }
  if (rc == 0) return CTXDIR_OK;
  int e = errno;
  snprintf(what, cap, "%s", path);
  ctxdir_remove(dir);
  errno = e;
  return CTXDIR_FILE;
}

ctxdir_err ctxdir_write(const char *dir, const ctxdir_values *v, char *what,
                        size_t what_cap) {
  /* Hex of both values plus the JSON around them. */
  char settings[1024], secret[4 * CTXDIR_MAX_VALUE + 64];
  size_t len = strlen(dir);
  snprintf(what, what_cap, "%s", dir);
  if (len == 0 || len + 16 > 4096 ||
      settings_text(v, settings, sizeof settings) != 0 ||
      secret_text(v, secret, sizeof secret) != 0) {
    oscore_wipe(secret, sizeof secret);
    errno = ENAMETOOLONG;
    return CTXDIR_TOO_LONG;
  }
  ctxdir_err rc = CTXDIR_OK;
  if (make_parents(dir) != 0)
    rc = CTXDIR_PARENT;
  else if (mkdir(dir, 0700) != 0)
    rc = CTXDIR_MKDIR;
  else
    rc = write_files(dir, settings, secret, what, what_cap);
  int e = errno;
  oscore_wipe(secret, sizeof secret);
  errno = e;
  return rc;
}

void ctxdir_remove(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/secret.json", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/settings.json", dir);
  unlink(path);
  rmdir(dir);
}
