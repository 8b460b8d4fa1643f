#include "fs_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fs_access.h"
#include "fs_etag.h"
#include "fs_get.h"
#include "fs_leftovers.h"
#include "fs_listing.h"
#include "fs_listing_cache.h"
#include "fs_lookup_cache.h"
#include "fs_mime.h"

struct fs_server {
  fs_config cfg;
  fs_root root;
  fs_mime *mime;
  fs_access *access;      /* NULL: no rules file */
  fs_uploads *uploads;
  size_t leftovers_removed; /* at start (fs_leftovers.h) */
  fs_listing_cache *listings;
  size_t listings_built;
  fs_lookup_cache *lookups; /* NULL: every GET looks up afresh */
};

void fs_config_defaults(fs_config *c) {
  memset(c, 0, sizeof *c);
  c->root_dir = ".";
  c->etag_length = FS_ETAG_MAX;
  c->uploads.max_uploads = FS_UPLOADS_DEFAULT;
  c->uploads.max_per_owner = FS_UPLOADS_PER_OWNER_DEFAULT;
  c->uploads.max_size = FS_UPLOAD_MAX_DEFAULT;
  c->uploads.budget = FS_UPLOAD_BUDGET_DEFAULT;
  c->uploads.timeout_ms = FS_UPLOAD_TIMEOUT_MS_DEFAULT;
  c->uploads.lifetime_ms = FS_UPLOAD_LIFETIME_MS_DEFAULT;
}

static void sweep_prefix(void *ctx, const char *prefix) {
  fs_server *s = ctx;
  s->leftovers_removed += fs_leftovers_sweep(&s->root, prefix);
}

/* Temporary files of uploads cut short by a crash, only where this server
 * may write (fs_leftovers.h). */
static void sweep_leftovers(fs_server *s) {
  if (s->access)
    fs_access_each_writable(s->access, sweep_prefix, s);
  else
    sweep_prefix(s, "");
}

fs_err fs_server_new(const fs_config *cfg, fs_server **out, char *why,
                     size_t why_len) {
  fs_server *s = calloc(1, sizeof *s);
  if (!s)
    return FS_ERR_NO_MEMORY;
  s->cfg = *cfg;
  s->root.dirfd = -1;
  if (s->cfg.etag_length > FS_ETAG_MAX)
    s->cfg.etag_length = FS_ETAG_MAX;
  fs_err e = fs_root_open(cfg->root_dir, cfg->follow_symlinks, cfg->hidden,
                          &s->root);
  if (e != FS_OK) {
    if (why && why_len)
      snprintf(why, why_len, "%s: not a readable directory", cfg->root_dir);
    fs_server_free(s);
    return e;
  }
  e = fs_mime_load(cfg->mime_file, &s->mime);
  if (e == FS_OK && cfg->access_file)
    e = fs_access_load(cfg->access_file, &s->access, why, why_len);
  if (e == FS_OK)
    e = fs_uploads_new(&cfg->uploads, &s->uploads);
  if (e == FS_OK)
    e = fs_listing_cache_new(&s->listings);
  if (e == FS_OK)
    s->lookups = fs_lookup_cache_new();
  if (e != FS_OK) {
    fs_server_free(s);
    return e;
  }
  if (cfg->write)
    sweep_leftovers(s);
  *out = s;
  return FS_OK;
}

void fs_server_free(fs_server *s) {
  if (!s)
    return;
  fs_listing_cache_free(s->listings);
  fs_lookup_cache_free(s->lookups);
  fs_uploads_free(s->uploads);
  fs_access_free(s->access);
  fs_mime_free(s->mime);
  fs_root_close(&s->root);
  free(s);
}

void fs_server_tick(fs_server *s, uint64_t now_ms) {
  fs_uploads_expire(s->uploads, now_ms);
  fs_root_tick(&s->root);
  fs_lookup_cache_tick(s->lookups);
}

const fs_root *fs_server_root(const fs_server *s) { return &s->root; }

int fs_server_change_fd(const fs_server *s) {
  return fs_lookup_cache_fd(s->lookups);
}

void fs_server_changes_seen_elsewhere(fs_server *s, bool yes) {
  fs_lookup_cache_checked_elsewhere(s->lookups, yes);
}

