/* Observe on files (RFC 7641), driven by inotify instead of aiocoap's
 * 10-second polling.
 *
 * For every observed path two watches are kept: one on the directory that
 * holds it (sees the name being created, deleted or renamed over, which is
 * how our PUT and most editors replace files) and one on the file itself
 * (sees in-place writes, also when the path runs through a symlink inside
 * the root). An event only marks the path; once it has been quiet for
 * FS_OBSERVE_SETTLE_MS (or dirty for FS_OBSERVE_MAX_DELAY_MS during a long
 * write) the file is looked up again the safe way (fs_path_lookup) and its
 * observers are notified when (inode, device, size, mtime, ctime) changed,
 * or when it is gone: the notification is then the 4.04 that ends the
 * observation. Observers are opaque handles (the dispatcher's
 * coapx_observation), so this file knows nothing of CoAP. */
#ifndef FS_OBSERVE_H
#define FS_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fs_error.h"
#include "fs_path.h"

#define FS_OBSERVE_SETTLE_MS 30
/* Notifications sent per fs_observe_process() call at most: thousands of
 * observers of one file are notified in slices, with the server's other
 * requests served between them (issue 13: other clients within 50 ms). */
#define FS_OBSERVE_BATCH 128
#define FS_OBSERVE_MAX_DELAY_MS 1000

typedef struct fs_observe fs_observe;

/* Called for each observer of a changed file. It may call
 * fs_observe_remove() for that very handle (the observation ended). */
typedef void (*fs_observe_notify_fn)(void *handle, void *arg);

/* |root| must outlive the fs_observe; |root_path| is the served directory
 * as given on the command line (watches need path names). */
fs_err fs_observe_new(const fs_root *root, const char *root_path,
                      fs_observe_notify_fn notify, void *arg,
                      fs_observe **out);
void fs_observe_free(fs_observe *o);

/* The inotify descriptor: poll it for POLLIN. */
int fs_observe_fd(const fs_observe *o);

/* Start notifying |handle| about the file at |rel|. FS_ERR_INOTIFY when no
 * watch could be set (then do not accept the observation). */
fs_err fs_observe_add(fs_observe *o, const char *rel, void *handle);
/* Stop notifying |handle| (unknown handles are ignored). */
void fs_observe_remove(fs_observe *o, void *handle);

/* Read what inotify has, queue the observers of files that changed and
 * settled by |now_ms| (a monotonic clock), and notify at most
 * FS_OBSERVE_BATCH of the queue. Returns how many were notified. */
size_t fs_observe_process(fs_observe *o, uint64_t now_ms);
/* True while a change waits for its settle time or observers wait in the
 * queue: poll with a short timeout then. */
bool fs_observe_pending(const fs_observe *o);
/* True while observers wait in the queue: call fs_observe_process() again
 * without waiting (after serving what arrived). */
bool fs_observe_backlog(const fs_observe *o);

/* Observers in total. */
size_t fs_observe_count(const fs_observe *o);

#endif
