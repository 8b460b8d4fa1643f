#include "client_outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_TAG ".oscore-client-"
/* The base name is cut in the temporary's name so that it stays within
 * NAME_MAX (255) with the tag, a PID and the random suffix added. */
#define TMP_BASE_MAX 200

static bool fail(char *err, size_t errlen, const char *path, const char *why) {
  snprintf(err, errlen, "cannot write %s: %s", path, why);
  return false;
}

static char *dir_of(const char *path) {
  char *copy = strdup(path);
  if (!copy) return NULL;
  char *d = strdup(dirname(copy));
  free(copy);
  return d;
}

bool client_outfile_tmp_prefix(const char *target, char *out, size_t cap) {
  const char *slash = strrchr(target, '/');
  const char *base = slash ? slash + 1 : target;
  int n = snprintf(out, cap, ".%.*s" TMP_TAG, TMP_BASE_MAX, base);
  return n > 0 && (size_t)n < cap;
}

/* "PID.XXXXXX" after the prefix: the PID of the run that made it. */
static bool tmp_pid(const char *rest, pid_t *pid) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(rest, &end, 10);
  if (errno || end == rest || *end != '.' || strlen(end + 1) != 6 || v == 0 ||
      v > INT32_MAX)
    return false;
  *pid = (pid_t)v;
  return true;
}

/* Remove temporaries of |target| whose writer no longer runs (a SIGKILLed
 * run cannot clean up after itself). Only regular files of ours named
 * exactly as we name them: a live PID (even a reused one) keeps its file. */
static void sweep_stale(const char *target) {
  char prefix[NAME_MAX + 1];
  char *dir = dir_of(target);
  if (!dir || !client_outfile_tmp_prefix(target, prefix, sizeof prefix)) {
    free(dir);
    return;
  }
  DIR *d = opendir(dir);
  free(dir);
  if (!d) return;
  size_t plen = strlen(prefix);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    pid_t pid;
    struct stat st;
    if (strncmp(e->d_name, prefix, plen) != 0 ||
        !tmp_pid(e->d_name + plen, &pid) || pid == getpid())
      continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && st.st_uid == geteuid())
      unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}

/* protected_symlinks' rule: in a sticky world-writable directory, follow
 * only links owned by us or by the directory's owner. Anyone can plant a
 * link in /tmp; following it would let them pick the file we replace. */
static bool link_may_be_followed(const char *path, const struct stat *lst) {
  char *dir = dir_of(path);
  struct stat dst;
  bool ok = dir && stat(dir, &dst) == 0;
  free(dir);
  if (!ok) return false;
  if (!(dst.st_mode & S_ISVTX) || !(dst.st_mode & S_IWOTH)) return true;
  return lst->st_uid == geteuid() || lst->st_uid == dst.st_uid;
}

/* Sets f->target to what |path| names and |st| to its status; *exists
 * false for a name still to be created. Through a link, a regular file is
 * named by its resolved path (the rename must replace the file, not the
 * link); anything else is opened through the link (/dev/stdout may lead to
 * a pipe, which has no path). */
static bool resolve(client_outfile *f, const char *path, struct stat *st,
                    bool *exists, char *err, size_t errlen) {
  struct stat lst;
  *exists = lstat(path, &lst) == 0;
  if (!*exists && errno != ENOENT) return fail(err, errlen, path, strerror(errno));
  if (*exists && S_ISLNK(lst.st_mode)) {
    if (!link_may_be_followed(path, &lst))
      return fail(err, errlen, path, "symbolic link in a sticky "
                  "world-writable directory, owned by someone else: refused");
    if (stat(path, st) != 0)
      return fail(err, errlen, path, errno == ENOENT
                  ? "symbolic link to a file that does not exist"
                  : strerror(errno));
    f->target = S_ISREG(st->st_mode) ? realpath(path, NULL) : strdup(path);
    if (!f->target) return fail(err, errlen, path, strerror(errno));
    return true;
  }
  if (*exists) *st = lst;
  f->target = strdup(path);
  if (!f->target) return fail(err, errlen, path, strerror(ENOMEM));
  return true;
}

/* A device or FIFO is written where it is. The fstat catches a name
 * swapped for something else between our look and the open. */
