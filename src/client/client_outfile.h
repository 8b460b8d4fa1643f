/* -o FILE: writing one response body to a named file without harming what
 * the name stands for.
 *
 * A regular file (or a name that does not exist yet) is replaced whole: the
 * body goes to a temporary file beside it, ".BASE.oscore-client-PID.XXXXXX",
 * which is fsynced and renamed over it when complete. Character devices
 * and FIFOs (/dev/null, /dev/stdout, a named pipe) are opened and written
 * directly: renaming over them would replace the device node or pipe with
 * a regular file. A symbolic link is followed deliberately: its resolved
 * target is what gets replaced or written, and the link stays — except a
 * link in a sticky world-writable directory (/tmp) owned by someone else
 * than us and the directory's owner, which is refused as the kernel's
 * protected_symlinks would. Directories, sockets and block devices are
 * refused. Temporary files left by a killed run (their PID no longer
 * exists) are removed by the next run writing to the same name. */
#ifndef CLIENT_OUTFILE_H
#define CLIENT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
  FILE *fp;      /* open while a body is being written */
  char *target;  /* the file that is written or replaced */
  char *tmp;     /* temporary beside |target|, NULL when writing directly */
  bool swept;    /* stale temporaries of |target| already removed */
} client_outfile;

/* Start writing a body for |path| into |f| (zeroed before first use).
 * On failure one line naming |path| and the reason is in |err|. */
bool client_outfile_open(client_outfile *f, const char *path, char *err,
                         size_t errlen);

/* The body is complete: flush, fsync and rename into place (or just flush
 * and close a device or FIFO). On failure the target is left as it was. */
bool client_outfile_commit(client_outfile *f, const char *path, char *err,
                           size_t errlen);

/* Give up on the body: close, remove the temporary. Harmless when idle. */
void client_outfile_abort(client_outfile *f);

/* The name a temporary of |target| starts with (".BASE.oscore-client-"),
 * in |out|; for tests and the sweep. False when it does not fit. */
bool client_outfile_tmp_prefix(const char *target, char *out, size_t cap);

#endif
