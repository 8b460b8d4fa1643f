/* Stopping a program's event loop by signal, the same way in every program
 * of ours: SIGINT and SIGTERM (and SIGHUP on request) set a flag that the
 * loops check (coapx_server_run's stop flag, the client engine's .stop), so
 * that security contexts are closed cleanly and their exact sequence state
 * written. No SA_RESTART: a blocked poll() returns at once. SIGPIPE is
 * ignored: a closed pipe is a write error, reported like any other. */
#ifndef COAPX_SIGNALS_H
#define COAPX_SIGNALS_H

#include <signal.h>

enum {
  /* A second signal takes the default action (kills at once): a clean
   * shutdown that hangs can still be interrupted with another Ctrl-C. */
  COAPX_STOP_SECOND_KILLS = 1,
  /* SIGHUP stops too (a server whose terminal went away). */
  COAPX_STOP_ON_HUP = 2,
};

/* Install the handlers (|flags|: COAPX_STOP_*) and return the flag they
 * set to 1. Call once, from main(). */
volatile sig_atomic_t *coapx_stop_signals(unsigned flags);

#endif
