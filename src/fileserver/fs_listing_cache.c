#include "fs_listing_cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  char *rel, *who;            /* NULL: free slot */
  dev_t dev;
  ino_t ino;
  struct timespec mtime, ctime;
  uint64_t built_ms, used_ms;
  fs_listing_body b;
} entry;

struct fs_listing_cache {
  entry e[FS_LISTING_CACHE_ENTRIES];
  size_t bytes;               /* bodies held */
};

fs_err fs_listing_cache_new(fs_listing_cache **out) {
  *out = calloc(1, sizeof **out);
  return *out ? FS_OK : FS_ERR_NO_MEMORY;
}

static void drop(fs_listing_cache *c, entry *e) {
  if (!e->rel)
    return;
  c->bytes -= e->b.len;
  free(e->rel);
  free(e->who);
  free(e->b.body);
  memset(e, 0, sizeof *e);
}

void fs_listing_cache_free(fs_listing_cache *c) {
  if (!c)
    return;
  for (size_t i = 0; i < FS_LISTING_CACHE_ENTRIES; i++)
    drop(c, &c->e[i]);
  free(c);
}

static bool same_time(struct timespec a, struct timespec b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static entry *find(fs_listing_cache *c, const char *rel, const char *who) {
  for (size_t i = 0; i < FS_LISTING_CACHE_ENTRIES; i++) {
    entry *e = &c->e[i];
    if (e->rel && strcmp(e->rel, rel) == 0 && strcmp(e->who, who) == 0)
      return e;
  }
  return NULL;
}

const fs_listing_body *fs_listing_cache_get(fs_listing_cache *c,
                                            const struct stat *dir,
                                            const char *rel, const char *who,
                                            uint64_t now_ms) {
  entry *e = find(c, rel, who);
  if (!e)
    return NULL;
  if (e->dev != dir->st_dev || e->ino != dir->st_ino ||
      !same_time(e->mtime, dir->st_mtim) ||
      !same_time(e->ctime, dir->st_ctim) || now_ms < e->built_ms ||
      now_ms - e->built_ms >= FS_LISTING_MAX_AGE_MS) {
    drop(c, e);
    return NULL;
  }
  e->used_ms = now_ms;
  return &e->b;
}

/* The least recently used entry held, or NULL when none is. */
static entry *least_recent(fs_listing_cache *c) {
  entry *lru = NULL;
  for (size_t i = 0; i < FS_LISTING_CACHE_ENTRIES; i++)
    if (c->e[i].rel && (!lru || c->e[i].used_ms < lru->used_ms))
      lru = &c->e[i];
  return lru;
}

/* A free slot, or the least recently used one emptied. */
static entry *slot(fs_listing_cache *c) {
  for (size_t i = 0; i < FS_LISTING_CACHE_ENTRIES; i++)
    if (!c->e[i].rel)
      return &c->e[i];
  entry *lru = least_recent(c);
  drop(c, lru);
  return lru;
}

/* Evict least recently used entries until |len| more bytes fit. */
static void make_room(fs_listing_cache *c, size_t len) {
  while (c->bytes > FS_LISTING_CACHE_BYTES - len) {
    entry *lru = least_recent(c);
    if (!lru)
      return;
    drop(c, lru);
  }
}

const fs_listing_body *fs_listing_cache_put(fs_listing_cache *c,
                                            const struct stat *dir,
                                            const char *rel, const char *who,
                                            uint64_t now_ms,
                                            fs_listing_body *b) {
  struct timespec now;
  if (b->len > FS_LISTING_CACHE_BYTES ||
      clock_gettime(CLOCK_REALTIME, &now) != 0 ||
      dir->st_mtim.tv_sec > now.tv_sec - FS_LISTING_SETTLE_S)
    return NULL;
  entry *old = find(c, rel, who);
  if (old)
    drop(c, old);
  make_room(c, b->len);
  entry *e = slot(c);
  e->rel = strdup(rel);
  e->who = strdup(who);
  if (!e->rel || !e->who) {
    free(e->rel);
    free(e->who);
    e->rel = e->who = NULL;
    return NULL;
  }
  e->dev = dir->st_dev;
  e->ino = dir->st_ino;
  e->mtime = dir->st_mtim;
  e->ctime = dir->st_ctim;
  e->built_ms = e->used_ms = now_ms;
  e->b = *b;
  b->body = NULL;
  c->bytes += e->b.len;
  return &e->b;
}
