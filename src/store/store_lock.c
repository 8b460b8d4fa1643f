/* flock() on <dir>/lock, compatible with aiocoap's FileLock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "store_diag.h"
#include "store_lock.h"

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The lock file is the one at |path| right now (not one a closing holder
 * already unlinked: locking that would exclude nobody). */
static bool still_linked(const char *path, int fd) {
  struct stat a, b;
  if (fstat(fd, &a) != 0 || stat(path, &b) != 0)
    return false;
  return a.st_nlink > 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

store_err store_lock_acquire(const char *dir, int *fd, store_diag *diag) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/lock", dir) >= sizeof path)
    return store_fail(diag, STORE_ERR_INVALID_ARG, "%s: path too long", dir);

  long long deadline = now_ms() + STORE_LOCK_TIMEOUT_MS;
  /* Bounded by the deadline; 50 ms between tries like py-filelock. */
  for (;;) {
    /* No O_TRUNC needed: the file carries no content, only the lock. */
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
      return store_fail(diag, STORE_ERR_IO, "cannot create lock file %s: %s",
                        path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) == 0) {
      if (still_linked(path, f)) {
        *fd = f;
        return STORE_OK;
      }
      close(f);
      /* Raced with a holder that just unlinked it: try the new file. */
    } else {
      int e = errno;
      close(f);
      if (e != EWOULDBLOCK && e != EINTR)
        return store_fail(diag, STORE_ERR_IO, "cannot lock %s: %s", path,
                          strerror(e));
    }
    if (now_ms() >= deadline)
      return store_fail(diag, STORE_ERR_LOCKED,
                        "security context %s is in use by another process "
                        "(it holds %s); only one process may use a context "
                        "at a time", dir, path);
    struct timespec pause = { 0, 50 * 1000000L };
    nanosleep(&pause, NULL);
  }
}

void store_lock_release(const char *dir, int fd) {
  if (fd < 0)
    return;
  char path[4096];
  /* Unlink before unlocking, as aiocoap does; a waiter that already opened
   * the old file notices it is unlinked (still_linked) and retries. */
  if ((size_t)snprintf(path, sizeof path, "%s/lock", dir) < sizeof path &&
      still_linked(path, fd))
    unlink(path);
  close(fd);
}