void fs_server_changes(fs_server *s) { fs_lookup_cache_changes(s->lookups); }

size_t fs_server_listings_built(const fs_server *s) {
  return s->listings_built;
}

size_t fs_server_leftovers_removed(const fs_server *s) {
  return s->leftovers_removed;
}

/* The request's path was allowed; the file reached through links must be
 * too, or a link would hand out what no rule grants. A link out of the
 * root (only with --follow-symlinks) names no path of ours: the operator
 * asked for it to be followed. */
static bool allowed_at(const fs_server *s, const char *identity,
                       const fs_resolved *where, unsigned right) {
  return where->outside ||
         (fs_access_rights(s->access, identity, where->rel) & right);
}

typedef struct {
  const fs_server *s;
  const fs_caller *c;
} caller_ctx;

static bool readable(void *ctx, const char *rel, const fs_resolved *where,
                     bool is_dir) {
  (void)is_dir;
  const caller_ctx *f = ctx;
  return (fs_access_rights(f->s->access, f->c->identity, rel) &
          FS_RIGHT_READ) &&
         (!where || allowed_at(f->s, f->c->identity, where, FS_RIGHT_READ));
}

/* Anonymous callers are asked to authenticate; identified ones (OSCORE,
 * or a DTLS or TLS pre-shared key) are refused. */
static void refuse(const fs_caller *c, fs_reply *reply) {
  if (strcmp(c->identity, "anonymous") == 0)
    fs_reply_error(reply, OSCORE_CODE(4, 1), "Error: Authentication required");
  else
    fs_reply_error(reply, OSCORE_CODE(4, 3), "Error: Forbidden");
}

static bool writable(void *ctx, const fs_resolved *where, fs_reply *reply) {
  const caller_ctx *f = ctx;
  if (allowed_at(f->s, f->c->identity, where, FS_RIGHT_WRITE))
    return true;
  refuse(f->c, reply);
  return false;
}

/* A listing (fs_listing.h) from the cache (fs_listing_cache.h) when it is
 * still valid, else built and kept: a block-wise download then costs one
 * build, not one per block. |st| is the fstat of |fd|, taken before the
 * build, so a change during the build is seen by the next request. */
static void get_dir(fs_server *s, const fs_caller *c, int fd,
                    const struct stat *st, const char *rel,
                    const oscore_msg *req, uint64_t now_ms,
                    fs_reply *reply) {
  /* Without rules every caller gets the same listing. */
  const char *who = s->access ? c->identity : "";
  const fs_listing_body *kept =
      fs_listing_cache_get(s->listings, st, rel, who, now_ms);
  if (kept) {
    fs_get_body(kept->body, kept->len, kept->etag, kept->etag_len, 40, req,
                reply);
    return;
  }
  fs_listing_body b;
  caller_ctx fc = {s, c};
  s->listings_built++;
  fs_err e = fs_listing_build(&s->root, fd, rel, s->access ? readable : NULL,
                              &fc, &b.body, &b.len);
  if (e != FS_OK) {
    fs_reply_error(reply, OSCORE_CODE(5, 0),
                   e == FS_ERR_LIMIT ? "Error: Directory listing too large"
                                     : "Error: Cannot read directory");
    return;
  }
  b.etag_len = fs_etag_of_bytes(b.body, b.len, s->cfg.etag_length, b.etag);
  kept = fs_listing_cache_put(s->listings, st, rel, who, now_ms, &b);
  const fs_listing_body *use = kept ? kept : &b;
  fs_get_body(use->body, use->len, use->etag, use->etag_len, 40, req, reply);
  if (!kept)
    free(b.body);
}

/* A regular file's answer; GETs of it may be observed. */
static void get_file(fs_server *s, int fd, const struct stat *st,
                     const fs_reqpath *p, const oscore_msg *req,
                     fs_reply *reply, fs_outcome *out) {
  const char *slash = strrchr(p->rel, '/');
  fs_get_file(fd, st, slash ? slash + 1 : p->rel, s->mime,
              s->cfg.etag_length, req, reply);
  if (out && (reply->msg.code == OSCORE_CODE(2, 5) ||
              reply->msg.code == OSCORE_CODE(2, 3))) {
    out->observable = true;
    memcpy(out->rel, p->rel, p->len + 1);
  }
}

