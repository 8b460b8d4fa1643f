/* Helpers for the fileserver unit tests: a scratch directory tree, requests
 * built from a path string, and a server over that tree. */
#ifndef FS_TESTUTIL_H
#define FS_TESTUTIL_H


#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fs_reply.h"
#include "fs_server.h"
#include "oscore_msg.h"
#include "scratch.h"
#include "unit.h"

typedef struct {
  oscore_msg m;
  oscore_opt opts[64];
  char buf[8192];
  size_t used;
} treq;

/* Copy |len| bytes into the request's own storage and add them as option. */
static inline void treq_opt(treq *r, uint16_t number, const void *v,
                            size_t len) {
  if (r->used + len > sizeof r->buf) {
    fprintf(stderr, "treq buffer full\n");
    exit(2);
  }
  char *dst = r->buf + r->used;
  if (len)
    memcpy(dst, v, len);
  r->used += len;
  if (oscore_msg_add_opt(&r->m, number, OSCORE_BYTES(dst, len)) != OSCORE_OK) {
    fprintf(stderr, "treq options full\n");
    exit(2);
  }
}

static inline void treq_uint(treq *r, uint16_t number, uint32_t v) {
  uint8_t b[4];
  size_t n = oscore_opt_uint_encode(v, b);
  treq_opt(r, number, b, n);
}

/* |path| like a URI path: "/a/b" two segments, "/a/" two ("a", ""), "/"
 * none. */
static inline void treq_init(treq *r, uint8_t code, const char *path) {
  oscore_msg_init(&r->m, r->opts, 64);
  r->m.code = code;
  r->m.payload = OSCORE_BYTES(NULL, 0);
  r->used = 0;
  if (!path || strcmp(path, "/") == 0 || !path[0])
    return;
  const char *p = path[0] == '/' ? path + 1 : path;
  for (;;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    treq_opt(r, OSCORE_OPT_URI_PATH, p, n);
    if (!slash)
      break;
    p = slash + 1;
  }
}

static inline void treq_block2(treq *r, uint32_t num, unsigned szx) {
  treq_uint(r, OSCORE_OPT_BLOCK2, num << 4 | szx);
}

static inline void treq_payload(treq *r, const void *p, size_t n) {
  r->m.payload = OSCORE_BYTES(p, n);
}

static inline const oscore_opt *reply_opt(const fs_reply *r, uint16_t n) {
  return oscore_msg_find_opt(&r->msg, n);
}

static inline long reply_uint(const fs_reply *r, uint16_t n) {
  const oscore_opt *o = reply_opt(r, n);
  uint32_t v;
  if (!o || oscore_opt_uint(o->value, &v) != OSCORE_OK)
    return -1;
  return (long)v;
}

static inline bool reply_text_is(const fs_reply *r, const char *text) {
  return r->msg.payload.len == strlen(text) &&
         memcmp(r->msg.payload.ptr, text, r->msg.payload.len) == 0;
}

/* ---- scratch tree ---- */

static char tu_top[256];

static inline const char *tu_mkdtemp(void) {
  const char *t = getenv("TMPDIR");
  snprintf(tu_top, sizeof tu_top, "%s/fs-unit-XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(tu_top)) {
    perror("mkdtemp");
    exit(2);
  }
  return tu_top;
}

static inline void tu_rmtree(const char *dir) {
  scratch_rmtree(dir);
}

/* Write |content| to |top|/|rel| (creating the file). */
static inline void tu_write(const char *top, const char *rel,
                            const void *content, size_t len) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", top, rel);
  FILE *f = fopen(p, "wb");
  if (!f || fwrite(content, 1, len, f) != len) {
    perror(p);
    exit(2);
  }
  fclose(f);
}

static inline void tu_mkdir(const char *top, const char *rel) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", top, rel);
  if (mkdir(p, 0755) < 0) {
    perror(p);
    exit(2);
  }
}

static inline void tu_symlink(const char *target, const char *top,
                              const char *rel) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", top, rel);
  if (symlink(target, p) < 0) {
    perror(p);
    exit(2);
  }
}

static inline bool tu_exists(const char *top, const char *rel) {
  char p[1024];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", top, rel);
  return lstat(p, &st) == 0;
}

/* Read |top|/|rel| whole into a malloc'd buffer. */
static inline char *tu_read(const char *top, const char *rel, size_t *len) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", top, rel);
  FILE *f = fopen(p, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  size_t k;
  while ((k = fread(b + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap)
      b = realloc(b, cap *= 2);
  }
  fclose(f);
  *len = n;
  return b;
}

static inline fs_server *tu_server(const fs_config *cfg) {
  fs_server *s = NULL;
  char why[256] = "";
  fs_err e = fs_server_new(cfg, &s, why, sizeof why);
  if (e != FS_OK) {
    fprintf(stderr, "fs_server_new: %s (%s)\n", fs_strerror(e), why);
    exit(2);
  }
  return s;
}

static const fs_caller tu_anon = {"127.0.0.1:5000", "127.0.0.1", "anonymous",
                                  false};
static const fs_caller tu_client1 = {"[::1]:5001", "::/64", ":client1", true};

/* GET |path| as an anonymous caller; the answer in *out, its code returned. */
static inline uint8_t tu_get(fs_server *s, const char *path, fs_reply *out) {
  treq q;
  treq_init(&q, OSCORE_CODE_GET, path);
  fs_serve(s, &tu_anon, &q.m, 0, out, NULL);
  return out->msg.code;
}

#endif
