#include "fs_put.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include "fs_block.h"
#include "fs_etag.h"
#include "fs_leftovers.h"

#define MAX_IF_MATCH 8

/* The request's preconditions, kept from the first block. */
typedef struct {
  bool if_none_match;
  size_t n_if_match;          /* number of If-Match options */
  bool if_match_any;          /* one of them was empty */
  uint8_t etags[MAX_IF_MATCH][FS_ETAG_MAX];
  size_t etag_lens[MAX_IF_MATCH];
} conditions;

typedef struct {
  uint8_t *key;
  size_t key_len;
  int dirfd;                  /* target's directory, readable */
  char *name;                 /* target's last segment */
  char *rel;                  /* target's path, for If-Match */
  char tmp[40];               /* temporary file in |dirfd| */
  int fd;                     /* temporary file, written */
  uint64_t received;          /* bytes written so far */
  uint64_t last_offset;       /* where the last block started */
  uint64_t last_ms;           /* last progress */
  uint64_t started_ms;        /* first block: the lifetime counts from it */
  char *owner;                /* whose share it uses (owner_of()) */
  conditions cond;
} upload;

struct fs_uploads {
  fs_upload_limits lim;
  upload **items;
  size_t n;
  uint64_t bytes;             /* sum of |received| over |items| */
};

fs_err fs_uploads_new(const fs_upload_limits *limits, fs_uploads **out) {
  fs_uploads *u = calloc(1, sizeof *u);
  if (!u)
    return FS_ERR_NO_MEMORY;
  u->lim = *limits;
  if (u->lim.max_uploads == 0)
    u->lim.max_uploads = 1;
  if (u->lim.max_per_owner == 0 || u->lim.max_per_owner > u->lim.max_uploads)
    u->lim.max_per_owner = u->lim.max_uploads;
  /* Zero means "not set" here, never "nothing allowed". */
  if (u->lim.budget == 0)
    u->lim.budget = FS_UPLOAD_BUDGET_DEFAULT;
  if (u->lim.lifetime_ms == 0)
    u->lim.lifetime_ms = FS_UPLOAD_LIFETIME_MS_DEFAULT;
  u->items = calloc(u->lim.max_uploads, sizeof *u->items);
  if (!u->items) {
    free(u);
    return FS_ERR_NO_MEMORY;
  }
  *out = u;
  return FS_OK;
}

static void upload_drop(upload *up, bool remove_tmp) {
  if (up->fd >= 0)
    close(up->fd);
  if (remove_tmp && up->tmp[0])
    unlinkat(up->dirfd, up->tmp, 0);
  if (up->dirfd >= 0)
    close(up->dirfd);
  free(up->key);
  free(up->owner);
  free(up->name);
  free(up->rel);
  free(up);
}

static void remove_at(fs_uploads *u, size_t i) {
  u->bytes -= u->items[i]->received;
  upload_drop(u->items[i], true);
  u->items[i] = u->items[u->n - 1];
  u->items[--u->n] = NULL;
}

void fs_uploads_free(fs_uploads *u) {
  if (!u)
    return;
  while (u->n)
    remove_at(u, u->n - 1);
  free(u->items);
  free(u);
}

static bool elapsed(uint64_t now_ms, uint64_t since_ms, uint64_t limit_ms) {
  return now_ms >= since_ms && now_ms - since_ms >= limit_ms;
}

void fs_uploads_expire(fs_uploads *u, uint64_t now_ms) {
  for (size_t i = 0; i < u->n;) {
    const upload *up = u->items[i];
    if (elapsed(now_ms, up->last_ms, u->lim.timeout_ms) ||
        elapsed(now_ms, up->started_ms, u->lim.lifetime_ms))
      remove_at(u, i);
    else
      i++;
  }
}

size_t fs_uploads_count(const fs_uploads *u) { return u->n; }

uint64_t fs_uploads_bytes(const fs_uploads *u) { return u->bytes; }

/* Whose share an upload uses: the OSCORE identity, or for unprotected
 * requests the peer's address without the port (a client can pick ports
 * freely, not addresses), and of IPv6 addresses the /64 prefix (one host
 * usually holds a whole /64). malloc'd. */
