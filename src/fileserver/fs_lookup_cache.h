/* Regular files kept resolved and open between GETs, by request path, as
 * long as inotify reports no change that could alter what the path means.
 *
 * A GET resolved its path afresh every time (openat2 RESOLVE_BENEATH,
 * fstat, a kept descriptor duplicated, two closes): five of the eleven
 * system calls of a small GET, a fifth of its CPU. Here a path that was
 * resolved without any symbolic link, to a regular file, keeps its open
 * descriptor and fstat, and a later GET of the same path uses them after
 * one non-blocking read of the inotify descriptor finds nothing (or, in
 * the fileserver, after the event loop's own wait, which also watches that
 * descriptor, reported nothing: no system call at all).
 *
 * What is watched, before the lookup (so nothing between can be missed):
 * every directory the path passes through, root included (entries created,
 * deleted, renamed, their attributes or contents changed), and after it
 * the file itself (its contents or attributes changed through any name,
 * e.g. a hard link elsewhere; the fstat is taken again after that watch is
 * set). Any event at all, a queue overflow or an unmount drops every entry
 * and every watch: the next GET resolves afresh. So the kept answer is the
 * answer a fresh lookup gives, for every change the kernel reports through
 * inotify; a mount placed over a directory of the tree is not reported
 * (docs/DESIGN.md). The check happens after the request was received (or
 * by the event loop's wait that reported the request), and the kernel
 * queues an event before the change's system call returns, so a client
 * that changes a file and then asks sees the change.
 *
 * Only paths without links are kept (the resolved path is the requested
 * one, so the access rules already checked on it are the rules of the
 * file), only regular files (directories have the listing cache), at most
 * FS_LOOKUP_CACHE_ENTRIES descriptors and FS_LOOKUP_CACHE_WATCHES watches
 * (then all are dropped and the cache starts over), and nothing when
 * descriptors run short or inotify is unavailable. Idle entries are closed
 * by the tick. */
#ifndef FS_LOOKUP_CACHE_H
#define FS_LOOKUP_CACHE_H

#include <stdbool.h>
#include <sys/stat.h>
#include "fs_error.h"
#include "fs_path.h"

#define FS_LOOKUP_CACHE_ENTRIES 32
#define FS_LOOKUP_CACHE_WATCHES 256

typedef struct fs_lookup_cache fs_lookup_cache;

/* NULL on failure: callers then look up every time. */
fs_lookup_cache *fs_lookup_cache_new(void);
void fs_lookup_cache_free(fs_lookup_cache *c);

/* The kept descriptor of |rel| (owned by the cache: do not close it) and
 * its fstat in *st; -1 when nothing valid is kept. */
int fs_lookup_cache_get(fs_lookup_cache *c, const char *rel, struct stat *st);

/* fs_path_open() of |rel| beneath |r|, keeping the result when it is a
 * link-free regular file and nothing changed meanwhile. *owned tells the
 * caller whether it must close *fd (false: the cache keeps it). */
fs_path_res fs_lookup_cache_open(fs_lookup_cache *c, const fs_root *r,
                                 const char *rel, int *fd, struct stat *st,
                                 fs_resolved *where, bool *owned);

/* Once a second: start over if anything changed (a deleted file's space
 * is released without waiting for the next GET) and close what was not
 * used since the previous tick, as fs_fdcache does. */
void fs_lookup_cache_tick(fs_lookup_cache *c);

/* The inotify descriptor (for the cache's whole life; -1: none). An event
 * loop that sees it readable in the same wait that brought requests, and
 * then calls fs_lookup_cache_changes() before handling them, saves the
 * read fs_lookup_cache_get() makes otherwise: say so with
 * fs_lookup_cache_checked_elsewhere(c, true). */
int fs_lookup_cache_fd(const fs_lookup_cache *c);
void fs_lookup_cache_checked_elsewhere(fs_lookup_cache *c, bool yes);
/* Anything reported: drop everything. Does not block. */
void fs_lookup_cache_changes(fs_lookup_cache *c);

/* Entries dropped because something changed (for tests). */
unsigned long fs_lookup_cache_flushes(const fs_lookup_cache *c);

#endif
