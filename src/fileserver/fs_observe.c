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
  size_t slot;            /* index in fs_observe.w */
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

/* Where a handle is: its entry and its index in the entry's handles, so
 * that ending one observation among thousands is O(1), not a scan
 * (issue 13: a mass end after a change was quadratic). */
typedef struct placed {
  struct placed *next;
  void *handle;
  watched *w;
  size_t idx;
} placed;

struct fs_observe {
  int fd;
  placed **where;         /* hash by handle */
  size_t where_mask, n_handles;
  /* Observers of changed files still to notify, FS_OBSERVE_BATCH per
   * fs_observe_process(), so requests are served in between. */
  void **queue;
  size_t q_pos, q_len, q_cap;
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
  for (size_t i = 0; o->where && i <= o->where_mask; i++) {
    while (o->where[i]) {
      placed *p = o->where[i];
      o->where[i] = p->next;
      free(p);
    }
  }
  free(o->where);
  free(o->queue);
  for (size_t i = 0; i < o->n; i++)
    watched_free(o->w[i]);
  free(o->w);
  if (o->fd >= 0)
    close(o->fd);
  free(o->root_path);
  free(o);
}

int fs_observe_fd(const fs_observe *o) { return o->fd; }

size_t fs_observe_count(const fs_observe *o) { return o->n_handles; }

static size_t handle_hash(const void *h, size_t mask) {
  uint64_t v = (uint64_t)(uintptr_t)h >> 4;
  return (size_t)((v * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static placed **where_slot(const fs_observe *o, const void *handle) {
  if (!o->where)
    return NULL;
  placed **p = &o->where[handle_hash(handle, o->where_mask)];
  while (*p && (*p)->handle != handle)
    p = &(*p)->next;
  return p;
}

/* Keep about one handle per bucket. */
static bool where_grow(fs_observe *o) {
  if (o->where && o->n_handles <= o->where_mask)
    return true;
  size_t n = o->where ? (o->where_mask + 1) * 2 : 64;
  placed **nw = calloc(n, sizeof *nw);
  if (!nw)
    return false;
  for (size_t i = 0; o->where && i <= o->where_mask; i++) {
    while (o->where[i]) {
      placed *p = o->where[i];
      o->where[i] = p->next;
      size_t b = handle_hash(p->handle, n - 1);
      p->next = nw[b];
      nw[b] = p;
    }
  }
  free(o->where);
  o->where = nw;
  o->where_mask = n - 1;
  return true;
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

/* Free entry |w| (nobody observes it any more). */
static void drop_entry(fs_observe *o, watched *w) {
  o->w[w->slot] = o->w[--o->n];
  o->w[w->slot]->slot = w->slot;
  drop_wd(o, w->dir_wd, w);
  drop_wd(o, w->file_wd, w);
  watched_free(w);
}

/* Free entries nobody observes any more. */
static void collect(fs_observe *o) {
  for (size_t i = 0; i < o->n;) {
    if (o->w[i]->n)
      i++;
    else
      drop_entry(o, o->w[i]);
  }
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
    w->slot = o->n;
    o->w[o->n++] = w;
    rewatch_file(o, w);
    w->exists = stat_now(o, w, &w->last);
  }
  placed *pl = NULL;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 4;
    void **nh = realloc(w->handles, cap * sizeof *nh);
    if (nh) {
      w->handles = nh;
      w->cap = cap;
    }
  }
  if (w->n < w->cap && where_grow(o))
    pl = malloc(sizeof *pl);
  if (!pl) {
    if (fresh && !o->busy)
      collect(o);
    return FS_ERR_NO_MEMORY;
  }
  pl->handle = handle;
  pl->w = w;
  pl->idx = w->n;
  placed **slot = &o->where[handle_hash(handle, o->where_mask)];
  pl->next = *slot;
  *slot = pl;
  w->handles[w->n++] = handle;
  o->n_handles++;
  return FS_OK;
}

void fs_observe_remove(fs_observe *o, void *handle) {
  placed **slot = where_slot(o, handle);
  if (!slot || !*slot)
    return;
  placed *pl = *slot;
  *slot = pl->next;
  watched *w = pl->w;
  /* Swap the last handle into the hole and tell its record so. */
  void *moved = w->handles[--w->n];
  if (pl->idx != w->n) {
    w->handles[pl->idx] = moved;
    placed **ms = where_slot(o, moved);
    if (ms && *ms)
      (*ms)->idx = pl->idx;
  }
  free(pl);
  if (--o->n_handles == 0) {
    /* Give back what a crowd of observers grew (issue 13: RSS). */
    free(o->where);
    o->where = NULL;
  }
  if (!o->busy && w->n == 0)
    drop_entry(o, w);
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

/* Queue the observers of |w| for a notification. */
static void enqueue(fs_observe *o, const watched *w) {
  if (o->q_pos == o->q_len)
    o->q_pos = o->q_len = 0;
  if (o->q_len + w->n > o->q_cap) {
    size_t cap = o->q_cap ? o->q_cap : 64;
    while (cap < o->q_len + w->n)
      cap *= 2;
    void **nq = realloc(o->queue, cap * sizeof *nq);
    if (!nq)
      return;  /* out of memory: this change goes unnotified */
    o->queue = nq;
    o->q_cap = cap;
  }
  memcpy(o->queue + o->q_len, w->handles, w->n * sizeof *w->handles);
  o->q_len += w->n;
}

/* Find the files that changed and settled, and queue their observers. */
static void scan_changes(fs_observe *o, uint64_t now) {
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
    enqueue(o, w);
  }
}

size_t fs_observe_process(fs_observe *o, uint64_t now) {
  read_events(o, now);
  scan_changes(o, now);
  size_t notified = 0;
  o->busy = true;
  /* A handle that ended while queued is no longer placed: skipped. */
  while (o->q_pos < o->q_len && notified < FS_OBSERVE_BATCH) {
    void *h = o->queue[o->q_pos++];
    placed **slot = where_slot(o, h);
    if (!slot || !*slot)
      continue;
    o->notify(h, o->arg);
    notified++;
  }
  if (o->q_pos == o->q_len && o->q_cap > 1024) {
    free(o->queue);
    o->queue = NULL;
    o->q_pos = o->q_len = o->q_cap = 0;
  }
  o->busy = false;
  collect(o);
  return notified;
}

bool fs_observe_backlog(const fs_observe *o) { return o->q_pos < o->q_len; }

bool fs_observe_pending(const fs_observe *o) {
  if (fs_observe_backlog(o))
    return true;
  for (size_t i = 0; i < o->n; i++)
    if (o->w[i]->dirty)
      return true;
  return false;
}