static char *owner_of(const fs_write_args *a) {
  if (strcmp(a->identity, "anonymous") != 0)
    return strdup(a->identity);
  const char *host = a->peer_host ? a->peer_host : "";
  size_t hl = strlen(host);
  char *o = malloc(hl + sizeof "anonymous@");
  if (o) {
    memcpy(o, "anonymous@", sizeof "anonymous@" - 1);
    memcpy(o + sizeof "anonymous@" - 1, host, hl + 1);
  }
  return o;
}

/* Uploads in progress of |owner|, and the bytes they hold. */
static size_t owner_uploads(const fs_uploads *u, const char *owner,
                            uint64_t *bytes) {
  size_t n = 0;
  *bytes = 0;
  for (size_t i = 0; i < u->n; i++)
    if (strcmp(u->items[i]->owner, owner) == 0) {
      n++;
      *bytes += u->items[i]->received;
    }
  return n;
}

static void busy(fs_reply *reply, const char *text) {
  fs_reply_error(reply, OSCORE_CODE(5, 3), text);
  fs_reply_add_uint(reply, OSCORE_OPT_MAX_AGE, 10);
}

/* May |up| (of the table or about to join it) grow to |end| bytes? The
 * budget is shared, so one owner may hold at most half of it. */
static bool room_for(const fs_uploads *u, const upload *up, uint64_t end) {
  if (end <= up->received)
    return true;
  uint64_t grow = end - up->received, mine;
  owner_uploads(u, up->owner, &mine);
  return grow <= u->lim.budget - u->bytes &&
         grow <= u->lim.budget / 2 - (mine < u->lim.budget / 2
                                          ? mine : u->lim.budget / 2);
}

/* peer NUL identity NUL path NUL request-tag: NULs cannot occur inside the
 * first three, so different tuples never give the same key. */
static uint8_t *make_key(const fs_write_args *a, const oscore_msg *req,
                         size_t *len) {
  const oscore_opt *tag = oscore_msg_find_opt(req, OSCORE_OPT_REQUEST_TAG);
  size_t pl = strlen(a->peer), il = strlen(a->identity), rl = a->path->len;
  size_t tl = tag ? tag->value.len : 0;
  size_t n = pl + 1 + il + 1 + rl + 1 + (tag ? 1 + tl : 0);
  uint8_t *k = malloc(n);
  if (!k)
    return NULL;
  uint8_t *p = k;
  memcpy(p, a->peer, pl + 1);
  p += pl + 1;
  memcpy(p, a->identity, il + 1);
  p += il + 1;
  memcpy(p, a->path->rel, rl + 1);
  p += rl + 1;
  if (tag) {
    *p++ = 1;  /* an empty Request-Tag differs from none */
    if (tl)
      memcpy(p, tag->value.ptr, tl);
  }
  *len = n;
  return k;
}

static ssize_t find(const fs_uploads *u, const uint8_t *key, size_t len) {
  for (size_t i = 0; i < u->n; i++)
    if (u->items[i]->key_len == len && memcmp(u->items[i]->key, key, len) == 0)
      return (ssize_t)i;
  return -1;
}

static bool find_item(const fs_uploads *u, const upload *up) {
  for (size_t i = 0; i < u->n; i++)
    if (u->items[i] == up)
      return true;
  return false;
}

static bool read_conditions(const oscore_msg *req, conditions *c) {
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < req->n_opts; i++) {
    const oscore_opt *o = &req->opts[i];
    if (o->number == OSCORE_OPT_IF_NONE_MATCH) {
      c->if_none_match = true;
    } else if (o->number == OSCORE_OPT_IF_MATCH) {
      if (o->value.len > FS_ETAG_MAX || c->n_if_match == MAX_IF_MATCH)
        return false;
      if (o->value.len == 0)
        c->if_match_any = true;
      memcpy(c->etags[c->n_if_match], o->value.ptr, o->value.len);
      c->etag_lens[c->n_if_match++] = o->value.len;
    }
  }
  return true;
}

