#include "fs_error.h"

const char *fs_strerror(fs_err err) {
  switch (err) {
  case FS_OK: return "success";
  case FS_ERR_NO_MEMORY: return "out of memory";
  case FS_ERR_IO: return "input/output error";
  case FS_ERR_ROOT: return "served directory cannot be opened";
  case FS_ERR_ACCESS_FILE: return "access rules file invalid";
  case FS_ERR_INOTIFY: return "inotify failed";
  case FS_ERR_LIMIT: return "limit reached";
  }
  return "unknown error";
}
