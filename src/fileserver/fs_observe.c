#include "fs_observe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define DIR_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
                  IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | \
                  IN_MOVE_SELF | IN_ONLYDIR)
#define FILE_MASK (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | \
                   IN_MOVE_SELF)

typedef struct {
  char *rel;
  const char *base;       /* last segment, inside |rel| */
  int dir_wd, file_wd;    /* -1 when not set */
  bool exists;
  struct stat last;
  void **handles;
  size_t n, cap;
  bool dirty;
  uint64_t dirty_since, last_event;
} watched;

struct fs_observe {
  int fd;
  const fs_root *root;
  char *root_path;
  watched **w;
  size_t n, cap;
  fs_observe_notify_fn notify;
  void *arg;
  bool busy;              /* inside process(): defer freeing entries */
};

fs_err fs_observe_new(const fs_root *root, const char *root_path,
                      fs_observe_notify_fn notify, void *arg,
                      fs_observe **out) {
  fs_observe *o = calloc(1, sizeof *o);
  if (!o)
    return FS_ERR_NO_MEMORY;
  o->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  o->root_path = strdup(root_path);
  if (o->fd < 0 || !o->root_path) {
    fs_err e = o->fd < 0 ? FS_ERR_INOTIFY : FS_ERR_NO_MEMORY;
    fs_observe_free(o);
    return e;
  }
  o->root = root;
  o->notify = notify;
  o->arg = arg;
  *out = o;
  return FS_OK;
}

static void watched_free(watched *w) {
  free(w->rel);
  free(w->handles);
  free(w);
}

void fs_observe_free(fs_observe *o) {
  if (!o)
    return;
  for (size_t i = 0; i < o->n; i++)
    watched_free(o->w[i]);
  free(o->w);
  if (o->fd >= 0)
    close(o->fd);
  free(o->root_path);
  free(o);
}

int fs_observe_fd(const fs_observe *o) { return o->fd; }

size_t fs_observe_count(const fs_observe *o) {
  size_t n = 0;
  for (size_t i = 0; i < o->n; i++)
    n += o->w[i]->n;
  return n;
}

/* Is |wd| used by an entry other than |skip|? inotify hands out one wd per
 * inode, so two observed files in one directory share its watch. */
static bool wd_shared(const fs_observe *o, int wd, const watched *skip) {
  for (size_t i = 0; i < o->n; i++) {
    const watched *w = o->w[i];
    if (w != skip && (w->dir_wd == wd || w->file_wd == wd))
      return true;
  }
  return false;
}

static void drop_wd(fs_observe *o, int wd, const watched *owner) {
  if (wd >= 0 && !wd_shared(o, wd, owner))
    inotify_rm_watch(o->fd, wd);
}

/* Watch the file itself (again: a replaced file is a new inode). */
static void rewatch_file(fs_observe *o, watched *w) {
  char p[FS_PATH_BUF * 2];
  snprintf(p, sizeof p, "%s/%s", o->root_path, w->rel);
  int wd = inotify_add_watch(o->fd, p, FILE_MASK);
  if (wd != w->file_wd) {
    drop_wd(o, w->file_wd, w);
    w->file_wd = wd;
  }
}

static bool stat_now(const fs_observe *o, const watched *w, struct stat *st) {
  int fd;
  if (fs_path_lookup(o->root, w->rel, &fd, st, NULL) != FS_PATH_OK)
    return false;
  close(fd);
  return S_ISREG(st->st_mode);
}

