/* Built directory listings, kept for their block-wise download.
 *
 * Building a listing reads, sorts, classifies and encodes every entry: for
 * 100,000 entries far more than serving one block, and a client fetches
 * a listing one block per request. So the body and its ETag are kept,
 * keyed by request path and caller (listings are filtered per identity
 * when there are access rules), and a block request costs a copy of that
 * block.
 *
 * An entry is used only while the directory's device, inode, mtime and
 * ctime are those it was built from (every added, removed or renamed name
 * changes the mtime). Timestamps are coarse (a kernel tick; whole seconds
 * on some file systems), so a change within the tick of the build would
 * go unseen: a listing is kept only when the directory's mtime was at
 * least FS_LISTING_SETTLE_S in the past when it was built (the stance of
 * git's "racy" index entries); a directory being written into is listed
 * afresh every time, as before. What the mtime cannot show (where a
 * symlink in it leads now) is bounded by FS_LISTING_MAX_AGE_MS. The cache
 * holds at most FS_LISTING_CACHE_ENTRIES listings and
 * FS_LISTING_CACHE_BYTES bytes, the least recently used going first. */
#ifndef FS_LISTING_CACHE_H
#define FS_LISTING_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "fs_error.h"
#include "fs_etag.h"

#define FS_LISTING_SETTLE_S 2
#define FS_LISTING_MAX_AGE_MS 10000
#define FS_LISTING_CACHE_ENTRIES 8
#define FS_LISTING_CACHE_BYTES (64u * 1024 * 1024)

typedef struct {
  char *body;
  size_t len;
  uint8_t etag[FS_ETAG_MAX];
  size_t etag_len;
} fs_listing_body;

typedef struct fs_listing_cache fs_listing_cache;

fs_err fs_listing_cache_new(fs_listing_cache **out);
void fs_listing_cache_free(fs_listing_cache *c);

/* The listing of the directory whose fstat is |dir|, asked for as |rel|
 * by |who|, when one is kept and still valid at |now_ms| (monotonic);
 * else NULL. The body stays valid until the next call on |c|. */
const fs_listing_body *fs_listing_cache_get(fs_listing_cache *c,
                                            const struct stat *dir,
                                            const char *rel, const char *who,
                                            uint64_t now_ms);

/* Keep |b| (its body is taken over when kept) as the listing
 * of |dir| at |rel| for |who|, built at |now_ms| from a directory whose
 * fstat before the build was |dir|. Returns the kept copy, or NULL when it
 * is not kept (directory changed too recently, too large, no memory):
 * then *b is left to the caller, body included. */
const fs_listing_body *fs_listing_cache_put(fs_listing_cache *c,
                                            const struct stat *dir,
                                            const char *rel, const char *who,
                                            uint64_t now_ms,
                                            fs_listing_body *b);

#endif
