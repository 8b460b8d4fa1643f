/* sequence.json: read, atomic replace, cleanup of interrupted writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "oscore_context.h"
#include "store_diag.h"
#include "store_json.h"
#include "store_sequence.h"

#define SEQ_FILE "sequence.json"
/* Same prefix and suffix as aiocoap's tempfile.mkstemp call. */
#define TMP_PREFIX ".sequence-"
#define TMP_SUFFIX ".json"

/* cJSON holds numbers as doubles: exact only up to 2^53. */
#define JSON_EXACT_MAX (UINT64_C(1) << 53)

static store_err read_received(const char *dir, const cJSON *r,
                               unsigned window_size, store_sequence *out,
                               store_diag *diag) {
  if (cJSON_IsString(r)) {
    if (strcmp(r->valuestring, "unknown") != 0)
      return store_fail(diag, STORE_ERR_MALFORMED,
                        "%s/" SEQ_FILE ": key \"received\": expected \"unknown\" "
                        "or {\"index\": ..., \"bitfield\": ...}", dir);
    out->received_unknown = true;
    return STORE_OK;
  }
  if (!cJSON_IsObject(r))
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s/" SEQ_FILE ": key \"received\": expected \"unknown\" "
                      "or {\"index\": ..., \"bitfield\": ...}", dir);
  const cJSON *idx = cJSON_GetObjectItemCaseSensitive(r, "index");
  const cJSON *bf = cJSON_GetObjectItemCaseSensitive(r, "bitfield");
  if (!idx || !bf)
    return store_fail(diag, STORE_ERR_MISSING,
                      "%s/" SEQ_FILE ": key \"received\" lacks \"%s\"", dir,
                      idx ? "bitfield" : "index");
  /* aiocoap writes nulls here when it closes a context whose window was
   * never recovered; "unknown" is the only safe reading of that. */
  if (cJSON_IsNull(idx) || cJSON_IsNull(bf)) {
    store_warn(diag, "%s/" SEQ_FILE ": replay window is null; treating it as "
               "\"unknown\" (recovered through Echo)", dir);
    out->received_unknown = true;
    return STORE_OK;
  }
  if (!store_json_uint(idx, OSCORE_MAX_SEQ + 1, &out->index))
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s/" SEQ_FILE ": key \"received.index\": expected an "
                      "integer 0..2^40", dir);
  /* Read exactly from the number's text (aiocoap writes a 64-wide window
   * as an integer up to 2^64 - 1, beyond what a double holds). */
  if (!store_json_uint(bf, UINT64_MAX, &out->bitfield)) {
    if (window_size > 53 && cJSON_IsNumber(bf) &&
        bf->valuedouble >= (double)JSON_EXACT_MAX) {
      /* Not written as an integer (1.8e19): lost precision could clear a
       * "seen" bit and let a replay in; an unknown window only costs one
       * Echo round trip. */
      store_warn(diag, "%s/" SEQ_FILE ": replay bitfield not an exact "
                 "integer; treating the window as \"unknown\"", dir);
      out->received_unknown = true;
      return STORE_OK;
    }
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s/" SEQ_FILE ": key \"received.bitfield\": expected an "
                      "integer that fits the replay window of %u", dir,
                      window_size);
  }
  if (window_size < 64 && (out->bitfield >> window_size) != 0)
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s/" SEQ_FILE ": key \"received.bitfield\": has bits "
                      "beyond the replay window of %u", dir, window_size);
  out->received_unknown = false;
  return STORE_OK;
}

