/* GET answers: a file read one block at a time, or a generated body (a
 * listing, /.well-known/core) sliced the same way.
 *
 * Conventions follow aiocoap-fileserver: 2.03 Valid (with the ETag) when
 * the request carries the current ETag; no Block2 option when the whole
 * body fits in the first block; the ETag goes along with every block-wise
 * answer and whenever the request carried ETags. Ours adds Size2 (total
 * size) to the first block of a block-wise answer, which lets a client show
 * progress and preallocate. */
#ifndef FS_GET_H
#define FS_GET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "fs_mime.h"
#include "fs_reply.h"
#include "oscore_msg.h"

/* Answer a GET for the regular file open at |fd|, whose fstat is |st|
 * (the same descriptor's, so ETag and data agree); |name| is its last path
 * segment for the Content-Format guess. Only the requested block is read
 * (pread). |etag_len| 0..8. */
void fs_get_file(int fd, const struct stat *st, const char *name,
                 const fs_mime *mime, size_t etag_len, const oscore_msg *req,
                 fs_reply *reply);

/* Answer a GET with the block of |body| that |req| asks for. |etag| (may
 * be empty) is always sent, like aiocoap does for directories;
 * |content_format| < 0 means none. */
void fs_get_body(const void *body, size_t len, const uint8_t *etag,
                 size_t etag_len, int content_format, const oscore_msg *req,
                 fs_reply *reply);

#endif
