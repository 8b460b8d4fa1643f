#include "fs_leftovers.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool fs_leftovers_is_tmp_name(const char *name) {
  size_t pl = sizeof FS_UPLOAD_TMP_PREFIX - 1;
  if (strncmp(name, FS_UPLOAD_TMP_PREFIX, pl) != 0 ||
      strlen(name) != pl + FS_UPLOAD_TMP_HEX)
    return false;
  for (const char *p = name + pl; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

/* Sweep the directory |fd| (taken over and closed) and, |depth| levels
 * deep at most, those below it. */
static size_t sweep_fd(int fd, bool hidden, unsigned depth) {
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return 0;
  }
  size_t removed = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *name = e->d_name;
    if (fs_leftovers_is_tmp_name(name)) {
      struct stat st;
      if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG(st.st_mode) && unlinkat(dirfd(d), name, 0) == 0)
        removed++;
      continue;
    }
    /* Also skips "." and "..". */
    if (name[0] == '.' && (!hidden || strcmp(name, ".") == 0 ||
                           strcmp(name, "..") == 0))
      continue;
    if (depth == 0 || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
      continue;
    /* O_NOFOLLOW: a link to a directory fails here, never entered. */
    int sub = openat(dirfd(d), name,
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0)
      removed += sweep_fd(sub, hidden, depth - 1);
  }
  closedir(d);
  return removed;
}

size_t fs_leftovers_sweep(const fs_root *root, const char *rel) {
  int fd = fs_path_open_dir_no_links(root, rel);
  if (fd < 0)
    return 0;
  return sweep_fd(fd, root->hidden, FS_LEFTOVERS_MAX_DEPTH);
}
