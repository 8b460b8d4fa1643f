#include "fs_path.h"

#include <errno.h>
#include "fs_fdcache.h"
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* openat2 with RESOLVE_BENEATH returns EAGAIN when a rename or mount raced
 * with the lookup; retrying is the documented answer. */
#define OPENAT2_RETRIES 8

fs_err fs_root_open(const char *dir, bool follow_symlinks, bool hidden,
                    fs_root *out) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return FS_ERR_ROOT;
  out->dirfd = fd;
  out->fds = fs_fdcache_new();
  out->follow_symlinks = follow_symlinks;
  out->hidden = hidden;
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH};
  long probe = syscall(SYS_openat2, fd, ".", &how, sizeof how);
  out->use_openat2 = probe >= 0;
  if (probe >= 0)
    close((int)probe);
  return FS_OK;
}

void fs_root_close(fs_root *r) {
  if (r->dirfd >= 0)
    close(r->dirfd);
  r->dirfd = -1;
  fs_fdcache_free(r->fds);
  r->fds = NULL;
}

void fs_root_tick(fs_root *r) { fs_fdcache_tick(r->fds); }

static bool segment_ok(oscore_bytes s) {
  if ((s.len == 1 && s.ptr[0] == '.') ||
      (s.len == 2 && s.ptr[0] == '.' && s.ptr[1] == '.'))
    return false;
  return memchr(s.ptr, '/', s.len) == NULL && memchr(s.ptr, 0, s.len) == NULL;
}

fs_path_res fs_path_parse(const oscore_msg *req, bool hidden,
                          fs_reqpath *out) {
  size_t total = 0, seen = 0;
  for (size_t i = 0; i < req->n_opts; i++)
    if (req->opts[i].number == OSCORE_OPT_URI_PATH)
      total++;
  out->len = 0;
  out->n_segments = 0;
  out->rel[0] = 0;
  out->dir = false;
  out->well_known_core = false;
  bool has_hidden = false;
  for (size_t i = 0; i < req->n_opts; i++) {
    const oscore_opt *o = &req->opts[i];
    if (o->number != OSCORE_OPT_URI_PATH)
      continue;
    seen++;
    if (o->value.len == 0) {
      /* Only a final empty segment is meaningful: it is the trailing slash
       * that asks for a directory. "a//b" would name the same file as
       * "a/b" on disk; refusing it keeps one spelling per resource. */
      if (seen != total)
        return FS_PATH_BAD_SEGMENT;
      out->dir = true;
      continue;
    }
    if (!segment_ok(o->value))
      return FS_PATH_BAD_SEGMENT;
    if (o->value.ptr[0] == '.')
      has_hidden = true;
    size_t need = o->value.len + (out->len ? 1 : 0);
    if (need >= FS_PATH_BUF - out->len)
      return FS_PATH_TOO_LONG;
    if (out->len)
      out->rel[out->len++] = '/';
    memcpy(out->rel + out->len, o->value.ptr, o->value.len);
    out->len += o->value.len;
    out->rel[out->len] = 0;
    out->n_segments++;
  }
  if (out->n_segments == 0)
    out->dir = true;
  if (!out->dir && strcmp(out->rel, ".well-known/core") == 0) {
    out->well_known_core = true;
    return FS_PATH_OK;
  }
  if (has_hidden && !hidden)
    return FS_PATH_HIDDEN;
  return FS_PATH_OK;
}

fs_path_res fs_path_from_errno(int err) {
  switch (err) {
  case ENOENT:
  case ENOTDIR:
  case ENAMETOOLONG:
    return FS_PATH_NOT_FOUND;
  case EXDEV:
  case ELOOP:
    return FS_PATH_OUTSIDE;
  case EACCES:
  case EPERM:
    return FS_PATH_DENIED;
  default:
    return FS_PATH_IO;
  }
}

/* Without openat2: walk one component at a time, never following a
 * symlink (O_NOFOLLOW on every component) unless --follow-symlinks.
 * Returns an fd or -1 with errno set; a refused symlink is ELOOP. */
