/* Private key files (store_cosekey.h). */
#include <errno.h>
#include <fcntl.h>
#include "oscore_secret.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "edhoc_cosekey.h"
#include "store_cosekey.h"
#include "store_diag.h"

#define MAX_FILE 4096

store_err store_cosekey_load(const char *path, edhoc_key **out,
                             store_diag *diag) {
  int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return store_fail(diag, errno == ENOENT ? STORE_ERR_MISSING : STORE_ERR_IO,
                      "%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return store_fail(diag, STORE_ERR_IO, "%s: not a regular file", path);
  }
  if (st.st_mode & 077) {
    close(fd);
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: private key is group or world accessible (mode "
                      "%04o; chmod 600 it)", path,
                      (unsigned)(st.st_mode & 07777));
  }
  uint8_t buf[MAX_FILE + 1];
  size_t n = 0;
  for (;;) {
    ssize_t got = read(fd, buf + n, sizeof buf - n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int e = errno;
      close(fd);
      oscore_wipe(buf, sizeof buf);
      return store_fail(diag, STORE_ERR_IO, "%s: %s", path, strerror(e));
    }
    if (got == 0 || (n += (size_t)got) == sizeof buf)
      break;
  }
  close(fd);
  store_err err = STORE_OK;
  const char *why = NULL;
  if (n > MAX_FILE)
    err = store_fail(diag, STORE_ERR_MALFORMED, "%s: longer than %d bytes, "
                     "not a key file", path, MAX_FILE);
  else if (edhoc_cosekey_read(OSCORE_BYTES(buf, n), out, &why) != EDHOC_OK)
    err = store_fail(diag, STORE_ERR_MALFORMED, "%s: %s", path,
                     why ? why : "not a COSE_Key");
  oscore_wipe(buf, sizeof buf);
  return err;
}

store_err store_cosekey_create(const char *path, const edhoc_key *k,
                               store_diag *diag) {
  uint8_t buf[EDHOC_COSEKEY_MAX];
  edhoc_w w;
  edhoc_w_init(&w, buf, sizeof buf);
  if (edhoc_cosekey_write(k, &w) != EDHOC_OK)
    return store_fail(diag, STORE_ERR_INVALID_ARG,
                      "%s: key cannot be encoded", path);
  /* O_EXCL | O_NOFOLLOW: never through an existing name or link; mode
   * 0600 from the start, before a byte of the key exists in the file. */
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
  if (fd < 0) {
    int e = errno;
    oscore_wipe(buf, sizeof buf);
    return store_fail(diag, e == EEXIST ? STORE_ERR_DUPLICATE : STORE_ERR_IO,
                      "%s: %s", path,
                      e == EEXIST ? "exists already, not overwritten"
                                  : strerror(e));
  }
  size_t done = 0;
  int e = 0;
  while (done < w.len) {
    ssize_t put = write(fd, buf + done, w.len - done);
    if (put < 0 && errno == EINTR)
      continue;
    if (put <= 0) {
      e = put < 0 ? errno : EIO;
      break;
    }
    done += (size_t)put;
  }
  oscore_wipe(buf, sizeof buf);
  if (e == 0 && fsync(fd) != 0)
    e = errno;
  if (close(fd) != 0 && e == 0)
    e = errno;
  if (e != 0) {
    unlink(path);
    return store_fail(diag, STORE_ERR_IO, "%s: %s", path, strerror(e));
  }
  return STORE_OK;
}
