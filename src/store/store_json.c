/* Reading the store's JSON files (with cJSON) and decoding their values. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "store_diag.h"
#include "store_json.h"

static void path_join(char *buf, size_t cap, const char *dir, const char *name) {
  if (dir)
    snprintf(buf, cap, "%s/%s", dir, name);
  else
    snprintf(buf, cap, "%s", name);
}

/* Line of the byte |off| in |text|, for a parse error message that shows
 * where the file is broken without quoting it (it may hold a secret). */
static unsigned line_of(const char *text, size_t off) {
  unsigned line = 1;
  for (size_t i = 0; i < off; i++)
    if (text[i] == '\n')
      line++;
  return line;
}

store_err store_json_load(const char *dir, const char *name, size_t max,
                          bool *absent, struct stat *st, cJSON **out,
                          store_diag *diag) {
  char path[4096];
  path_join(path, sizeof path, dir, name);
  *out = NULL;
  if (absent)
    *absent = false;

  /* O_NONBLOCK: a FIFO in place of a key file must not hang the load. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT && absent) {
      *absent = true;
      return STORE_OK;
    }
    return store_fail(diag, STORE_ERR_IO, "cannot read %s: %s", path,
                      strerror(errno));
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return store_fail(diag, STORE_ERR_IO, "cannot read %s: %s", path, strerror(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return store_fail(diag, STORE_ERR_IO, "cannot read %s: %s", path,
                      S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
  }
  if ((uint64_t)sb.st_size > max) {
    close(fd);
    return store_fail(diag, STORE_ERR_IO, "cannot read %s: larger than %zu bytes",
                      path, max);
  }
  if (st)
    *st = sb;

  size_t cap = (size_t)sb.st_size + 1;
  char *text = malloc(cap);
  if (!text) {
    close(fd);
    return store_fail(diag, STORE_ERR_NO_MEMORY, "reading %s: out of memory", path);
  }
  size_t len = 0;
  /* Read to EOF but never past |cap - 1|: the file may grow under us. */
  while (len < cap - 1) {
    ssize_t n = read(fd, text + len, cap - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      OPENSSL_cleanse(text, cap);
      free(text);
      close(fd);
      return store_fail(diag, STORE_ERR_IO, "cannot read %s: %s", path, strerror(e));
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  text[len] = '\0';

  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  unsigned bad_line = 0;
  if (!j)
    bad_line = line_of(text, end && end >= text ? (size_t)(end - text) : 0);
  OPENSSL_cleanse(text, cap);
  free(text);
  if (!j)
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: not valid JSON (line %u)",
                      path, bad_line);
  if (!cJSON_IsObject(j)) {
    store_json_free_wiped(j);
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: expected a JSON object at the top",
                      path);
  }
  *out = j;
  return STORE_OK;
}

/* Depth is bounded by cJSON's nesting limit (CJSON_NESTING_LIMIT). */
static void wipe_tree(cJSON *j) {
  for (cJSON *c = j; c; c = c->next) {
    if (c->string)
      OPENSSL_cleanse(c->string, strlen(c->string));
    if (c->valuestring)
      OPENSSL_cleanse(c->valuestring, strlen(c->valuestring));
    c->valuedouble = 0;
    c->valueint = 0;
    wipe_tree(c->child);
  }
}

void store_json_free_wiped(cJSON *j) {
  if (!j)
    return;
  wipe_tree(j);
  cJSON_Delete(j);
}

static int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decode hex, ignoring the characters in |skip| wherever they are (aiocoap
 * removes them from the string before decoding). */
static bool hex_decode_skipping(const char *hex, const char *skip, uint8_t *out,
                                size_t cap, size_t *len, const char **why) {
  size_t n = 0;
  int hi = -1;
  for (const char *p = hex; *p; p++) {
    if (skip && strchr(skip, *p))
      continue;
    int v = hex_val(*p);
    if (v < 0) {
      *why = "not a hex digit in the value";
      return false;
    }
    if (hi < 0) {
      hi = v;
      continue;
    }
    if (n >= cap) {
      *why = "value too long";
      return false;
    }
    out[n++] = (uint8_t)(hi << 4 | v);
    hi = -1;
  }
  if (hi >= 0) {
    *why = "odd number of hex digits";
    return false;
  }
  *len = n;
  return true;
}

bool store_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len,
                      const char **why) {
  return hex_decode_skipping(hex, NULL, out, cap, len, why);
}

bool store_ascii_decode(const char *s, uint8_t *out, size_t cap, size_t *len,
                        const char **why) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)s[i] > 0x7f) {
      *why = "not an ASCII string";
      return false;
    }
  }
  if (n > cap) {
    *why = "value too long";
    return false;
  }
  memcpy(out, s, n);
  *len = n;
  return true;
}

bool store_json_binary(const cJSON *v, uint8_t *out, size_t cap, size_t *len,
                       const char **why) {
  if (!cJSON_IsObject(v) || !v->child || v->child->next) {
    *why = "expected a binary value {\"hex\": ...} or {\"ascii\": ...}";
    return false;
  }
  const cJSON *m = v->child;
  if (!cJSON_IsString(m)) {
    *why = "a binary value holds a string";
    return false;
  }
  if (strcmp(m->string, "hex") == 0)
    return hex_decode_skipping(m->valuestring, "-: ", out, cap, len, why);
  if (strcmp(m->string, "ascii") == 0)
    return store_ascii_decode(m->valuestring, out, cap, len, why);
  *why = "a binary value is {\"hex\": ...} or {\"ascii\": ...}";
  return false;
}

bool store_json_uint(const cJSON *v, uint64_t max, uint64_t *out) {
  if (!cJSON_IsNumber(v))
    return false;
  double d = v->valuedouble;
  if (!(d >= 0) || d > (double)max || d != floor(d))
    return false;
  *out = (uint64_t)d;
  return true;
}
