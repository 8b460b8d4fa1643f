#include "fs_lookup_cache.h"

#include "fs_fdcache.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* Everything that can change what a name in a directory refers to, or
 * what a file in it holds or who may read it. */
#define DIR_MASK                                                           \
  (IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |         \
   IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_CLOSE_WRITE)
#define FILE_MASK                                                          \
  (IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_CLOSE_WRITE)

typedef struct {
  char *rel;                  /* NULL: free slot */
  uint32_t hash;
  int fd;
  struct stat st;
  uint64_t used;              /* c->clock when last used */
} entry;

struct fs_lookup_cache {
  int ifd;                    /* inotify, for the cache's life; -1: none */
  int wds[FS_LOOKUP_CACHE_WATCHES]; /* the watches set, each once */
  unsigned n_wds;
  bool checked_elsewhere;     /* fs_lookup_cache_changes() is called when
                                 |ifd| is readable (fs_lookup_cache.h) */
  entry e[FS_LOOKUP_CACHE_ENTRIES];
  unsigned n;                 /* entries in use */
  uint64_t clock;
  uint64_t tick_mark;         /* c->clock at the previous tick */
  long fd_limit;              /* RLIMIT_NOFILE; -1: unknown */
  unsigned long flushes;
};

fs_lookup_cache *fs_lookup_cache_new(void) {
  fs_lookup_cache *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  c->fd_limit = fs_fd_limit();
  return c;
}

static void drop(fs_lookup_cache *c, entry *e) {
  if (!e->rel)
    return;
  free(e->rel);
  close(e->fd);
  memset(e, 0, sizeof *e);
  c->n--;
}

/* Read everything queued (the events themselves are not needed). */
static void drain(fs_lookup_cache *c) {
  char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  while (read(c->ifd, buf, sizeof buf) > 0) {
  }
}

/* Forget every entry and every watch. The descriptor stays (the event
 * loop may be watching it); removing a watch queues IN_IGNORED, which the
 * drain after it takes away with whatever else was queued. */
static void flush(fs_lookup_cache *c) {
  for (size_t i = 0; i < FS_LOOKUP_CACHE_ENTRIES; i++)
    drop(c, &c->e[i]);
  if (c->ifd >= 0) {
    for (unsigned i = 0; i < c->n_wds; i++)
      inotify_rm_watch(c->ifd, c->wds[i]);
    drain(c);
  }
  c->n_wds = 0;
  c->flushes++;
}

void fs_lookup_cache_free(fs_lookup_cache *c) {
  if (!c)
    return;
  flush(c);
  if (c->ifd >= 0)
    close(c->ifd);
  free(c);
}

int fs_lookup_cache_fd(const fs_lookup_cache *c) { return c ? c->ifd : -1; }

void fs_lookup_cache_checked_elsewhere(fs_lookup_cache *c, bool yes) {
  if (c)
    c->checked_elsewhere = yes;
}

unsigned long fs_lookup_cache_flushes(const fs_lookup_cache *c) {
  return c ? c->flushes : 0;
}

/* Has anything been reported since the last look? Any event counts; the
 * queue is not parsed (every event kind means "start over"). */
static bool changed(fs_lookup_cache *c) {
  if (c->ifd < 0)
    return false;
  /* Aligned as inotify(7) asks; one event is enough to know. */
  char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
      __attribute__((aligned(__alignof__(struct inotify_event))));
  ssize_t n = read(c->ifd, buf, sizeof buf);
  if (n > 0)
    return true;
  /* EAGAIN: nothing. Any other failure: trust nothing kept. */
  return n < 0 && errno != EAGAIN && errno != EINTR;
}