/* Current ETag of the target as a GET would see it: false when absent or
 * not servable. */
static bool current_etag(const fs_write_args *a, const char *rel,
                         uint8_t *etag, size_t *elen) {
  int fd;
  struct stat st;
  if (fs_path_open(a->root, rel, &fd, &st, NULL) != FS_PATH_OK)
    return false;
  close(fd);
  if (!S_ISREG(st.st_mode))
    return false;
  *elen = fs_etag_of_stat(&st, a->etag_len, etag);
  return true;
}

/* 0 when |c| holds for the target |name| in |dirfd| (path |rel|), else the
 * CoAP code to answer. |absent_code| is what If-Match on a missing file
 * gives (4.12 for PUT, 4.04 for DELETE as in aiocoap). */
static uint8_t check(const fs_write_args *a, int dirfd, const char *name,
                     const char *rel, const conditions *c,
                     uint8_t absent_code) {
  struct stat st;
  bool exists = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (c->if_none_match && exists)
    return OSCORE_CODE(4, 12);
  if (c->n_if_match) {
    uint8_t etag[FS_ETAG_MAX];
    size_t elen = 0;
    if (!exists)
      return absent_code;
    if (c->if_match_any)
      return 0;
    if (!current_etag(a, rel, etag, &elen) || elen == 0)
      return OSCORE_CODE(4, 12);
    for (size_t i = 0; i < c->n_if_match; i++)
      if (c->etag_lens[i] == elen && memcmp(c->etags[i], etag, elen) == 0)
        return 0;
    return OSCORE_CODE(4, 12);
  }
  return 0;
}

static void condition_reply(fs_reply *reply, uint8_t code) {
  if (code == OSCORE_CODE(4, 4))
    fs_reply_error(reply, code, "Error: File not found!");
  else
    fs_reply_error(reply, code, "Error: Precondition failed");
}

/* The target must not be a directory (or a FIFO, device...): rename would
 * fail on a directory, and we do not replace special files. */
static bool target_replaceable(int dirfd, const char *name, fs_reply *reply) {
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return true;
  if (S_ISDIR(st.st_mode)) {
    fs_reply_error(reply, OSCORE_CODE(4, 0),
                   "Error: Is a directory (cannot be replaced)");
    return false;
  }
  if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    fs_reply_error(reply, OSCORE_CODE(4, 3), "Error: Not a regular file");
    return false;
  }
  return true;
}

static int create_tmp(int dirfd, char out[40]) {
  for (int tries = 0; tries < 8; tries++) {
    uint64_t r;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
      return -1;
    snprintf(out, 40, FS_UPLOAD_TMP_PREFIX "%016llx", (unsigned long long)r);
    /* 0666 before umask, like any file a program creates; the target's own
     * mode is copied over on replacement. */
    int fd = openat(dirfd, out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                    O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST)
      return fd;
  }
  return -1;
}

