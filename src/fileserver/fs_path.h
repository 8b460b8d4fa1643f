/* Request path -> file under the served root, safely.
 *
 * The Uri-Path segments are checked first (no ".", "..", "/" or NUL inside a
 * segment, no empty segment except a trailing one, hidden names only with
 * --hidden). Then the relative path is opened beneath a directory fd of the
 * root with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so neither a
 * crafted path nor a symlink can leave the root. A path that holds links
 * is first canonicalized (links read and spliced in as text, never
 * followed by the kernel), and that link-free path is what is opened and
 * what the caller is told (fs_resolved): access rules and --hidden are
 * checked on it too, so a link cannot reach a file the request could not
 * name. Links leading out of the root are refused (4.03); with
 * --follow-symlinks they are followed (magic links such as /proc/self/fd
 * excepted), and only the requested path is checked. Kernels without
 * openat2 (before 5.6, valgrind) open the same link-free path with a
 * component-by-component openat(O_NOFOLLOW) walk: same answers.
 *
 * Files are first opened O_PATH (which never blocks and has no side effects
 * on devices), classified with fstat, and only regular files and
 * directories are reopened for reading (O_NONBLOCK, then fstat again to
 * check it is still the same inode). FIFOs, sockets and devices are
 * refused without ever being opened for I/O. */
#ifndef FS_PATH_H
#define FS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include "fs_error.h"
#include "fs_reply.h"
#include "oscore_msg.h"

#define FS_PATH_BUF 4096

struct fs_fdcache;

typedef struct {
  int dirfd;             /* the root, O_RDONLY | O_DIRECTORY */
  struct fs_fdcache *fds; /* regular files kept open (fs_fdcache.h); NULL:
                             none, every GET opens afresh */
  bool follow_symlinks;  /* --follow-symlinks */
  bool hidden;           /* --hidden: serve names starting with '.' */
  bool use_openat2;      /* the kernel has it (tests may clear it) */
} fs_root;

typedef enum {
  FS_PATH_OK = 0,
  FS_PATH_BAD_SEGMENT,   /* ".", "..", '/' or NUL in a segment, empty one */
  FS_PATH_TOO_LONG,
  FS_PATH_HIDDEN,        /* a segment starts with '.' and --hidden is off */
  FS_PATH_NOT_FOUND,
  FS_PATH_OUTSIDE,       /* a symlink leads out of the root (or is refused) */
  FS_PATH_SPECIAL,       /* FIFO, socket or device */
  FS_PATH_DENIED,        /* the operating system refused (EACCES, EPERM) */
  FS_PATH_IO,            /* anything else */
} fs_path_res;

typedef struct {
  char rel[FS_PATH_BUF]; /* "a/b/c"; "" is the root; no leading/trailing '/' */
  size_t len;
  size_t n_segments;
  bool dir;              /* trailing slash, or the root itself */
  bool well_known_core;  /* exactly /.well-known/core */
} fs_reqpath;

/* The file a lookup ended at. */
typedef struct {
  char rel[FS_PATH_BUF]; /* its path beneath the root, links followed */
  bool outside;          /* --follow-symlinks led out of the root: |rel|
                            is "" and names nothing */
} fs_resolved;

/* Open |dir| as the served root. */
fs_err fs_root_open(const char *dir, bool follow_symlinks, bool hidden,
                    fs_root *out);
void fs_root_close(fs_root *r);
/* Once a second: close kept files not used since the last call. */
void fs_root_tick(fs_root *r);

/* Check and join the Uri-Path options of |req| into |out|. */
fs_path_res fs_path_parse(const oscore_msg *req, bool hidden,
                          fs_reqpath *out);

/* Resolve |rel| beneath the root to an O_PATH descriptor (*fd, caller
 * closes) and its fstat (*st); *where (may be NULL) says which path that
 * is. FS_PATH_HIDDEN when a link leads to a hidden name without --hidden.
 * Never opens the file for I/O. */
fs_path_res fs_path_lookup(const fs_root *r, const char *rel, int *fd,
                           struct stat *st, fs_resolved *where);

/* Resolve |rel| and open it for reading: a regular file (O_RDONLY) or a
 * directory (O_RDONLY | O_DIRECTORY). *st is the fstat of that very
 * descriptor, to be used for ETags together with what is read from it. */
fs_path_res fs_path_open(const fs_root *r, const char *rel, int *fd,
                         struct stat *st, fs_resolved *where);

/* Open the directory at |rel| for reading without following any link
 * (RESOLVE_NO_SYMLINKS, or the O_NOFOLLOW walk): an fd, or -1 when |rel|
 * holds a link or is no directory. */
int fs_path_open_dir_no_links(const fs_root *r, const char *rel);

/* For writes: open the directory that holds |rel| (a readable directory
 * fd, beneath the root) and point *name at |rel|'s last segment; *where
 * (may be NULL) is the path of the file that would be written: the
 * parent's resolved path and |name|. */
fs_path_res fs_path_open_parent(const fs_root *r, const char *rel, int *dirfd,
                                const char **name, fs_resolved *where);

/* The CoAP answer for a failed lookup, with aiocoap's texts where it has
 * one (4.04 "Error: File not found!"). */
void fs_path_error_reply(fs_path_res res, fs_reply *reply);

/* fs_path_res for an errno from open/openat2/fstatat. */
fs_path_res fs_path_from_errno(int err);

#endif
