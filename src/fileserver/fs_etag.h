/* Entity tags. For files: the first N bytes of SHA-256 over the decimal text
 * "(mtime_ns, ctime_ns, size, inode)". aiocoap hashes the first three; the
 * inode is ours: uploads replace a file by rename, so every write gets a new
 * inode and therefore a new ETag even when it lands in the same timestamp
 * tick with the same size (file times are coarse, a few ms). The stat must
 * come from the same fstat() as the data that is sent, never a second
 * lookup by name (that would be a time-of-check/time-of-use race). */
#ifndef FS_ETAG_H
#define FS_ETAG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define FS_ETAG_MAX 8

/* ETag of the file described by |st|, |len| (0..8) bytes into |out|.
 * Returns |len|; 0 means ETags are disabled. */
size_t fs_etag_of_stat(const struct stat *st, size_t len,
                       uint8_t out[FS_ETAG_MAX]);
/* ETag of a generated body (directory listings): a hash of the bytes
 * themselves, so it changes exactly when the listing does. */
size_t fs_etag_of_bytes(const void *data, size_t n, size_t len,
                        uint8_t out[FS_ETAG_MAX]);

#endif
