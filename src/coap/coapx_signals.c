#include "coapx_signals.h"
#include <string.h>

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

volatile sig_atomic_t *coapx_stop_signals(unsigned flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = (flags & COAPX_STOP_SECOND_KILLS) ? SA_RESETHAND : 0;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  if (flags & COAPX_STOP_ON_HUP)
    sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  return &stop_flag;
}
