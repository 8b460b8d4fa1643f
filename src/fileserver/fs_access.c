#include "fs_access.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

/* Bound on the rules file: it is configuration, not data. */
#define ACCESS_FILE_MAX (1024 * 1024)

typedef struct {
  char *identity;  /* "*" for everyone */
  char *prefix;    /* normalised: "" for the root, else "a/b" */
  size_t depth;    /* number of segments in |prefix| */
  unsigned rights;
} rule;

struct fs_access {
  rule *rules;
  size_t n;
};

static void say(char *why, size_t len, const char *fmt, const char *arg) {
  if (why && len)
    snprintf(why, len, fmt, arg);
}

/* "--access FILE: WHAT", so that the one error line names the culprit. */
static void say_file(char *why, size_t len, const char *path,
                     const char *what) {
  if (why && len)
    snprintf(why, len, "--access %s: %s", path, what);
}

/* "/a/b/" -> "a/b" with its depth; refuses ".", ".." and empty inner
 * segments, which could never match a request path. */
static bool normalise_prefix(const char *in, char **out, size_t *depth) {
  if (in[0] != '/')
    return false;
  size_t n = strlen(in);
  char *p = malloc(n + 1);
  if (!p)
    return false;
  const char *s = in + 1;
  size_t len = 0, d = 0;
  while (*s) {
    const char *slash = strchr(s, '/');
    size_t seg = slash ? (size_t)(slash - s) : strlen(s);
    if (seg == 0 && slash) {
      if (slash[1] != 0) {  /* "//" inside */
        free(p);
        return false;
      }
      break;
    }
    if ((seg == 1 && s[0] == '.') || (seg == 2 && s[0] == '.' && s[1] == '.')) {
      free(p);
      return false;
    }
    if (len)
      p[len++] = '/';
    memcpy(p + len, s, seg);
    len += seg;
    d++;
    s += seg;
    if (*s == '/')
      s++;
  }
  p[len] = 0;
  *out = p;
  *depth = d;
  return true;
}

static bool parse_rights(const char *s, unsigned *out) {
  if (strcmp(s, "none") == 0) {
    *out = 0;
    return true;
  }
  unsigned r = 0;
  for (; *s; s++) {
    if (*s == 'r' && !(r & FS_RIGHT_READ))
      r |= FS_RIGHT_READ;
    else if (*s == 'w' && !(r & FS_RIGHT_WRITE))
      r |= FS_RIGHT_WRITE;
    else
      return false;
  }
  *out = r;
  return true;
}

static bool identity_ok(const char *id) {
  return strcmp(id, "*") == 0 || strcmp(id, "anonymous") == 0 ||
         (id[0] == ':' && id[1] != 0);
}

fs_err fs_access_parse(const char *json, fs_access **out, char *why,
                       size_t why_len) {
  cJSON *root = cJSON_Parse(json);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    say(why, why_len, "%s", "not a JSON object");
    return FS_ERR_ACCESS_FILE;
  }
  fs_access *a = calloc(1, sizeof *a);
  if (!a) {
    cJSON_Delete(root);
    return FS_ERR_NO_MEMORY;
  }
  size_t cap = 0;
  fs_err err = FS_OK;
  const cJSON *id;
  cJSON_ArrayForEach(id, root) {
    if (!identity_ok(id->string)) {
      say(why, why_len,
          "identity \"%s\" is not \"*\", \"anonymous\" or a \":label\"",
          id->string);
      err = FS_ERR_ACCESS_FILE;
      break;
    }
    if (!cJSON_IsObject(id)) {
      say(why, why_len, "rules of \"%s\" must be an object", id->string);
      err = FS_ERR_ACCESS_FILE;
      break;
    }
    const cJSON *pr;
    cJSON_ArrayForEach(pr, id) {
      unsigned rights;
      if (!cJSON_IsString(pr) || !parse_rights(pr->valuestring, &rights)) {
        say(why, why_len,
            "rights for \"%s\" must be \"r\", \"w\", \"rw\" or \"\"",
            pr->string);
        err = FS_ERR_ACCESS_FILE;
        break;
      }
      if (a->n == cap) {
        size_t ncap = cap ? cap * 2 : 8;
        rule *nr = realloc(a->rules, ncap * sizeof *nr);
        if (!nr) {
          err = FS_ERR_NO_MEMORY;
          break;
        }
        a->rules = nr;
        cap = ncap;
      }
      rule *r = &a->rules[a->n];
      if (!normalise_prefix(pr->string, &r->prefix, &r->depth)) {
        say(why, why_len,
            "path prefix \"%s\" must start with '/' and have no '.', '..' "
            "or empty segments", pr->string);
        err = FS_ERR_ACCESS_FILE;
        break;
      }
      r->identity = strdup(id->string);
      if (!r->identity) {
        free(r->prefix);
        err = FS_ERR_NO_MEMORY;
        break;
      }
      r->rights = rights;
      a->n++;
    }
    if (err != FS_OK)
      break;
  }
  cJSON_Delete(root);
  if (err != FS_OK) {
    fs_access_free(a);
    return err;
  }
  *out = a;
  return FS_OK;
}

