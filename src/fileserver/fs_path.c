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

/* Linux's own limit on links followed in one lookup (MAXSYMLINKS). */
#define WALK_MAX_HOPS 40
/* Directories held open at once while walking; deeper is ENAMETOOLONG. */
#define WALK_MAX_DEPTH 256

/* Without openat2 (old kernels, valgrind): the same answers as openat2
 * with RESOLVE_BENEATH, done by hand. One component at a time, each opened
 * O_NOFOLLOW beneath the directory before it; a symlink is read and its
 * target spliced into the rest of the path, so links that stay inside the
 * root work while absolute ones (EXDEV), ".." above the root (EXDEV) and
 * more than WALK_MAX_HOPS links (ELOOP) are refused. The kernel never
 * follows a link itself here: one swapped in after our look is refused
 * (ELOOP), never followed. Returns an fd or -1 with errno set. */
static int walk_beneath(const fs_root *r, const char *rel, int flags) {
  char rest[FS_PATH_BUF], seg[FS_PATH_BUF], link[FS_PATH_BUF];
  int stack[WALK_MAX_DEPTH];
  size_t depth = 0;
  int hops = 0, result = -1, err = 0;
  size_t len = strlen(rel);
  if (len >= sizeof rest) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(rest, rel, len + 1);
  for (;;) {
    int cur = depth ? stack[depth - 1] : r->dirfd;
    const char *p = rest;
    while (*p == '/')
      p++;
    if (!*p) {
      result = openat(cur, ".", flags | O_CLOEXEC);
      err = errno;
      break;
    }
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    memcpy(seg, p, n);
    seg[n] = 0;
    const char *after = slash ? slash + 1 : p + n;
    /* A trailing slash leaves "" after: the component must be a
     * directory and the end opens it as ".". */
    bool last = !slash;
    if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0) {
      if (seg[1] == '.') {
        if (depth == 0) {
          err = EXDEV;
          break;
        }
        close(stack[--depth]);
      }
      memmove(rest, after, strlen(after) + 1);
      continue;
    }
    struct stat lst;
    if (fstatat(cur, seg, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
      err = errno;
      break;
    }
    if (S_ISLNK(lst.st_mode)) {
      if (++hops > WALK_MAX_HOPS) {
        err = ELOOP;
        break;
      }
      ssize_t tl = readlinkat(cur, seg, link, sizeof link - 1);
      if (tl <= 0) {
        err = tl == 0 ? ENOENT : errno;
        break;
      }
      link[tl] = 0;
      if (link[0] == '/') {
        err = EXDEV;
        break;
      }
      size_t al = strlen(after);
      if ((size_t)tl + 1 + al >= sizeof rest) {
        err = ENAMETOOLONG;
        break;
      }
      if (al || slash) {
        link[tl] = '/';
        memcpy(link + tl + 1, after, al + 1);
      }
      memcpy(rest, link, strlen(link) + 1);
      continue;
    }
    int fd = last ? openat(cur, seg, flags | O_NOFOLLOW | O_CLOEXEC)
                  : openat(cur, seg, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                                         O_CLOEXEC);
    if (fd < 0) {
      err = errno;
      break;
    }
    struct stat now;
    if (fstat(fd, &now) != 0) {
      err = errno;
      close(fd);
      break;
    }
    if (S_ISLNK(now.st_mode)) {
      /* O_PATH|O_NOFOLLOW hands back a link swapped in since fstatat. */
      close(fd);
      err = ELOOP;
      break;
    }
    if (last) {
      result = fd;
      break;
    }
    if (depth == WALK_MAX_DEPTH) {
      close(fd);
      err = ENAMETOOLONG;
      break;
    }
    stack[depth++] = fd;
    memmove(rest, after, strlen(after) + 1);
  }
  while (depth)
    close(stack[--depth]);
  if (result < 0)
    errno = err;
  return result;
}

/* Without openat2 and with --follow-symlinks: the kernel follows every
 * link, as openat2 without RESOLVE_BENEATH would. */
static int walk_open(const fs_root *r, const char *rel, int flags) {
  if (!r->follow_symlinks)
    return walk_beneath(r, rel, flags);
  return openat(r->dirfd, rel[0] ? rel : ".", flags | O_CLOEXEC);
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
  /* Both openat2 and the walk follow links that stay inside; a link
   * here can only be one swapped in mid-lookup: refused. */
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