store_err store_sequence_read(const char *dir, unsigned window_size,
                              store_sequence *out, store_diag *diag) {
  memset(out, 0, sizeof *out);
  cJSON *j = NULL;
  bool absent = false;
  store_err err = store_json_load(dir, SEQ_FILE, STORE_JSON_MAX_CTX_FILE,
                                  &absent, NULL, &j, diag);
  if (err != STORE_OK)
    return err;
  if (absent) {
    out->absent = true;
    return STORE_OK;
  }
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "next-to-send");
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "received");
  if (!n)
    err = store_fail(diag, STORE_ERR_MISSING,
                     "%s/" SEQ_FILE ": key \"next-to-send\" is missing", dir);
  else if (!store_json_uint(n, OSCORE_MAX_SEQ + 1, &out->next_to_send))
    err = store_fail(diag, STORE_ERR_MALFORMED,
                     "%s/" SEQ_FILE ": key \"next-to-send\": expected an "
                     "integer 0..2^40", dir);
  else if (!r)
    err = store_fail(diag, STORE_ERR_MISSING,
                     "%s/" SEQ_FILE ": key \"received\" is missing", dir);
  else
    err = read_received(dir, r, window_size, out, diag);
  cJSON_Delete(j);
  return err;
}

static bool write_all(int fd, const char *buf, size_t len) {
  while (len) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    buf += n;
    len -= (size_t)n;
  }
  return true;
}

store_err store_sequence_write(const char *dir, uint64_t next, bool durable,
                               const oscore_replay *window, store_diag *diag) {
  char text[160];
  int tl;
  if (window && window->initialised)
    tl = snprintf(text, sizeof text,
                  "{\"next-to-send\": %" PRIu64 ", \"received\": {\"index\": %"
                  PRIu64 ", \"bitfield\": %" PRIu64 "}}",
                  next, window->index, window->bitfield);
  else
    tl = snprintf(text, sizeof text,
                  "{\"next-to-send\": %" PRIu64 ", \"received\": \"unknown\"}",
                  next);

  char tmp[4096], final[4096];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s/" TMP_PREFIX "XXXXXX" TMP_SUFFIX, dir)
          >= sizeof tmp ||
      (size_t)snprintf(final, sizeof final, "%s/" SEQ_FILE, dir) >= sizeof final)
    return store_fail(diag, STORE_ERR_INVALID_ARG, "%s: path too long", dir);

  /* mkostemps: O_EXCL and mode 0600, like Python's mkstemp. */
  int fd = mkostemps(tmp, (int)strlen(TMP_SUFFIX), O_CLOEXEC);
  if (fd < 0)
    return store_fail(diag, STORE_ERR_IO,
                      "cannot write %s: creating a temporary file in %s failed: %s",
                      final, dir, strerror(errno));
  const char *step = NULL;
  if (!write_all(fd, text, (size_t)tl))
    step = "write";
  else if (fsync(fd) != 0)
    step = "fsync";
  int e = errno;
  if (close(fd) != 0 && !step) {
    step = "close";
    e = errno;
  }
  if (!step && rename(tmp, final) != 0) {
    step = "rename";
    e = errno;
  }
  if (step) {
    unlink(tmp);
    return store_fail(diag, STORE_ERR_IO, "cannot write %s (%s failed: %s); "
                      "the previous state is kept", final, step,
                      e ? strerror(e) : "short write");
  }

  /* Without this the rename itself may be lost on power failure (aiocoap
   * omits it). Filesystems that cannot sync a directory say EINVAL. */
  if (!durable)
    return STORE_OK;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || (fsync(dfd) != 0 && errno != EINVAL)) {
    e = errno;
    if (dfd >= 0)
      close(dfd);
    return store_fail(diag, STORE_ERR_IO, "wrote %s but could not sync %s: %s",
                      final, dir, strerror(e));
  }
  close(dfd);
  return STORE_OK;
}

void store_sequence_remove_stale(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  size_t pl = strlen(TMP_PREFIX), sl = strlen(TMP_SUFFIX);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (n > pl + sl && strncmp(de->d_name, TMP_PREFIX, pl) == 0 &&
        strcmp(de->d_name + n - sl, TMP_SUFFIX) == 0)
      unlinkat(dirfd(d), de->d_name, 0);
  }
  closedir(d);
}