fs_err fs_access_load(const char *path, fs_access **out, char *why,
                      size_t why_len) {
  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
   * writer forever; only regular files are rules files. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    char what[128];
    snprintf(what, sizeof what, "cannot read: %s",
             fd < 0 ? strerror(errno)
             : S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    say_file(why, why_len, path, what);
    if (fd >= 0)
      close(fd);
    return FS_ERR_ACCESS_FILE;
  }
  FILE *f = fdopen(fd, "r");
  if (!f) {
    close(fd);
    return FS_ERR_NO_MEMORY;
  }
  char *buf = malloc(ACCESS_FILE_MAX + 1);
  if (!buf) {
    fclose(f);
    return FS_ERR_NO_MEMORY;
  }
  size_t n = fread(buf, 1, ACCESS_FILE_MAX + 1, f);
  bool bad = ferror(f) != 0;
  fclose(f);
  if (bad || n > ACCESS_FILE_MAX) {
    free(buf);
    say_file(why, why_len, path, bad ? "read error" : "larger than 1 MiB");
    return FS_ERR_ACCESS_FILE;
  }
  buf[n] = 0;
  char inner[384] = "";
  fs_err e = fs_access_parse(buf, out, inner, sizeof inner);
  free(buf);
  if (e != FS_OK && inner[0])
    say_file(why, why_len, path, inner);
  return e;
}

void fs_access_free(fs_access *a) {
  if (!a)
    return;
  for (size_t i = 0; i < a->n; i++) {
    free(a->rules[i].identity);
    free(a->rules[i].prefix);
  }
  free(a->rules);
  free(a);
}

/* Does |prefix| ("a/b") cover |rel| segment-wise? */
static bool covers(const char *prefix, const char *rel) {
  size_t n = strlen(prefix);
  if (n == 0)
    return true;
  return strncmp(prefix, rel, n) == 0 && (rel[n] == 0 || rel[n] == '/');
}

void fs_access_each_writable(const fs_access *a,
                             void (*fn)(void *ctx, const char *prefix),
                             void *ctx) {
  for (size_t i = 0; i < a->n; i++) {
    const rule *r = &a->rules[i];
    if (!(r->rights & FS_RIGHT_WRITE))
      continue;
    bool covered = false;
    for (size_t j = 0; j < a->n && !covered; j++) {
      const rule *o = &a->rules[j];
      /* Strictly above, or the same prefix met earlier. */
      covered = j != i && (o->rights & FS_RIGHT_WRITE) &&
                covers(o->prefix, r->prefix) &&
                (o->depth < r->depth || j < i);
    }
    if (!covered)
      fn(ctx, r->prefix);
  }
}

unsigned fs_access_rights(const fs_access *a, const char *identity,
                          const char *rel) {
  if (!a)
    return FS_RIGHT_READ | FS_RIGHT_WRITE;
  const rule *best = NULL;
  bool best_own = false;
  for (size_t i = 0; i < a->n; i++) {
    const rule *r = &a->rules[i];
    bool own = strcmp(r->identity, identity) == 0;
    if (!own && strcmp(r->identity, "*") != 0)
      continue;
    if (!covers(r->prefix, rel))
      continue;
    if (!best || r->depth > best->depth ||
        (r->depth == best->depth && own && !best_own)) {
      best = r;
      best_own = own;
    }
  }
  return best ? best->rights : 0;
}
