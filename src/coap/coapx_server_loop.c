/* The server's wait: libcoap's epoll set with the application's own
 * descriptor in it, read on while requests keep coming. */
#include <errno.h>
#include <sys/epoll.h>
#include "coapx_server_priv.h"

/* libcoap 4.3.1 reads one datagram per coap_io_process(); under load the
 * next is usually queued already. Reading on while requests keep coming
 * saves the caller's poll() per request; the bound keeps an application's
 * own descriptors (inotify) served. */
#define RUN_ONCE_MAX_ROUNDS 32
#define RUN_ONCE_EVENTS 16

/* libcoap's coap_io_process() prepares its timers (coap_io_prepare_epoll:
 * every session walked, timerfd_settime) before its epoll_wait, and
 * coap_io_do_epoll() ends with the same preparation, so under load every
 * request paid for it twice. Here the wait is ours: the first round
 * prepares, later ones rely on the preparation that ended the previous
 * round; retransmissions and timeouts still run once per datagram. Our own
 * wait also sees the application's descriptor (coapx_server_watch_fd) in
 * the same epoll_wait as the datagrams, so its callback runs before they
 * are handled. Returns < 0 on failure. */
static int io_round(coapx_server *srv, int epfd, int wait_ms) {
  struct epoll_event ev[RUN_ONCE_EVENTS];
  int n = epoll_wait(epfd, ev, RUN_ONCE_EVENTS, wait_ms);
  if (n < 0) return errno == EINTR ? 0 : -1;
  int k = 0;
  bool app = false;
  for (int i = 0; i < n; i++) {
    if (ev[i].data.ptr == &srv->app_marker)
      app = true;
    else
      ev[k++] = ev[i];
  }
  /* A full array may have left the application's event out. */
  if (srv->app_fd >= 0 && (app || n == RUN_ONCE_EVENTS))
    srv->app_ready(srv->app_arg);
  if (k > 0) coap_io_do_epoll(srv->ctx, ev, (size_t)k);
  return 0;
}

/* The first round: libcoap's timers first, then wait at most |timeout_ms|
 * or until its next timer. */
static int first_round(coapx_server *srv, int epfd, unsigned timeout_ms) {
  coap_tick_t now;
  coap_ticks(&now);
  unsigned next = coap_io_prepare_epoll(srv->ctx, now);   /* 0: none */
  unsigned wait = timeout_ms;
  if (next && next < wait) wait = next;
  return io_round(srv, epfd, (int)wait);
}

coapx_err coapx_server_run_once(coapx_server *srv, unsigned timeout_ms) {
  if (!srv) return COAPX_ERR_INVALID_ARG;
  int epfd = coap_context_get_coap_fd(srv->ctx);
  unsigned long before = srv->handled;
  /* libcoap reads 0 as "wait for ever". */
  int r = epfd >= 0 ? first_round(srv, epfd, timeout_ms)
                    : coap_io_process(srv->ctx,
                                      timeout_ms ? timeout_ms : COAP_IO_NO_WAIT);
  coapx_server_close_excess(srv);
  coapx_server_flush_pending(srv);
  for (int i = 1; r >= 0 && i < RUN_ONCE_MAX_ROUNDS && srv->handled != before;
       i++) {
    before = srv->handled;
    r = epfd >= 0 ? io_round(srv, epfd, 0)
                  : coap_io_process(srv->ctx, COAP_IO_NO_WAIT);
    coapx_server_close_excess(srv);
    coapx_server_flush_pending(srv);
  }
  return r < 0 ? COAPX_ERR_IO : COAPX_OK;
}

coapx_err coapx_server_watch_fd(coapx_server *srv, int fd,
                                void (*on_ready)(void *arg), void *arg) {
  if (!srv || (fd >= 0 && !on_ready)) return COAPX_ERR_INVALID_ARG;
  int epfd = coap_context_get_coap_fd(srv->ctx);
  if (epfd < 0) return COAPX_ERR_IO;
  if (srv->app_fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, srv->app_fd, NULL);
    srv->app_fd = -1;
  }
  if (fd < 0) return COAPX_OK;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &srv->app_marker };
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return COAPX_ERR_IO;
  srv->app_fd = fd;
  srv->app_ready = on_ready;
  srv->app_arg = arg;
  return COAPX_OK;
}

coapx_err coapx_server_run(coapx_server *srv, volatile sig_atomic_t *stop) {
  if (!srv || !stop) return COAPX_ERR_INVALID_ARG;
  while (!*stop) {
    coapx_err e = coapx_server_run_once(srv, 1000);
    if (e != COAPX_OK) return e;
  }
  return COAPX_OK;
}

int coapx_server_fd(const coapx_server *srv) {
  return srv ? coap_context_get_coap_fd(srv->ctx) : -1;
}
