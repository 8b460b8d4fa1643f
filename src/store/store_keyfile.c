#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "oscore_secret.h"
#include "store_diag.h"

store_err store_keyfile_read(const char *path, const char *what, bool secret,
                             uint8_t **buf, size_t *len, store_diag *diag) {
  *buf = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return store_fail(diag, STORE_ERR_IO, "%s: cannot open %s: %s", what, path,
                      strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
      st.st_size > STORE_KEYFILE_MAX) {
    close(fd);
    return store_fail(diag, STORE_ERR_IO, "%s: %s is not a PEM file of 1 to "
                      "%d bytes", what, path, STORE_KEYFILE_MAX);
  }
  if (secret && (st.st_mode & (S_IRGRP | S_IROTH)))
    store_warn(diag, "%s: %s holds a private key and is readable by group "
               "or others (chmod 600 it)", what, path);
  size_t n = (size_t)st.st_size, got = 0;
  uint8_t *b = malloc(n + 1);
  if (!b) {
    close(fd);
    return store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory", what);
  }
  while (got < n) {
    ssize_t r = read(fd, b + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  int saved = errno;
  close(fd);
  if (got != n) {
    store_keyfile_free(b, n);
    return store_fail(diag, STORE_ERR_IO, "%s: cannot read %s%s%s", what, path,
                      got < n ? ": " : "", got < n ? strerror(saved) : "");
  }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return STORE_OK;
}

void store_keyfile_free(uint8_t *buf, size_t len) {
  if (!buf) return;
  oscore_wipe(buf, len + 1);   /* the NUL too */
  free(buf);
}
