#include "client_payload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Block-wise numbering ends at 2^20 blocks of 1 KiB (RFC 7959 §2.2). */
#define MAX_BODY ((size_t)1 << 30)

static bool read_all(int fd, client_payload *out, const char *name, char *err,
                     size_t cap) {
  size_t have = 0, size = 0;
  uint8_t *buf = NULL;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    if ((uint64_t)st.st_size > MAX_BODY) {
      snprintf(err, cap, "--payload: %s is larger than 1 GiB", name);
      return false;
    }
    size = (size_t)st.st_size + 1;
    buf = malloc(size);
    if (!buf) {
      snprintf(err, cap, "--payload: %s: out of memory", name);
      return false;
    }
  }
  for (;;) {
    if (have == size) {
      if (size >= MAX_BODY) {
        free(buf);
        snprintf(err, cap, "--payload: %s is larger than 1 GiB", name);
        return false;
      }
      size_t ns = size ? size * 2 : 65536;
      uint8_t *nb = realloc(buf, ns);
      if (!nb) {
        free(buf);
        snprintf(err, cap, "--payload: %s: out of memory", name);
        return false;
      }
      buf = nb;
      size = ns;
    }
    ssize_t r = read(fd, buf + have, size - have);
    if (r < 0) {
      if (errno == EINTR) continue;
      int en = errno;
      free(buf);
      snprintf(err, cap, "--payload: cannot read %s: %s", name, strerror(en));
      return false;
    }
    if (r == 0) break;
    have += (size_t)r;
  }
  if (have == 0) {
    free(buf);
    buf = NULL;
  }
  out->data = buf;
  out->len = have;
  return true;
}

bool client_payload_load(const char *arg, client_payload *out, char *err,
                         size_t cap) {
  out->data = NULL;
  out->len = 0;
  if (!arg) return true;
  if (arg[0] != '@') {
    out->len = strlen(arg);
    if (out->len) {
      out->data = malloc(out->len);
      if (!out->data) {
        snprintf(err, cap, "--payload: out of memory");
        return false;
      }
      memcpy(out->data, arg, out->len);
    }
    return true;
  }
  const char *file = arg + 1;
  if (strcmp(file, "-") == 0) return read_all(0, out, "standard input", err, cap);
  if (!*file) {
    snprintf(err, cap, "--payload: '@' needs a file name (or @- for stdin)");
    return false;
  }
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, cap, "--payload: cannot open %s: %s", file, strerror(errno));
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    snprintf(err, cap, "--payload: %s is a directory", file);
    return false;
  }
  bool ok = read_all(fd, out, file, err, cap);
  close(fd);
  return ok;
}

void client_payload_free(client_payload *p) {
  free(p->data);
  p->data = NULL;
  p->len = 0;
}
