#include "fs_path.h"

#include <errno.h>
#include "fs_fdcache.h"
#include <fcntl.h>
#include <limits.h>
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

/* Without openat2 (old kernels, valgrind): what openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS does, by hand. One component at a
 * time, each opened O_NOFOLLOW beneath the directory before it, so the
 * kernel never follows a link here: any link (also one swapped in after
 * our look) is ELOOP. |rel| never holds "." or ".." (fs_path_parse and
 * canonicalize() leave none). Returns an fd or -1 with errno set. */
static int walk_no_links(const fs_root *r, const char *rel, int flags) {
  int stack[WALK_MAX_DEPTH];
  size_t depth = 0;
  int result = -1, err = 0;
  const char *p = rel;
  for (;;) {
    int cur = depth ? stack[depth - 1] : r->dirfd;
    while (*p == '/')
      p++;
    if (!*p) {
      result = openat(cur, ".", flags | O_CLOEXEC);
      err = errno;
      break;
    }
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    char seg[NAME_MAX + 1];
    if (n > NAME_MAX) {
      err = ENAMETOOLONG;
      break;
    }
    memcpy(seg, p, n);
    seg[n] = 0;
    p += n;
    if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0) {
      err = EXDEV;
      break;
    }
    bool last = !slash;
    int fd = last ? openat(cur, seg, flags | O_NOFOLLOW | O_CLOEXEC)
                  : openat(cur, seg, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                                         O_CLOEXEC);
    struct stat now;
    if (fd < 0 || fstat(fd, &now) != 0) {
      /* O_DIRECTORY|O_NOFOLLOW on a link is ENOTDIR: say ELOOP, as
       * RESOLVE_NO_SYMLINKS would. */
      err = errno;
      if (fd < 0 && err == ENOTDIR) {
        struct stat lst;
        if (fstatat(cur, seg, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(lst.st_mode))
          err = ELOOP;
      }
      if (fd >= 0)
        close(fd);
      break;
    }
    if (S_ISLNK(now.st_mode)) {
      /* O_PATH|O_NOFOLLOW hands back the link itself. */
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
  }
  while (depth)
    close(stack[--depth]);
  if (result < 0)
    errno = err;
  return result;
}

/* openat2(2) of |rel| ("" is the root itself) relative to the root's
 * descriptor with |resolve|, retried a few times on EAGAIN (openat2(2):
 * a concurrent rename made the kernel unsure a ".." stayed inside). */
static int openat2_retry(const fs_root *r, const char *rel, int flags,
                         unsigned long long resolve) {
  struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                         .resolve = resolve};
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

/* Open |rel| beneath the root without following any link: ELOOP when the
 * path holds one. */
static int open_no_links(const fs_root *r, const char *rel, int flags) {
  if (!r->use_openat2)
    return walk_no_links(r, rel, flags);
  return openat2_retry(r, rel, flags,
                       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                           RESOLVE_NO_MAGICLINKS);
}

/* --follow-symlinks and a link out of the root: let the kernel follow
 * every link (magic ones excepted). */
static int open_following(const fs_root *r, const char *rel, int flags) {
  if (!r->use_openat2)
    return openat(r->dirfd, rel[0] ? rel : ".", flags | O_CLOEXEC);
  return openat2_retry(r, rel, flags, RESOLVE_NO_MAGICLINKS);
}

/* Append segment |seg| (|n| bytes) to the path |out| of *len bytes. */
static bool push_segment(char *out, size_t *len, const char *seg, size_t n) {
  if (*len + 1 + n >= FS_PATH_BUF)
    return false;
  if (*len)
    out[(*len)++] = '/';
  memcpy(out + *len, seg, n);
  *len += n;
  out[*len] = 0;
  return true;
}

/* The path |rel| names once its links are followed, as text relative to
 * the root, with neither links nor "." or ".." left in it: *out. Links
 * are read (readlinkat) and spliced in, as the kernel would, but nothing
 * is opened; the caller opens the result with open_no_links(), so a link
 * swapped in between is refused (ELOOP), never followed. 0, or EXDEV when
 * a link leads out of the root (absolute, or ".." above it), ELOOP beyond
 * WALK_MAX_HOPS links, or the errno of a failed fstatat/readlinkat. */
static int canonicalize(const fs_root *r, const char *rel, char *out) {
  char rest[FS_PATH_BUF], link[FS_PATH_BUF];
  size_t len = 0, rl = strlen(rel);
  int hops = 0;
  if (rl >= sizeof rest)
    return ENAMETOOLONG;
  memcpy(rest, rel, rl + 1);
  out[0] = 0;
  const char *p = rest;
  for (;;) {
    while (*p == '/')
      p++;
    if (!*p)
      return 0;
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    const char *after = p + n;
    if (n == 1 && p[0] == '.') {
      p = after;
      continue;
    }
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (len == 0)
        return EXDEV;
      char *up = strrchr(out, '/');
      len = up ? (size_t)(up - out) : 0;
      out[len] = 0;
      p = after;
      continue;
    }
    size_t before = len;
    if (!push_segment(out, &len, p, n))
      return ENAMETOOLONG;
    struct stat lst;
    if (fstatat(r->dirfd, out, &lst, AT_SYMLINK_NOFOLLOW) != 0)
      return errno;
    if (!S_ISLNK(lst.st_mode)) {
      p = after;
      continue;
    }
    if (++hops > WALK_MAX_HOPS)
      return ELOOP;
    ssize_t tl = readlinkat(r->dirfd, out, link, sizeof link - 1);
    if (tl <= 0)
      return tl == 0 ? ENOENT : errno;
    if (link[0] == '/')
      return EXDEV;
    size_t al = strlen(after);
    if ((size_t)tl + al >= sizeof link)
      return ENAMETOOLONG;
    memcpy(link + tl, after, al + 1);  /* |after| starts with '/' or is "" */
    memcpy(rest, link, (size_t)tl + al + 1);
    p = rest;
    len = before;
    out[len] = 0;
  }
}