static bool open_direct(client_outfile *f, const char *path,
                        const struct stat *st, char *err, size_t errlen) {
  int fd = open(f->target, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(err, errlen, path, strerror(errno));
  struct stat now;
  if (fstat(fd, &now) != 0 || now.st_ino != st->st_ino ||
      now.st_dev != st->st_dev) {
    close(fd);
    return fail(err, errlen, path, "replaced while it was being opened");
  }
  f->fp = fdopen(fd, "wb");
  if (!f->fp) {
    close(fd);
    return fail(err, errlen, path, strerror(errno));
  }
  return true;
}

/* The temporary beside the target, so that rename() is atomic. It gets
 * the replaced file's permission bits, or those of any new file. */
static bool open_tmp(client_outfile *f, const char *path, const mode_t *keep,
                     char *err, size_t errlen) {
  if (!f->swept) {
    sweep_stale(f->target);
    f->swept = true;
  }
  char prefix[NAME_MAX + 1];
  char *dir = dir_of(f->target);
  if (!dir || !client_outfile_tmp_prefix(f->target, prefix, sizeof prefix)) {
    free(dir);
    return fail(err, errlen, path, strerror(ENOMEM));
  }
  size_t n = strlen(dir) + strlen(prefix) + 32;
  f->tmp = malloc(n);
  if (f->tmp) snprintf(f->tmp, n, "%s/%s%ld.XXXXXX", dir, prefix, (long)getpid());
  free(dir);
  if (!f->tmp) return fail(err, errlen, path, strerror(ENOMEM));
  int fd = mkostemp(f->tmp, O_CLOEXEC);
  if (fd < 0) {
    int en = errno;
    free(f->tmp);
    f->tmp = NULL;
    snprintf(err, errlen, "cannot create a temporary file for %s: %s", path,
             strerror(en));
    return false;
  }
  mode_t mode;
  if (keep) {
    mode = *keep & 07777;
  } else {
    mode_t um = umask(0);
    umask(um);
    mode = 0666 & ~um;
  }
  if (fchmod(fd, mode) != 0) { /* keep 0600: safe, just stricter */ }
  f->fp = fdopen(fd, "wb");
  if (!f->fp) {
    int en = errno;
    close(fd);
    unlink(f->tmp);
    return fail(err, errlen, path, strerror(en));
  }
  return true;
}

static void clear(client_outfile *f) {
  free(f->target);
  free(f->tmp);
  f->target = f->tmp = NULL;
  f->fp = NULL;
}

bool client_outfile_open(client_outfile *f, const char *path, char *err,
                         size_t errlen) {
  client_outfile_abort(f);
  struct stat st;
  bool exists, ok;
  if (!resolve(f, path, &st, &exists, err, errlen)) {
    ok = false;
  } else if (!exists || S_ISREG(st.st_mode)) {
    ok = open_tmp(f, path, exists ? &st.st_mode : NULL, err, errlen);
  } else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    ok = open_direct(f, path, &st, err, errlen);
  } else {
    ok = fail(err, errlen, path, S_ISDIR(st.st_mode) ? strerror(EISDIR)
              : "not a regular file, character device or FIFO");
  }
  if (!ok) clear(f);
  return ok;
}

bool client_outfile_commit(client_outfile *f, const char *path, char *err,
                           size_t errlen) {
  if (!f->fp) return true;
  FILE *fp = f->fp;
  f->fp = NULL;
  /* fsync only means something for the file we are about to rename. */
  bool ok = fflush(fp) == 0 && (!f->tmp || fsync(fileno(fp)) == 0);
  int en = errno;
  if (fclose(fp) != 0 && ok) {
    ok = false;
    en = errno;
  }
  if (ok && f->tmp && rename(f->tmp, f->target) != 0) {
    ok = false;
    en = errno;
  }
  if (!ok) {
    if (f->tmp) unlink(f->tmp);
    fail(err, errlen, path, strerror(en));
  }
  clear(f);
  return ok;
}

void client_outfile_abort(client_outfile *f) {
  if (f->fp) fclose(f->fp);
  if (f->fp && f->tmp) unlink(f->tmp);
  clear(f);
}