static int walk_open(const fs_root *r, const char *rel, int flags) {
  int nofollow = r->follow_symlinks ? 0 : O_NOFOLLOW;
  if (!rel[0])
    return openat(r->dirfd, ".", flags | O_CLOEXEC);
  int cur = r->dirfd;
  const char *p = rel;
  char seg[FS_PATH_BUF];
  for (;;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    memcpy(seg, p, n);
    seg[n] = 0;
    int next = slash ? openat(cur, seg, O_PATH | O_DIRECTORY | nofollow |
                                            O_CLOEXEC)
                     : openat(cur, seg, flags | nofollow | O_CLOEXEC);
    int saved = errno;
    if (next < 0 && saved == ENOTDIR && nofollow) {
      /* O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR: report it
       * as a refused link, not as a missing directory. */
      struct stat lst;
      if (fstatat(cur, seg, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(lst.st_mode))
        saved = ELOOP;
    }
    if (cur != r->dirfd)
      close(cur);
    if (next < 0) {
      errno = saved;
      return -1;
    }
    if (!slash)
      return next;
    cur = next;
    p = slash + 1;
  }
}

static int resolve(const fs_root *r, const char *rel, int flags) {
  if (!r->use_openat2)
    return walk_open(r, rel, flags);
  struct open_how how = {
    .flags = (unsigned long long)(flags | O_CLOEXEC),
    .resolve = RESOLVE_NO_MAGICLINKS |
               (r->follow_symlinks ? 0 : RESOLVE_BENEATH),
  };
  const char *p = rel[0] ? rel : ".";
  for (int i = 0; i < OPENAT2_RETRIES; i++) {
    long fd = syscall(SYS_openat2, r->dirfd, p, &how, sizeof how);
    if (fd >= 0)
      return (int)fd;
    if (errno != EAGAIN)
      return -1;
  }
  return -1;
}

fs_path_res fs_path_lookup(const fs_root *r, const char *rel, int *fd,
                           struct stat *st) {
  int pfd = resolve(r, rel, O_PATH);
  if (pfd < 0)
    return fs_path_from_errno(errno);
  if (fstat(pfd, st) < 0) {
    int e = errno;
    close(pfd);
    return fs_path_from_errno(e);
  }
  /* The walk opens O_PATH|O_NOFOLLOW, which hands back the link itself
   * when the last component is a symlink: refused. (openat2 with
   * RESOLVE_BENEATH already followed links that stay inside.) */
  if (S_ISLNK(st->st_mode)) {
    close(pfd);
    return FS_PATH_OUTSIDE;
  }
  *fd = pfd;
  return FS_PATH_OK;
}

fs_path_res fs_path_open(const fs_root *r, const char *rel, int *fd,
                         struct stat *st) {
  struct stat first;
  int pfd;
  fs_path_res res = fs_path_lookup(r, rel, &pfd, &first);
  if (res != FS_PATH_OK)
    return res;
  if (S_ISDIR(first.st_mode)) {
    /* Opening "." relative to the O_PATH fd reopens that same directory:
     * no second lookup by name, so nothing can be swapped in between. */
    int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    close(pfd);
    if (dfd < 0)
      return fs_path_from_errno(e);
    if (fstat(dfd, st) < 0) {
      e = errno;
      close(dfd);
      return fs_path_from_errno(e);
    }
    *fd = dfd;
    return FS_PATH_OK;
  }
  close(pfd);
  if (!S_ISREG(first.st_mode))
    return FS_PATH_SPECIAL;
  /* The name still leads to an inode we hold open, unchanged: read that
   * (fs_fdcache.h). */
  int kept = fs_fdcache_get(r->fds, &first);
  if (kept >= 0) {
    *fd = kept;
    *st = first;
    return FS_PATH_OK;
  }
  /* Regular files need a second lookup (Linux cannot reopen an O_PATH fd
   * without /proc). O_NONBLOCK and the identity check make a file swapped
   * for a FIFO or device in between harmless: refused, never waited on. */
  int rfd = resolve(r, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (rfd < 0)
    return fs_path_from_errno(errno);
  if (fstat(rfd, st) < 0) {
    int e = errno;
    close(rfd);
    return fs_path_from_errno(e);
  }
  if (!S_ISREG(st->st_mode) || st->st_ino != first.st_ino ||
      st->st_dev != first.st_dev) {
    close(rfd);
    return S_ISREG(st->st_mode) ? FS_PATH_NOT_FOUND : FS_PATH_SPECIAL;
  }
  fs_fdcache_put(r->fds, rfd, st);
  *fd = rfd;
  return FS_PATH_OK;
}

fs_path_res fs_path_open_parent(const fs_root *r, const char *rel, int *dirfd,
                                const char **name) {
  const char *slash = strrchr(rel, '/');
  char parent[FS_PATH_BUF];
  if (slash) {
    size_t n = (size_t)(slash - rel);
    memcpy(parent, rel, n);
    parent[n] = 0;
    *name = slash + 1;
  } else {
    parent[0] = 0;
    *name = rel;
  }
  struct stat st;
  int fd;
  fs_path_res res = fs_path_open(r, parent, &fd, &st);
  if (res != FS_PATH_OK)
    return res;
  if (!S_ISDIR(st.st_mode)) {
    close(fd);
    return FS_PATH_NOT_FOUND;
  }
  *dirfd = fd;
  return FS_PATH_OK;
}

void fs_path_error_reply(fs_path_res res, fs_reply *reply) {
  switch (res) {
  case FS_PATH_OK:
    break;
  case FS_PATH_BAD_SEGMENT:
    fs_reply_error(reply, OSCORE_CODE(4, 0), "Error: Invalid path segment");
    break;
  case FS_PATH_TOO_LONG:
    fs_reply_error(reply, OSCORE_CODE(4, 14), "Error: Path too long");
    break;
  case FS_PATH_HIDDEN: /* indistinguishable from absence on purpose */
  case FS_PATH_NOT_FOUND:
    fs_reply_error(reply, OSCORE_CODE(4, 4), "Error: File not found!");
    break;
  case FS_PATH_OUTSIDE:
    fs_reply_error(reply, OSCORE_CODE(4, 3),
                   "Error: Symbolic link leads outside the served directory");
    break;
  case FS_PATH_SPECIAL:
    fs_reply_error(reply, OSCORE_CODE(4, 3), "Error: Not a regular file");
    break;
  case FS_PATH_DENIED:
    fs_reply_error(reply, OSCORE_CODE(4, 3), "Error: Permission denied");
    break;
  case FS_PATH_IO:
    fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Cannot read file");
    break;
  }
}