/* The fields aiocoap compares to decide that a file changed. */
static bool same_file(const struct stat *a, const struct stat *b) {
  return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
         a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static watched *find_rel(const fs_observe *o, const char *rel) {
  for (size_t i = 0; i < o->n; i++)
    if (strcmp(o->w[i]->rel, rel) == 0)
      return o->w[i];
  return NULL;
}

fs_err fs_observe_add(fs_observe *o, const char *rel, void *handle) {
  watched *w = find_rel(o, rel);
  bool fresh = w == NULL;
  if (fresh) {
    if (o->n == o->cap) {
      size_t cap = o->cap ? o->cap * 2 : 8;
      watched **nw = realloc(o->w, cap * sizeof *nw);
      if (!nw)
        return FS_ERR_NO_MEMORY;
      o->w = nw;
      o->cap = cap;
    }
    w = calloc(1, sizeof *w);
    if (!w || !(w->rel = strdup(rel))) {
      free(w);
      return FS_ERR_NO_MEMORY;
    }
    const char *slash = strrchr(w->rel, '/');
    w->base = slash ? slash + 1 : w->rel;
    w->file_wd = -1;
    char p[FS_PATH_BUF * 2];
    snprintf(p, sizeof p, "%s/%.*s", o->root_path,
             (int)(w->base - w->rel), w->rel);
    w->dir_wd = inotify_add_watch(o->fd, p, DIR_MASK);
    if (w->dir_wd < 0) {
      watched_free(w);
      return FS_ERR_INOTIFY;
    }
    o->w[o->n++] = w;
    rewatch_file(o, w);
    w->exists = stat_now(o, w, &w->last);
  }
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 4;
    void **nh = realloc(w->handles, cap * sizeof *nh);
    if (!nh) {
      if (fresh)
        fs_observe_remove(o, NULL);
      return FS_ERR_NO_MEMORY;
    }
    w->handles = nh;
    w->cap = cap;
  }
  w->handles[w->n++] = handle;
  return FS_OK;
}

/* Free entries nobody observes any more. */
static void collect(fs_observe *o) {
  for (size_t i = 0; i < o->n;) {
    watched *w = o->w[i];
    if (w->n) {
      i++;
      continue;
    }
    o->w[i] = o->w[--o->n];
    drop_wd(o, w->dir_wd, NULL);
    drop_wd(o, w->file_wd, NULL);
    watched_free(w);
  }
}

void fs_observe_remove(fs_observe *o, void *handle) {
  for (size_t i = 0; i < o->n; i++) {
    watched *w = o->w[i];
    for (size_t j = 0; j < w->n; j++) {
      if (w->handles[j] == handle) {
        w->handles[j] = w->handles[--w->n];
        break;
      }
    }
  }
  if (!o->busy)
    collect(o);
}

static void mark(watched *w, uint64_t now) {
  if (!w->dirty) {
    w->dirty = true;
    w->dirty_since = now;
  }
  w->last_event = now;
}

static void read_events(fs_observe *o, uint64_t now) {
  /* Aligned as inotify(7) asks. */
  char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (int rounds = 0; rounds < 64; rounds++) {
    ssize_t len = read(o->fd, buf, sizeof buf);
    if (len <= 0)
      return;
    for (char *p = buf; p < buf + len;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      p += sizeof *ev + ev->len;
      for (size_t i = 0; i < o->n; i++) {
        watched *w = o->w[i];
        bool hit = ev->wd == w->file_wd || (ev->mask & IN_Q_OVERFLOW);
        if (ev->wd == w->dir_wd)
          hit = hit || (ev->len && strcmp(ev->name, w->base) == 0) ||
                (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED));
        if (hit)
          mark(w, now);
      }
    }
  }
}

size_t fs_observe_process(fs_observe *o, uint64_t now) {
  read_events(o, now);
  size_t notified = 0;
  o->busy = true;
  for (size_t i = 0; i < o->n; i++) {
    watched *w = o->w[i];
    if (!w->dirty || w->n == 0)
      continue;
    if (now - w->last_event < FS_OBSERVE_SETTLE_MS &&
        now - w->dirty_since < FS_OBSERVE_MAX_DELAY_MS)
      continue;
    w->dirty = false;
    struct stat st;
    bool exists = stat_now(o, w, &st);
    if (exists == w->exists && (!exists || same_file(&st, &w->last)))
      continue;
    w->exists = exists;
    if (exists) {
      w->last = st;
      rewatch_file(o, w);
    }
    /* Copy: a notification may end its observation and shrink the list. */
    size_t n = w->n;
    void **copy = malloc(n * sizeof *copy);
    if (!copy)
      continue;
    memcpy(copy, w->handles, n * sizeof *copy);
    for (size_t j = 0; j < n; j++)
      o->notify(copy[j], o->arg);
    notified += n;
    free(copy);
  }
  o->busy = false;
  collect(o);
  return notified;
}

bool fs_observe_pending(const fs_observe *o) {
  for (size_t i = 0; i < o->n; i++)
    if (o->w[i]->dirty)
      return true;
  return false;
}
