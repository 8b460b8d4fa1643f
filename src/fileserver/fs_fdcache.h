/* Regular files kept open between requests, by inode.
 *
 * A GET resolves its path beneath the root afresh every time (O_PATH,
 * then fstat: that lookup decides what the name means now). Opening the
 * file a second time for reading, by name again, and checking it is the
 * same inode cost about a tenth of a small GET's CPU, and every block of a
 * download paid it. When the lookup finds an inode that is open here
 * already, with the same ctime (which every chmod, chown, ACL change,
 * link count change and write moves), a duplicate of that descriptor is
 * used instead: the same bytes a fresh open would read, and a file whose
 * permissions changed is opened afresh (and refused if need be). Only
 * descriptors that fs_path_open() opened and checked as regular files are
 * kept, so nothing else is ever opened for I/O. Entries not used for a
 * tick (1-2 s) are closed, so a deleted file's space is released soon;
 * nothing is kept when descriptors run short (RLIMIT_NOFILE). */
#ifndef FS_FDCACHE_H
#define FS_FDCACHE_H

#include <sys/stat.h>

typedef struct fs_fdcache fs_fdcache;

/* RLIMIT_NOFILE now; -1 when unknown or unlimited. Kept descriptors must
 * never be what makes a later open fail: a server with a thousand contexts
 * holds a thousand lock descriptors, close to the usual limit of 1024. So
 * descriptor caches keep none numbered within FS_FD_HEADROOM of it. */
long fs_fd_limit(void);
#define FS_FD_HEADROOM 32

/* NULL on allocation failure: callers then simply open every time. */
fs_fdcache *fs_fdcache_new(void);
void fs_fdcache_free(fs_fdcache *c);

/* A new descriptor (caller closes) for the regular file |st| describes,
 * if one is kept with the same device, inode, ctime, mode and owners;
 * -1 otherwise. */
int fs_fdcache_get(fs_fdcache *c, const struct stat *st);

/* Keep a duplicate of |fd|, a regular file opened for reading whose fstat
 * is |st| (the oldest entry makes room). */
void fs_fdcache_put(fs_fdcache *c, int fd, const struct stat *st);

/* Close what was not used since the previous tick. */
void fs_fdcache_tick(fs_fdcache *c);

#endif
