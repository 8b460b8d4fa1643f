/* The fileserver as a function: one inner (already unprotected) request
 * and who sent it in, one response out. No sockets and no libcoap here;
 * the dispatcher glue (fs_glue.c) calls fs_serve() for every request, so
 * the unit tests drive exactly what the network would. */
#ifndef FS_SERVER_H
#define FS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fs_error.h"
#include "fs_path.h"
#include "fs_put.h"
#include "fs_reply.h"
#include "oscore_msg.h"

typedef struct {
  const char *root_dir;
  bool write;             /* --write: PUT and DELETE allowed */
  bool hidden;            /* --hidden */
  bool follow_symlinks;   /* --follow-symlinks */
  bool require_oscore;    /* --require-oscore */
  size_t etag_length;     /* --etag-length, 0..8 */
  const char *access_file;/* --access, NULL for none */
  const char *mime_file;  /* NULL: /etc/mime.types */
  fs_upload_limits uploads;
} fs_config;

/* Fill |c| with the defaults of the command line. */
void fs_config_defaults(fs_config *c);

typedef struct {
  const char *peer;       /* printable address, e.g. "[::1]:40123" */
  const char *peer_host;  /* its host group, e.g. "192.0.2.1", "fd00::/64" */
  const char *identity;   /* credential label (":client1") or "anonymous" */
  bool oscore;            /* the request came protected */
} fs_caller;

/* What happened, for the log line and for observe. */
typedef struct {
  char path[FS_PATH_BUF + 2]; /* "/a/b" or "/dir/" ("" if unparsable) */
  size_t bytes_in;        /* request payload */
  size_t bytes_out;       /* response payload */
  bool observable;        /* a file was served: |rel| may be observed */
  char rel[FS_PATH_BUF];  /* its path relative to the root */
} fs_outcome;

typedef struct fs_server fs_server;

/* Open the root, load media types and access rules. On failure a short
 * reason goes to |why| (for the command line to print). */
fs_err fs_server_new(const fs_config *cfg, fs_server **out, char *why,
                     size_t why_len);
/* Close everything; uploads in progress lose their temporary files. */
void fs_server_free(fs_server *s);

/* Answer |req| from |caller| into |reply|; |out| may be NULL. |now_ms|
 * is a monotonic clock (for upload timeouts and the listing cache). */
void fs_serve(fs_server *s, const fs_caller *caller, const oscore_msg *req,
              uint64_t now_ms, fs_reply *reply, fs_outcome *out);

/* Housekeeping to call now and then: drops idle uploads. */
void fs_server_tick(fs_server *s, uint64_t now_ms);

const fs_root *fs_server_root(const fs_server *s);

/* A descriptor that becomes readable when the file system changed under
 * kept lookups (fs_lookup_cache.h), -1 when there is none. An event loop
 * that waits on it together with the requests and calls
 * fs_server_changes() when it is readable, before the requests of that
 * wait are served, declares so with fs_server_changes_seen_elsewhere():
 * GETs then skip their own check. */
int fs_server_change_fd(const fs_server *s);
void fs_server_changes_seen_elsewhere(fs_server *s, bool yes);
void fs_server_changes(fs_server *s);

/* Directory listings built so far (the others came from the cache;
 * fs_listing_cache.h). */
size_t fs_server_listings_built(const fs_server *s);

/* Temporary upload files of earlier runs removed at start (with --write,
 * where writes are allowed; fs_leftovers.h). */
size_t fs_server_leftovers_removed(const fs_server *s);

#endif
