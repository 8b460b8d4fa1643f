/* Errors of the fileserver's setup and bookkeeping (configuration, root,
 * media types, rules file, inotify). Per-request outcomes are CoAP codes in
 * the reply, not fs_err values. */
#ifndef FS_ERROR_H
#define FS_ERROR_H

typedef enum {
  FS_OK = 0,
  FS_ERR_NO_MEMORY,
  FS_ERR_IO,          /* a system call failed; errno was kept */
  FS_ERR_ROOT,        /* the served directory cannot be opened as one */
  FS_ERR_ACCESS_FILE, /* rules file unreadable or malformed */
  FS_ERR_INOTIFY,     /* inotify unavailable or out of watches */
  FS_ERR_LIMIT,       /* a configured bound was reached */
} fs_err;

/* A short English description of |err|, never NULL. */
const char *fs_strerror(fs_err err);

#endif
