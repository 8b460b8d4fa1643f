/* Private: the <dir>/lock file that keeps two processes (ours or aiocoap's)
 * from using one context at once. aiocoap (through py-filelock) takes an
 * exclusive non-blocking flock() on that path, polling for at most 1 s, and
 * on clean exit unlinks the file before releasing; doing the same here makes
 * the two exclude each other. */
#ifndef STORE_LOCK_H
#define STORE_LOCK_H

#include "store.h"

#define STORE_LOCK_TIMEOUT_MS 1000

/* Take the lock of |dir|, retrying for STORE_LOCK_TIMEOUT_MS. On success
 * *fd holds it. Errors: STORE_ERR_LOCKED (held elsewhere), STORE_ERR_IO. */
store_err store_lock_acquire(const char *dir, int *fd, store_diag *diag);

/* Remove <dir>/lock (if it is still the file we locked) and release. */
void store_lock_release(const char *dir, int fd);

#endif
