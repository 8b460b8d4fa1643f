/* The fileserver on the dispatcher: the coapx handler that runs fs_serve()
 * for every (inner) request, the bridge between observations and inotify,
 * and the event loop that polls both. */
#ifndef FS_GLUE_H
#define FS_GLUE_H

#include <signal.h>
#include <stdint.h>
#include "coapx_server.h"
#include "fs_observe.h"
#include "fs_server.h"

typedef struct {
  fs_server *fs;
  fs_observe *obs;      /* NULL: inotify unavailable, observe declined */
  coapx_server *srv;    /* set once the server exists */
  size_t obs_peak;      /* most observers since memory was last trimmed */
} fs_glue;

/* coapx_handler_fn with |arg| an fs_glue. */
void fs_glue_handler(const coapx_request *req, coapx_response *resp,
                     void *arg);
/* coapx_observe_end_fn with |arg| an fs_glue. */
void fs_glue_observe_end(coapx_observation *obs, coapx_obs_end why,
                         void *arg);
/* fs_observe_notify_fn with |arg| an fs_glue. */
void fs_glue_notify(void *handle, void *arg);

/* Serve until |*stop| is set (within about 100 ms of it). */
coapx_err fs_glue_run(fs_glue *g, volatile sig_atomic_t *stop);

uint64_t fs_glue_now_ms(void);

#endif