static uint32_t hash_of(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

int fs_lookup_cache_get(fs_lookup_cache *c, const char *rel, struct stat *st) {
  if (!c || c->n == 0)
    return -1;
  if (!c->checked_elsewhere && changed(c)) {
    flush(c);
    return -1;
  }
  uint32_t h = hash_of(rel);
  for (size_t i = 0; i < FS_LOOKUP_CACHE_ENTRIES; i++) {
    entry *e = &c->e[i];
    if (e->rel && e->hash == h && strcmp(e->rel, rel) == 0) {
      e->used = ++c->clock;
      *st = e->st;
      return e->fd;
    }
  }
  return -1;
}

static bool watch_fd(fs_lookup_cache *c, int fd, uint32_t mask) {
  char p[40];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  int wd = inotify_add_watch(c->ifd, p, mask);
  if (wd < 0)
    return false;
  /* The kernel hands an inode watched already its old number. */
  for (unsigned i = 0; i < c->n_wds; i++)
    if (c->wds[i] == wd)
      return true;
  if (c->n_wds == FS_LOOKUP_CACHE_WATCHES) {
    inotify_rm_watch(c->ifd, wd);
    return false;
  }
  c->wds[c->n_wds++] = wd;
  return true;
}

/* Watch the root and every directory on the way to |rel|, top down: a
 * directory is opened only after its parent is watched, so a rename that
 * swaps it is reported. false: do not keep what the lookup finds. */
static bool watch_dirs(fs_lookup_cache *c, const fs_root *r, const char *rel) {
  size_t depth = 1;
  for (const char *p = rel; *p; p++)
    depth += *p == '/';
  if (c->ifd < 0 || depth + 1 > FS_LOOKUP_CACHE_WATCHES)
    return false;
  if (c->n_wds + depth + 1 > FS_LOOKUP_CACHE_WATCHES)
    flush(c);
  if (!watch_fd(c, r->dirfd, DIR_MASK))
    return false;
  char prefix[FS_PATH_BUF];
  for (const char *p = strchr(rel, '/'); p; p = strchr(p + 1, '/')) {
    size_t len = (size_t)(p - rel);
    if (len >= sizeof prefix)
      return false;
    memcpy(prefix, rel, len);
    prefix[len] = '\0';
    int dfd = fs_path_open_dir_no_links(r, prefix);
    if (dfd < 0)
      return false;
    bool ok = watch_fd(c, dfd, DIR_MASK);
    close(dfd);
    if (!ok)
      return false;
  }
  return true;
}

static bool same_state(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
         a->st_mode == b->st_mode && a->st_nlink == b->st_nlink &&
         a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
         a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static entry *free_slot(fs_lookup_cache *c) {
  entry *oldest = &c->e[0];
  for (size_t i = 0; i < FS_LOOKUP_CACHE_ENTRIES; i++) {
    if (!c->e[i].rel)
      return &c->e[i];
    if (c->e[i].used < oldest->used)
      oldest = &c->e[i];
  }
  drop(c, oldest);
  return oldest;
}

/* The lookup found a link-free regular file: watch it, check nothing moved
 * since the directories were watched, and keep it. */
static bool keep(fs_lookup_cache *c, const char *rel, int fd,
                 const struct stat *st) {
  if (c->fd_limit >= 0 && fd >= c->fd_limit - FS_FD_HEADROOM)
    return false;   /* descriptors are needed elsewhere (fs_fdcache.h) */
  struct stat again;
  if (!watch_fd(c, fd, FILE_MASK) || fstat(fd, &again) != 0 ||
      !same_state(st, &again))
    return false;
  if (changed(c)) {
    flush(c);
    return false;
  }
  char *copy = strdup(rel);
  if (!copy)
    return false;
  entry *e = free_slot(c);
  *e = (entry){ copy, hash_of(rel), fd, *st, ++c->clock };
  c->n++;
  return true;
}

fs_path_res fs_lookup_cache_open(fs_lookup_cache *c, const fs_root *r,
                                 const char *rel, int *fd, struct stat *st,
                                 fs_resolved *where, bool *owned) {
  *owned = true;
  if (!c)
    return fs_path_open(r, rel, fd, st, where);
  /* Old news first: what is kept must not outlive a change reported
   * before this lookup. */
  if (changed(c))
    flush(c);
  bool watched = watch_dirs(c, r, rel);
  fs_path_res res = fs_path_open(r, rel, fd, st, where);
  if (res == FS_PATH_OK && watched && S_ISREG(st->st_mode) &&
      !where->outside && strcmp(where->rel, rel) == 0 &&
      keep(c, rel, *fd, st))
    *owned = false;
  return res;
}

void fs_lookup_cache_tick(fs_lookup_cache *c) {
  if (!c)
    return;
  if (changed(c)) {
    flush(c);
    return;
  }
  for (size_t i = 0; i < FS_LOOKUP_CACHE_ENTRIES; i++)
    if (c->e[i].rel && c->e[i].used <= c->tick_mark)
      drop(c, &c->e[i]);
  c->tick_mark = c->clock;
  /* Nothing kept: no reason to hold watches either. */
  if (c->n == 0 && c->n_wds > 0)
    flush(c);
}

void fs_lookup_cache_changes(fs_lookup_cache *c) {
  if (c && changed(c))
    flush(c);
}
