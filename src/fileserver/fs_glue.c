#include "fs_glue.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <time.h>

/* Upper bound on one wait: libcoap's retransmission timers are served
 * from coapx_server_run_once(), so the loop must come round often. */
#define LOOP_WAIT_MS 100
#define TICK_MS 1000

uint64_t fs_glue_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void fs_glue_handler(const coapx_request *req, coapx_response *resp,
                     void *arg) {
  fs_glue *g = arg;
  fs_caller c = {req->peer, req->peer_host,
                 req->identity ? req->identity : "anonymous",
                 req->is_protected};
  fs_reply reply;
  fs_outcome out;
  fs_serve(g->fs, &c, req->msg, fs_glue_now_ms(), &reply, &out);
  resp->msg.code = reply.msg.code;
  for (size_t i = 0; i < reply.msg.n_opts; i++) {
    const oscore_opt *o = &reply.msg.opts[i];
    if (coapx_response_add_opt(resp, o->number, o->value.ptr, o->value.len) !=
        COAPX_OK) {
      coapx_response_error(resp, OSCORE_CODE(5, 0), NULL);
      return;
    }
  }
  if (coapx_response_set_payload(resp, reply.msg.payload.ptr,
                                 reply.msg.payload.len) != COAPX_OK) {
    coapx_response_error(resp, OSCORE_CODE(5, 0), NULL);
    return;
  }
  /* Only files are observable (as in aiocoap); a listing or an error is
   * answered once, without Observe, which tells the client so. */
  if (req->observation && !req->is_notification && out.observable &&
      g->obs && (reply.msg.code >> 5) == 2 &&
      fs_observe_add(g->obs, out.rel, req->observation) == FS_OK)
    resp->observe = true;
}

void fs_glue_observe_end(coapx_observation *obs, coapx_obs_end why,
                         void *arg) {
  (void)why;
  fs_glue *g = arg;
  if (g->obs)
    fs_observe_remove(g->obs, obs);
}

void fs_glue_notify(void *handle, void *arg) {
  fs_glue *g = arg;
  if (g->srv &&
      coapx_server_notify(g->srv, handle) == COAPX_ERR_NOT_FOUND && g->obs)
    fs_observe_remove(g->obs, handle);
}

/* Thousands of observations leave thousands of small freed blocks that
 * glibc keeps; once most of the peak has gone, hand the memory back
 * (issue 13: RSS back near the start after a flood of observers). */
#define TRIM_MIN_PEAK 256

static void trim_after_observers(fs_glue *g) {
  size_t n = g->obs ? fs_observe_count(g->obs) : 0;
  if (n > g->obs_peak)
    g->obs_peak = n;
  if (g->obs_peak >= TRIM_MIN_PEAK && n * 4 < g->obs_peak) {
    malloc_trim(0);
    g->obs_peak = n;
  }
}

static coapx_err run_loop(fs_glue *g, volatile sig_atomic_t *stop) {
  int sfd = coapx_server_fd(g->srv);
  int ofd = g->obs ? fs_observe_fd(g->obs) : -1;
  uint64_t next_tick = fs_glue_now_ms() + TICK_MS;
  while (!*stop) {
    int wait = !g->obs                    ? LOOP_WAIT_MS
               : fs_observe_backlog(g->obs) ? 0
               : fs_observe_pending(g->obs) ? FS_OBSERVE_SETTLE_MS
                                            : LOOP_WAIT_MS;
    coapx_err e;
    /* inotify is read only when it has something (or a change is still
     * settling): an empty read per request was measurable under load. */
    bool events = true;
    if (sfd >= 0) {
      struct pollfd p[2] = {{sfd, POLLIN, 0}, {ofd, POLLIN, 0}};
      int n = poll(p, ofd >= 0 ? 2 : 1, wait);
      if (n < 0 && errno != EINTR)
        return COAPX_ERR_IO;
      events = n != 0 && ofd >= 0 && p[1].revents != 0;
      e = coapx_server_run_once(g->srv, 0);
    } else {
      /* libcoap without an epoll descriptor: let it wait itself. */
      e = coapx_server_run_once(g->srv, (unsigned)wait);
    }
    if (e != COAPX_OK && !*stop)
      return e;
    uint64_t now = fs_glue_now_ms();
    if (g->obs && (events || fs_observe_pending(g->obs)))
      fs_observe_process(g->obs, now);
    if (now >= next_tick) {
      fs_server_tick(g->fs, now);
      trim_after_observers(g);
      next_tick = now + TICK_MS;
    }
  }
  return COAPX_OK;
}

static void on_fs_change(void *arg) { fs_server_changes(arg); }

coapx_err fs_glue_run(fs_glue *g, volatile sig_atomic_t *stop) {
  /* Changes under kept lookups are seen by the dispatcher's own wait,
   * before the requests that came with them: no check per GET. */
  int cfd = fs_server_change_fd(g->fs);
  bool watched = cfd >= 0 && coapx_server_watch_fd(g->srv, cfd, on_fs_change,
                                                   g->fs) == COAPX_OK;
  fs_server_changes_seen_elsewhere(g->fs, watched);
  coapx_err e = run_loop(g, stop);
  if (watched) {
    coapx_server_watch_fd(g->srv, -1, NULL, NULL);
    fs_server_changes_seen_elsewhere(g->fs, false);
  }
  return e;
}