static bool has_hidden_segment(const char *rel) {
  for (const char *p = rel; *p;) {
    if (*p == '.')
      return true;
    const char *slash = strchr(p, '/');
    if (!slash)
      break;
    p = slash + 1;
  }
  return false;
}

/* Open |rel| with |flags|, following links the way the root allows, and
 * say in *where which file that is. Paths without links take one
 * open_no_links(); the others are canonicalized first and their result
 * opened without following links. Returns an fd or -1 with errno set. */
static int resolve(const fs_root *r, const char *rel, int flags,
                   fs_resolved *where) {
  where->outside = false;
  int fd = open_no_links(r, rel, flags);
  if (fd >= 0 || errno != ELOOP) {
    size_t n = strlen(rel);
    if (n >= sizeof where->rel) {
      if (fd >= 0)
        close(fd);
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(where->rel, rel, n + 1);
    return fd;
  }
  int e = canonicalize(r, rel, where->rel);
  if (e == EXDEV && r->follow_symlinks) {
    /* Out of the root on purpose: no path of ours names the target. */
    where->outside = true;
    where->rel[0] = 0;
    return open_following(r, rel, flags);
  }
  if (e != 0) {
    errno = e;
    return -1;
  }
  return open_no_links(r, where->rel, flags);
}

int fs_path_open_dir_no_links(const fs_root *r, const char *rel) {
  return open_no_links(r, rel, O_RDONLY | O_DIRECTORY);
}

fs_path_res fs_path_lookup(const fs_root *r, const char *rel, int *fd,
                           struct stat *st, fs_resolved *where) {
  fs_resolved scratch;
  if (!where)
    where = &scratch;
  int pfd = resolve(r, rel, O_PATH, where);
  if (pfd < 0)
    return fs_path_from_errno(errno);
  /* A link may lead to a hidden name: --hidden holds for what is served,
   * not only for how it was asked for. */
  if (!r->hidden && !where->outside && has_hidden_segment(where->rel)) {
    close(pfd);
    return FS_PATH_HIDDEN;
  }
  if (fstat(pfd, st) < 0) {
    int e = errno;
    close(pfd);
    return fs_path_from_errno(e);
  }
  /* No lookup above follows a link as its last step unchecked; a link
   * here can only be one swapped in mid-lookup: refused. */
  if (S_ISLNK(st->st_mode)) {
    close(pfd);
    return FS_PATH_OUTSIDE;
  }
  *fd = pfd;
  return FS_PATH_OK;
}

fs_path_res fs_path_open(const fs_root *r, const char *rel, int *fd,
                         struct stat *st, fs_resolved *where) {
  struct stat first;
  int pfd;
  fs_resolved scratch;
  if (!where)
    where = &scratch;
  fs_path_res res = fs_path_lookup(r, rel, &pfd, &first, where);
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
  fs_resolved again;
  int rfd = resolve(r, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, &again);
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
                                const char **name, fs_resolved *where) {
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
  fs_resolved scratch;
  if (!where)
    where = &scratch;
  fs_path_res res = fs_path_open(r, parent, &fd, &st, where);
  if (res != FS_PATH_OK)
    return res;
  if (!S_ISDIR(st.st_mode)) {
    close(fd);
    return FS_PATH_NOT_FOUND;
  }
  /* The written file is the name itself in the parent's real directory:
   * PUT and DELETE replace or remove a link, never follow it. */
  size_t len = strlen(where->rel);
  if (!where->outside &&
      !push_segment(where->rel, &len, *name, strlen(*name))) {
    close(fd);
    return FS_PATH_TOO_LONG;
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
