/* Helpers shared by the store tests: scratch directories, copies of the
 * plugtest contexts, small file I/O and a warning collector. Everything
 * happens under a fresh mkdtemp() directory that is removed at the end. */
#ifndef STORE_TESTUTIL_H
#define STORE_TESTUTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "scratch.h"
#include "store.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

static char tu_root[512];

/* Abort the test program (status 1) on a failure of the test's own setup:
 * such a failure says nothing about the code under test. */
static inline void tu_die(const char *what) {
  fprintf(stderr, "test setup failed: %s: %s\n", what, strerror(errno));
  exit(1);
}

static inline void tu_cleanup(void) {
  if (tu_root[0])
    scratch_rmtree(tu_root);
}

/* Create the scratch root once; removed at exit. */
static inline const char *tu_scratch(void) {
  if (!tu_root[0]) {
    const char *t = getenv("TMPDIR");
    snprintf(tu_root, sizeof tu_root, "%s/store-test-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tu_root))
      tu_die("mkdtemp");
    atexit(tu_cleanup);
  }
  return tu_root;
}

/* A fresh empty directory under the scratch root; returns a static-ish
 * buffer the caller copies or uses at once (kept in a rotating pool). */
static inline const char *tu_mkdir(const char *name) {
  static char pool[8][768];
  static int next;
  char *p = pool[next++ % 8];
  snprintf(p, sizeof pool[0], "%s/%s", tu_scratch(), name);
  if (mkdir(p, 0700) != 0)
    tu_die(p);
  return p;
}

/* |a|/|b| into |buf|; a path that does not fit is a setup failure. */
static inline void tu_join(char *buf, size_t cap, const char *a, const char *b) {
  if ((size_t)snprintf(buf, cap, "%s/%s", a, b) >= cap) {
    errno = ENAMETOOLONG;
    tu_die(a);
  }
}

static inline void tu_write(const char *dir, const char *name, const char *text,
                     mode_t mode) {
  char path[1024];
  tu_join(path, sizeof path, dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
    tu_die(path);
  fchmod(fd, mode);
  close(fd);
}

static inline void tu_chmod(const char *dir, const char *name, mode_t mode) {
  char path[1024];
  tu_join(path, sizeof path, dir, name);
  if (chmod(path, mode) != 0)
    tu_die(path);
}

/* Whole file as a NUL-terminated string (malloc'd), NULL if absent. */
static inline char *tu_read(const char *dir, const char *name) {
  char path[1024];
  tu_join(path, sizeof path, dir, name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = calloc(1, 65537);
  if (!buf)
    tu_die("calloc");
  size_t n = fread(buf, 1, 65536, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static inline bool tu_exists(const char *dir, const char *name) {
  char path[1024];
  struct stat st;
  tu_join(path, sizeof path, dir, name);
  return lstat(path, &st) == 0;
}

/* Number of entries in |dir| (without . and ..); with |listing| the
 * names, sorted by readdir order, joined with spaces. */
static inline int tu_count(const char *dir, char *listing, size_t cap) {
  DIR *d = opendir(dir);
  if (!d)
    tu_die(dir);
  int n = 0;
  if (listing && cap)
    listing[0] = '\0';
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    n++;
    if (listing) {
      strncat(listing, de->d_name, cap - strlen(listing) - 1);
      strncat(listing, " ", cap - strlen(listing) - 1);
    }
  }
  closedir(d);
  return n;
}

/* Copy the plugtest context |which| ("a".."d") from the repository into a
 * new scratch directory |name| (using a context writes to it). */
static inline const char *tu_plugtest(const char *which, const char *name) {
  const char *dst = tu_mkdir(name);
  static const char *files[] = { "settings.json", "secret.json" };
  for (size_t i = 0; i < 2; i++) {
    char src[1024];
    snprintf(src, sizeof src, "%s/tests/data/plugtest-contexts/%s/%s",
             getenv("SRCDIR") ? getenv("SRCDIR") : TEST_SRCDIR, which, files[i]);
    FILE *f = fopen(src, "rb");
    if (!f)
      tu_die(src);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    tu_write(dst, files[i], buf, 0600);
  }
  return dst;
}

/* Collects warnings for inspection. */
typedef struct {
  int count;
  char last[512];
  char all[4096];
} tu_warnings;

static inline void tu_warn_cb(void *arg, const char *msg) {
  tu_warnings *w = arg;
  w->count++;
  snprintf(w->last, sizeof w->last, "%s", msg);
  strncat(w->all, msg, sizeof w->all - strlen(w->all) - 2);
  strncat(w->all, "\n", sizeof w->all - strlen(w->all) - 1);
}

static inline store_diag tu_diag(tu_warnings *w) {
  store_diag d;
  memset(&d, 0, sizeof d);
  if (w) {
    memset(w, 0, sizeof *w);
    d.warn = tu_warn_cb;
    d.warn_arg = w;
  }
  return d;
}

static inline double tu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CHECK_CONTAINS(hay, needle) do { \
    const char *tu_h_ = (hay), *tu_n_ = (needle); \
    unit_checks++; \
    if (!tu_h_ || !strstr(tu_h_, tu_n_)) { \
      unit_failures++; \
      fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, \
              __LINE__, tu_h_ ? tu_h_ : "(null)", tu_n_); \
    } \
  } while (0)

#endif
