/* Directory listings in link format (RFC 6690), as aiocoap-fileserver
 * writes them: one link per child, the path relative to the served root,
 * "</sub/file>" for files and "</sub/dir/>;ct=40" for directories, joined
 * by ','. Ours are sorted by name so that a listing served in several
 * blocks is the same text for every block, and leave out what cannot be
 * served: hidden names (without --hidden), FIFOs, devices, sockets, links
 * leading out of the root, and what the caller may not read. Bytes other
 * than letters, digits and -._~!$&'()*+=:@ are percent-encoded, so odd
 * names cannot break the link format. */
#ifndef FS_LISTING_H
#define FS_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include "fs_error.h"
#include "fs_path.h"

/* Hard bound on one listing, in bytes (the block-wise limit is 1 GiB, but
 * a listing is held in memory, and kept in fs_listing_cache). */
#define FS_LISTING_MAX (16u * 1024 * 1024)

/* Decides whether the child at relative path |rel| is shown. For a link,
 * |where| is the file it leads to (a GET of |rel| would serve that);
 * NULL for anything else. */
typedef bool (*fs_listing_filter)(void *ctx, const char *rel,
                                  const fs_resolved *where, bool is_dir);

/* Build the listing of directory |dirfd| (opened by fs_path_open for the
 * relative path |rel|) into a malloc'd buffer *out of *len bytes (caller
 * frees; an empty directory gives an empty body). |filter| may be NULL.
 * FS_ERR_LIMIT beyond FS_LISTING_MAX. */
fs_err fs_listing_build(const fs_root *root, int dirfd, const char *rel,
                        fs_listing_filter filter, void *ctx, char **out,
                        size_t *len);

/* The body of /.well-known/core (the kitchen-sink file service type). */
#define FS_WELL_KNOWN_CORE \
  "</>;ct=40;rt=\"tag:chrysn@fsfe.org,2022:fileserver\""

#endif
