#include "fs_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *buf;
  size_t len, cap;
  bool over;
} sbuf;

static bool sb_reserve(sbuf *b, size_t more) {
  if (b->over || more > FS_LISTING_MAX - b->len) {
    b->over = true;
    return false;
  }
  if (b->len + more <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more)
    cap *= 2;
  char *n = realloc(b->buf, cap);
  if (!n)
    return false;
  b->buf = n;
  b->cap = cap;
  return true;
}

static bool sb_put(sbuf *b, const char *s, size_t n) {
  if (!sb_reserve(b, n))
    return false;
  memcpy(b->buf + b->len, s, n);
  b->len += n;
  return true;
}

static bool plain(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return true;
  return c != 0 && strchr("-._~!$&'()*+=:@", c) != NULL;
}

/* Append |s| percent-encoded; '/' stays when |keep_slash|. */
static bool sb_put_encoded(sbuf *b, const char *s, bool keep_slash) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (plain(*p) || (keep_slash && *p == '/')) {
      if (!sb_put(b, (const char *)p, 1))
        return false;
    } else {
      char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      if (!sb_put(b, e, 3))
        return false;
    }
  }
  return true;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

/* Read every name in |dirfd| except "." and "..". */
static fs_err read_names(int dirfd, char ***out, size_t *count) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return FS_ERR_IO;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return FS_ERR_IO;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  fs_err err = FS_OK;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      /* Each name costs at least "<x>," in the body; stop early. */
      if (ncap > FS_LISTING_MAX / 4) {
        err = FS_ERR_LIMIT;
        break;
      }
      char **nn = realloc(names, ncap * sizeof *nn);
      if (!nn) {
        err = FS_ERR_NO_MEMORY;
        break;
      }
      names = nn;
      cap = ncap;
    }
    names[n] = strdup(e->d_name);
    if (!names[n]) {
      err = FS_ERR_NO_MEMORY;
      break;
    }
    n++;
  }
  closedir(d);
  if (err != FS_OK) {
    free_names(names, n);
    return err;
  }
  if (n)
    qsort(names, n, sizeof *names, cmp_names);
  *out = names;
  *count = n;
  return FS_OK;
}

/* Classify child |name| of |dirfd| (relative path |child|): 1 file,
 * 2 directory, 0 not servable. Symlinks are resolved the way a GET would
 * resolve them, so a link out of the root (or to a hidden name) is left
 * out, and *is_link says that |where| holds the file it leads to. */
static int classify(const fs_root *root, int dirfd, const char *name,
                    const char *child, fs_resolved *where, bool *is_link) {
  struct stat st;
  *is_link = false;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  if (S_ISLNK(st.st_mode)) {
    int fd;
    if (fs_path_lookup(root, child, &fd, &st, where) != FS_PATH_OK)
      return 0;
    close(fd);
    *is_link = true;
  }
  if (S_ISREG(st.st_mode))
    return 1;
  if (S_ISDIR(st.st_mode))
    return 2;
  return 0;
}

fs_err fs_listing_build(const fs_root *root, int dirfd, const char *rel,
                        fs_listing_filter filter, void *ctx, char **out,
                        size_t *len) {
  char **names;
  size_t n;
  fs_err err = read_names(dirfd, &names, &n);
  if (err != FS_OK)
    return err;
  sbuf b = {0};
  size_t rel_len = strlen(rel);
  char child[FS_PATH_BUF];
  fs_resolved where;
  bool first = true;
  for (size_t i = 0; i < n && err == FS_OK; i++) {
    const char *name = names[i];
    if (name[0] == '.' && !root->hidden)
      continue;
    size_t nl = strlen(name);
    if (rel_len + 1 + nl >= sizeof child)
      continue;
    if (rel_len) {
      memcpy(child, rel, rel_len);
      child[rel_len] = '/';
      memcpy(child + rel_len + 1, name, nl + 1);
    } else {
      memcpy(child, name, nl + 1);
    }
    bool is_link;
    int kind = classify(root, dirfd, name, child, &where, &is_link);
    if (kind == 0)
      continue;
    if (filter && !filter(ctx, child, is_link ? &where : NULL, kind == 2))
      continue;
    bool ok = (first || sb_put(&b, ",", 1)) && sb_put(&b, "</", 2) &&
              sb_put_encoded(&b, child, true) &&
              (kind == 2 ? sb_put(&b, "/>;ct=40", 8) : sb_put(&b, ">", 1));
    first = false;
    if (!ok)
      err = b.over ? FS_ERR_LIMIT : FS_ERR_NO_MEMORY;
  }
  free_names(names, n);
  if (err != FS_OK) {
    free(b.buf);
    return err;
  }
  if (!b.buf) {
    b.buf = malloc(1);
    if (!b.buf)
      return FS_ERR_NO_MEMORY;
  }
  *out = b.buf;
  *len = b.len;
  return FS_OK;
}
