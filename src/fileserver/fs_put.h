/* Writes (--write): PUT with block-wise upload, and DELETE.
 *
 * A PUT body is spooled into a hidden temporary file in the target's own
 * directory as its blocks arrive (RFC 7959 Block1), then fsync'd and
 * renamed over the target, and the directory fsync'd: readers see the old
 * file or the new one, never a mix, and a crash leaves at worst a stray
 * temporary file. Uploads in progress are keyed by peer, identity, path and
 * Request-Tag (RFC 9175), so two clients (or one client's two uploads)
 * never mix their blocks.
 *
 * Uploads in progress are state a peer makes the server keep, so every
 * dimension is bounded, and per owner (the OSCORE identity; for
 * unprotected requests the peer's address without its port, of IPv6 the
 * /64 prefix), so that one owner cannot take what others need: at most max_per_owner uploads each
 * and max_uploads in all; bytes held by all uploads at most budget, by
 * one owner at most half of it; an upload ends when idle for timeout_ms
 * (a resent block is not progress and does not count as activity) and
 * lifetime_ms after its first block however busy it is.
 *
 * Preconditions (RFC 7252 §5.10.8, 5.10.10): If-None-Match fails with 4.12
 * when the target exists, and is made atomic with renameat2(NOREPLACE);
 * If-Match fails with 4.12 when the target is absent or none of the given
 * ETags is current (an empty If-Match only asks that it exist). They are
 * checked on the first block, to fail early, and again just before the
 * rename. The answer is 2.04 with the ETag of the file just written,
 * taken from the fstat of the descriptor that was written. */
#ifndef FS_PUT_H
#define FS_PUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fs_error.h"
#include "fs_path.h"
#include "fs_reply.h"
#include "oscore_msg.h"

typedef struct {
  size_t max_uploads;     /* concurrent block-wise uploads */
  size_t max_per_owner;   /* ... of one identity (or anonymous address) */
  uint64_t max_size;      /* bytes per upload */
  uint64_t budget;        /* bytes held by all uploads in progress */
  uint64_t timeout_ms;    /* idle time after which an upload is dropped */
  uint64_t lifetime_ms;   /* time from the first block to the drop */
} fs_upload_limits;

#define FS_UPLOADS_DEFAULT 16
#define FS_UPLOADS_PER_OWNER_DEFAULT 4
#define FS_UPLOAD_MAX_DEFAULT (UINT64_C(1) << 30) /* 2^20 blocks of 1 KiB */
#define FS_UPLOAD_BUDGET_DEFAULT (UINT64_C(2) << 30)
#define FS_UPLOAD_TIMEOUT_MS_DEFAULT 120000
#define FS_UPLOAD_LIFETIME_MS_DEFAULT 3600000

typedef struct fs_uploads fs_uploads;

fs_err fs_uploads_new(const fs_upload_limits *limits, fs_uploads **out);
/* Drop every upload in progress, removing its temporary file. */
void fs_uploads_free(fs_uploads *u);
/* Drop uploads idle since before |now_ms| - timeout, or older than their
 * lifetime. */
void fs_uploads_expire(fs_uploads *u, uint64_t now_ms);
size_t fs_uploads_count(const fs_uploads *u);
/* Bytes held by the uploads in progress. */
uint64_t fs_uploads_bytes(const fs_uploads *u);

/* May the caller write the file at |where| (the request's path with links
 * followed)? When not, the refusal is put in |reply| and false returned. */
typedef bool (*fs_write_check)(void *ctx, const fs_resolved *where,
                               fs_reply *reply);

typedef struct {
  const fs_root *root;
  const fs_reqpath *path;
  const char *peer;       /* printable address, part of the upload key */
  const char *peer_host;  /* its host group: the owner of an anonymous
                           * upload (coapx_addr_format_host_group) */
  const char *identity;   /* credential label or "anonymous" */
  size_t etag_len;
  uint64_t now_ms;        /* a monotonic clock */
  fs_write_check may_write; /* NULL: anywhere the request path may */
  void *check_ctx;
} fs_write_args;

/* Handle one PUT request (one block of it, or all of it). */
void fs_put(fs_uploads *u, const fs_write_args *a, const oscore_msg *req,
            fs_reply *reply);
/* Handle a DELETE: 2.02, 4.04 when absent, 4.12 on an If-Match mismatch,
 * 4.00 for directories (which cannot be created either). */
void fs_delete(const fs_write_args *a, const oscore_msg *req,
               fs_reply *reply);

#endif