static void get(fs_server *s, const fs_caller *c, const fs_reqpath *p,
                const oscore_msg *req, uint64_t now_ms, fs_reply *reply,
                fs_outcome *out) {
  int fd;
  struct stat st;
  if (!p->dir) {
    /* Kept only for link-free paths: the file's path is the requested
     * one, whose access rights fs_serve() checked (fs_lookup_cache.h). */
    fd = fs_lookup_cache_get(s->lookups, p->rel, &st);
    if (fd >= 0) {
      get_file(s, fd, &st, p, req, reply, out);
      return;
    }
  }
  fs_resolved where;
  bool owned = true;
  fs_path_res res =
      p->dir ? fs_path_open(&s->root, p->rel, &fd, &st, &where)
             : fs_lookup_cache_open(s->lookups, &s->root, p->rel, &fd, &st,
                                    &where, &owned);
  if (res != FS_PATH_OK) {
    fs_path_error_reply(res, reply);
    return;
  }
  if (!allowed_at(s, c->identity, &where, FS_RIGHT_READ)) {
    refuse(c, reply);
  } else if (S_ISDIR(st.st_mode)) {
    if (!p->dir)
      fs_reply_error(reply, OSCORE_CODE(4, 0),
                     "Error: Not a file (add trailing slash)");
    else
      get_dir(s, c, fd, &st, p->rel, req, now_ms, reply);
  } else if (p->dir) {
    fs_reply_error(reply, OSCORE_CODE(4, 0),
                   "Error: Not a directory (strip the trailing slash)");
  } else {
    get_file(s, fd, &st, p, req, reply, out);
  }
  if (owned)
    close(fd);
}

void fs_serve(fs_server *s, const fs_caller *c, const oscore_msg *req,
              uint64_t now_ms, fs_reply *reply, fs_outcome *out) {
  fs_outcome dummy;
  if (!out)
    out = &dummy;
  out->path[0] = 0;
  out->rel[0] = 0;
  out->observable = false;
  out->bytes_in = req->payload.len;
  out->bytes_out = 0;

  fs_reqpath p;
  fs_path_res res = fs_path_parse(req, s->cfg.hidden, &p);
  if (res == FS_PATH_OK || res == FS_PATH_HIDDEN)
    snprintf(out->path, sizeof out->path, "/%s%s", p.rel,
             p.dir && p.len ? "/" : "");

  uint8_t code = req->code;
  bool writes = code == OSCORE_CODE_PUT || code == OSCORE_CODE_DELETE;
  if (s->cfg.require_oscore && !c->oscore) {
    fs_reply_error(reply, OSCORE_CODE(4, 1), "Error: OSCORE required");
  } else if (code != OSCORE_CODE_GET && !writes) {
    fs_reply_error(reply, OSCORE_CODE(4, 5), "Error: Method not allowed");
  } else if (writes && !s->cfg.write) {
    /* aiocoap answers a bare 4.03 here; the text says why. */
    fs_reply_error(reply, OSCORE_CODE(4, 3), "Error: Server is read-only");
  } else if (res != FS_PATH_OK) {
    fs_path_error_reply(res, reply);
  } else if (p.well_known_core) {
    if (code != OSCORE_CODE_GET)
      fs_reply_error(reply, OSCORE_CODE(4, 5), "Error: Method not allowed");
    else
      fs_get_body(FS_WELL_KNOWN_CORE, strlen(FS_WELL_KNOWN_CORE), NULL, 0, 40,
                  req, reply);
  } else if (!(fs_access_rights(s->access, c->identity, p.rel) &
               (writes ? FS_RIGHT_WRITE : FS_RIGHT_READ))) {
    refuse(c, reply);
  } else if (code == OSCORE_CODE_GET) {
    get(s, c, &p, req, now_ms, reply, out);
  } else {
    caller_ctx wc = {s, c};
    fs_write_args a = {&s->root, &p, c->peer, c->peer_host, c->identity,
                       s->cfg.etag_length, now_ms,
                       s->access ? writable : NULL, &wc};
    if (code == OSCORE_CODE_PUT)
      fs_put(s->uploads, &a, req, reply);
    else
      fs_delete(&a, req, reply);
  }
  out->bytes_out = reply->msg.payload.len;
}