static bool write_all(int fd, const uint8_t *p, size_t n, uint64_t off) {
  while (n) {
    ssize_t w = pwrite(fd, p, n, (off_t)off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    p += w;
    n -= (size_t)w;
    off += (uint64_t)w;
  }
  return true;
}

/* Make the upload visible under its name: fsync, check the preconditions
 * once more, rename (without replacing when If-None-Match), fsync the
 * directory, answer 2.04 with the new ETag. Leaves |up| for the caller
 * to drop (its temporary name is cleared when it was renamed). */
static void finish(const fs_write_args *a, upload *up, const fs_block *blk,
                   fs_reply *reply) {
  if (ftruncate(up->fd, (off_t)up->received) < 0 || fsync(up->fd) < 0) {
    fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Cannot write file");
    return;
  }
  uint8_t code = check(a, up->dirfd, up->name, up->rel, &up->cond,
                       OSCORE_CODE(4, 12));
  if (code) {
    condition_reply(reply, code);
    return;
  }
  if (!target_replaceable(up->dirfd, up->name, reply))
    return;
  struct stat old;
  if (fstatat(up->dirfd, up->name, &old, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISREG(old.st_mode))
    (void)fchmod(up->fd, old.st_mode & 0777);
  int rc;
  if (up->cond.if_none_match) {
    rc = renameat2(up->dirfd, up->tmp, up->dirfd, up->name, RENAME_NOREPLACE);
    if (rc < 0 && errno == EINVAL) {
      /* File systems without RENAME_NOREPLACE: link() fails atomically
       * with EEXIST just the same. */
      rc = linkat(up->dirfd, up->tmp, up->dirfd, up->name, 0);
      if (rc == 0)
        unlinkat(up->dirfd, up->tmp, 0);
    }
  } else {
    rc = renameat(up->dirfd, up->tmp, up->dirfd, up->name);
  }
  if (rc < 0) {
    if (errno == EEXIST)
      condition_reply(reply, OSCORE_CODE(4, 12));
    else
      fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Cannot write file");
    return;
  }
  up->tmp[0] = 0;
  (void)fsync(up->dirfd);
  struct stat st;
  uint8_t etag[FS_ETAG_MAX];
  size_t elen = 0;
  /* rename changes the inode's ctime: stat after it, on our own fd. */
  if (fstat(up->fd, &st) == 0)
    elen = fs_etag_of_stat(&st, a->etag_len, etag);
  fs_reply_init(reply, OSCORE_CODE(2, 4));
  if (elen)
    fs_reply_add_opt(reply, OSCORE_OPT_ETAG, etag, elen);
  if (blk) {
    uint8_t b[3];
    size_t n = fs_block_encode(*blk, b);
    fs_reply_add_opt(reply, OSCORE_OPT_BLOCK1, b, n);
  }
}

static upload *start(const fs_write_args *a, const oscore_msg *req,
                     uint8_t *key, size_t key_len, fs_reply *reply) {
  upload *up = calloc(1, sizeof *up);
  if (!up) {
    free(key);
    fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Out of memory");
    return NULL;
  }
  up->key = key;
  up->key_len = key_len;
  up->fd = -1;
  up->dirfd = -1;
  if (!read_conditions(req, &up->cond)) {
    fs_reply_error(reply, OSCORE_CODE(4, 0), "Error: Invalid If-Match option");
    upload_drop(up, true);
    return NULL;
  }
  const char *name;
  fs_resolved where;
  fs_path_res res = fs_path_open_parent(a->root, a->path->rel, &up->dirfd,
                                        &name, &where);
  if (res != FS_PATH_OK) {
    fs_path_error_reply(res, reply);
    upload_drop(up, true);
    return NULL;
  }
  if (a->may_write && !a->may_write(a->check_ctx, &where, reply)) {
    upload_drop(up, true);
    return NULL;
  }
  up->name = strdup(name);
  up->rel = strdup(a->path->rel);
  if (!up->name || !up->rel) {
    fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Out of memory");
    upload_drop(up, true);
    return NULL;
  }
  if (!target_replaceable(up->dirfd, up->name, reply)) {
    upload_drop(up, true);
    return NULL;
  }
  uint8_t code = check(a, up->dirfd, up->name, up->rel, &up->cond,
                       OSCORE_CODE(4, 12));
  if (code) {
    condition_reply(reply, code);
    upload_drop(up, true);
    return NULL;
  }
  up->fd = create_tmp(up->dirfd, up->tmp);
  if (up->fd < 0) {
    up->tmp[0] = 0;
    fs_reply_error(reply, errno == EACCES || errno == EROFS
                              ? OSCORE_CODE(4, 3) : OSCORE_CODE(5, 0),
                   "Error: Cannot create file");
    upload_drop(up, true);
    return NULL;
  }
  up->last_ms = a->now_ms;
  return up;
}

static void too_large(fs_reply *reply, uint64_t max) {
  fs_reply_error(reply, OSCORE_CODE(4, 13), "Error: Upload too large");
  fs_reply_add_uint(reply, OSCORE_OPT_SIZE1,
                    max > UINT32_MAX ? UINT32_MAX : (uint32_t)max);
}

/* The request's Block1 (a whole body is block 0 without more), checked
 * against RFC 7959 §2.3: only the last block may be short. */
static bool read_block1(const oscore_msg *req, fs_block *blk, bool *has,
                        fs_reply *reply) {
  *blk = (fs_block){0, false, FS_SZX_MAX};
  const oscore_opt *b1 = oscore_msg_find_opt(req, OSCORE_OPT_BLOCK1);
  *has = b1 != NULL;
  if (b1 && !fs_block_decode(b1->value, blk)) {
    fs_reply_error(reply, OSCORE_CODE(4, 0), "Error: Invalid Block1 option");
    return false;
  }
  if (blk->more && req->payload.len != fs_block_size(blk->szx)) {
    fs_reply_error(reply, OSCORE_CODE(4, 0), "Error: Block size mismatch");
    return false;
  }
  return true;
}

/* Block 0: a new upload (replacing one under the same key), within the
 * size limit and, when more blocks follow, the owner's and everyone's
 * share of slots. NULL when answered already. */
static upload *first_block(fs_uploads *u, const fs_write_args *a,
                           const oscore_msg *req, bool more, uint8_t *key,
                           size_t key_len, fs_reply *reply) {
  ssize_t idx = find(u, key, key_len);
  if (idx >= 0)  /* a new first block restarts that upload */
    remove_at(u, (size_t)idx);
  uint32_t size1;
  const oscore_opt *s1 = oscore_msg_find_opt(req, OSCORE_OPT_SIZE1);
  if (s1 && oscore_opt_uint(s1->value, &size1) == OSCORE_OK &&
      size1 > u->lim.max_size) {
    free(key);
    too_large(reply, u->lim.max_size);
    return NULL;
  }
  char *owner = owner_of(a);
  if (!owner) {
    free(key);
    fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Out of memory");
    return NULL;
  }
  uint64_t held;
  if (more && (u->n == u->lim.max_uploads ||
               owner_uploads(u, owner, &held) >= u->lim.max_per_owner)) {
    free(key);
    free(owner);
    busy(reply, u->n == u->lim.max_uploads
                    ? "Error: Too many uploads in progress"
                    : "Error: Too many uploads in progress for this client");
    return NULL;
  }
  upload *up = start(a, req, key, key_len, reply);
  if (!up) {
    free(owner);
    return NULL;
  }
  up->owner = owner;
  up->started_ms = a->now_ms;
  return up;
}

/* A later block: the next one, or the previous one again (its answer was
 * lost and the client resent it under a new OSCORE sequence number). NULL
 * when answered already. */
static upload *next_block(fs_uploads *u, ssize_t idx, uint64_t offset,
                          fs_reply *reply) {
  if (idx < 0) {
    fs_reply_error(reply, OSCORE_CODE(4, 8),
                   "Error: No upload in progress for this block");
    return NULL;
  }
  upload *up = u->items[idx];
  if (offset != up->received && offset != up->last_offset) {
    remove_at(u, (size_t)idx);
    fs_reply_error(reply, OSCORE_CODE(4, 8), "Error: Blocks out of order");
    return NULL;
  }
  return up;
}

/* Drop |up| whether or not it joined the table. */
static void forget(fs_uploads *u, upload *up) {
  ssize_t idx = find(u, up->key, up->key_len);
  if (idx >= 0)
    remove_at(u, (size_t)idx);
  else
    upload_drop(up, true);
}

/* Write the block at |offset| within the budget, and count it. Only new
 * bytes are progress: a resent block neither grows the upload nor keeps
 * it alive, so refreshing one block cannot hold a slot forever. */
static bool store_block(fs_uploads *u, const fs_write_args *a, upload *up,
                        const oscore_msg *req, uint64_t offset, bool more,
                        fs_reply *reply) {
  size_t plen = req->payload.len;
  uint64_t end = offset + plen;
  /* The last block ends the upload and frees what it holds: let it in. */
  if (more && !room_for(u, up, end)) {
    busy(reply, "Error: Too much upload data in progress");
    if (!find_item(u, up))
      upload_drop(up, true);
    return false;
  }
  if (!write_all(up->fd, req->payload.ptr, plen, offset)) {
    fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Cannot write file");
    forget(u, up);
    return false;
  }
  if (end > up->received) {
    if (find_item(u, up))
      u->bytes += end - up->received;
    up->received = end;
    up->last_ms = a->now_ms;
  }
  up->last_offset = offset;
  return true;
}

void fs_put(fs_uploads *u, const fs_write_args *a, const oscore_msg *req,
            fs_reply *reply) {
  if (a->path->dir) {
    fs_reply_error(reply, OSCORE_CODE(4, 0),
                   "Error: Cannot write a directory");
    return;
  }
  fs_block blk;
  bool has_b1;
  if (!read_block1(req, &blk, &has_b1, reply))
    return;
  uint64_t offset = fs_block_offset(blk);
  size_t key_len;
  uint8_t *key = make_key(a, req, &key_len);
  if (!key) {
    fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Out of memory");
    return;
  }
  fs_uploads_expire(u, a->now_ms);
  ssize_t idx = find(u, key, key_len);
  if (offset + req->payload.len > u->lim.max_size) {
    if (idx >= 0)
      remove_at(u, (size_t)idx);
    free(key);
    too_large(reply, u->lim.max_size);
    return;
  }
  upload *up;
  if (blk.num == 0) {
    up = first_block(u, a, req, blk.more, key, key_len, reply);
  } else {
    free(key);
    up = next_block(u, idx, offset, reply);
  }
  if (!up || !store_block(u, a, up, req, offset, blk.more, reply))
    return;
  if (blk.num == 0 && blk.more) {
    u->items[u->n++] = up;
    u->bytes += up->received;
  }
  if (blk.more) {
    fs_reply_init(reply, OSCORE_CODE(2, 31));
    uint8_t b[3];
    size_t n = fs_block_encode(blk, b);
    fs_reply_add_opt(reply, OSCORE_OPT_BLOCK1, b, n);
    return;
  }
  finish(a, up, has_b1 ? &blk : NULL, reply);
  forget(u, up);
}

void fs_delete(const fs_write_args *a, const oscore_msg *req,
               fs_reply *reply) {
  if (a->path->dir) {
    fs_reply_error(reply, OSCORE_CODE(4, 0),
                   "Error: Cannot delete a directory");
    return;
  }
  conditions c;
  if (!read_conditions(req, &c)) {
    fs_reply_error(reply, OSCORE_CODE(4, 0), "Error: Invalid If-Match option");
    return;
  }
  c.if_none_match = false;  /* meaningless for DELETE */
  int dirfd;
  const char *name;
  fs_resolved where;
  fs_path_res res = fs_path_open_parent(a->root, a->path->rel, &dirfd, &name,
                                        &where);
  if (res != FS_PATH_OK) {
    fs_path_error_reply(res, reply);
    return;
  }
  if (a->may_write && !a->may_write(a->check_ctx, &where, reply)) {
    close(dirfd);
    return;
  }
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    close(dirfd);
    fs_reply_error(reply, OSCORE_CODE(4, 4), "Error: File not found!");
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    close(dirfd);
    fs_reply_error(reply, OSCORE_CODE(4, 0),
                   "Error: Cannot delete a directory");
    return;
  }
  if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    close(dirfd);
    fs_reply_error(reply, OSCORE_CODE(4, 3), "Error: Not a regular file");
    return;
  }
  uint8_t code = check(a, dirfd, name, a->path->rel, &c, OSCORE_CODE(4, 4));
  if (code) {
    close(dirfd);
    condition_reply(reply, code);
    return;
  }
  if (unlinkat(dirfd, name, 0) < 0) {
    int e = errno;
    close(dirfd);
    if (e == ENOENT)
      fs_reply_error(reply, OSCORE_CODE(4, 4), "Error: File not found!");
    else
      fs_reply_error(reply, e == EACCES || e == EPERM || e == EROFS
                                ? OSCORE_CODE(4, 3) : OSCORE_CODE(5, 0),
                     "Error: Cannot delete file");
    return;
  }
  (void)fsync(dirfd);
  close(dirfd);
  fs_reply_init(reply, OSCORE_CODE(2, 2));
}
