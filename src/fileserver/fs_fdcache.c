#include "fs_fdcache.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#define SLOTS 8

typedef struct {
  int fd;              /* -1: empty */
  dev_t dev;
  ino_t ino;
  struct timespec ctime;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  unsigned long used;  /* clock of the last use, for replacement */
  bool recent;         /* used since the last tick */
} slot;

struct fs_fdcache {
  slot s[SLOTS];
  unsigned long clock;
  long fd_limit;       /* RLIMIT_NOFILE at creation; -1: unknown */
};

long fs_fd_limit(void) {
  struct rlimit rl;
  return getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
                 rl.rlim_cur < LONG_MAX
             ? (long)rl.rlim_cur
             : -1;
}

fs_fdcache *fs_fdcache_new(void) {
  fs_fdcache *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  for (int i = 0; i < SLOTS; i++)
    c->s[i].fd = -1;
  c->fd_limit = fs_fd_limit();
  return c;
}

static void drop(slot *e) {
  if (e->fd >= 0)
    close(e->fd);
  e->fd = -1;
}

void fs_fdcache_free(fs_fdcache *c) {
  if (!c)
    return;
  for (int i = 0; i < SLOTS; i++)
    drop(&c->s[i]);
  free(c);
}

static bool same(const slot *e, const struct stat *st) {
  return e->fd >= 0 && e->dev == st->st_dev && e->ino == st->st_ino &&
         e->ctime.tv_sec == st->st_ctim.tv_sec &&
         e->ctime.tv_nsec == st->st_ctim.tv_nsec &&
         e->mode == st->st_mode && e->uid == st->st_uid &&
         e->gid == st->st_gid;
}

int fs_fdcache_get(fs_fdcache *c, const struct stat *st) {
  if (!c || !S_ISREG(st->st_mode))
    return -1;
  for (int i = 0; i < SLOTS; i++) {
    slot *e = &c->s[i];
    if (e->fd >= 0 && e->dev == st->st_dev && e->ino == st->st_ino &&
        !same(e, st)) {
      drop(e);   /* that inode changed: a fresh open decides */
      return -1;
    }
    if (!same(e, st))
      continue;
    int fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
      return -1;
    e->used = ++c->clock;
    e->recent = true;
    return fd;
  }
  return -1;
}

void fs_fdcache_put(fs_fdcache *c, int fd, const struct stat *st) {
  if (!c || fd < 0 || !S_ISREG(st->st_mode))
    return;
  /* The entry of the same inode, else an empty one, else the least
   * recently used. */
  slot *victim = NULL;
  for (int i = 0; i < SLOTS; i++) {
    slot *e = &c->s[i];
    if (e->fd >= 0 && e->dev == st->st_dev && e->ino == st->st_ino) {
      victim = e;
      break;
    }
    if (!victim || (victim->fd >= 0 && (e->fd < 0 || e->used < victim->used)))
      victim = e;
  }
  int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (keep < 0)
    return;
  if (c->fd_limit >= 0 && keep >= c->fd_limit - FS_FD_HEADROOM) {
    close(keep);
    return;
  }
  drop(victim);
  *victim = (slot){ .fd = keep, .dev = st->st_dev, .ino = st->st_ino,
                    .ctime = st->st_ctim, .mode = st->st_mode,
                    .uid = st->st_uid, .gid = st->st_gid,
                    .used = ++c->clock, .recent = true };
}

void fs_fdcache_tick(fs_fdcache *c) {
  if (!c)
    return;
  for (int i = 0; i < SLOTS; i++) {
    if (c->s[i].fd >= 0 && !c->s[i].recent)
      drop(&c->s[i]);
    c->s[i].recent = false;
  }
}
