/* oscore-plugtest-server: the server side of the OSCORE interop tests
 * (test-spec5), on the same dispatcher as oscore-fileserver. This file only
 * wires things together: options, credentials, the event loop with the
 * notification schedule, signals and the ready line. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coapx_cli.h"
#include "coapx_signals.h"
#include "coapx_server.h"
#include "oscore_tools_version.h"
#include "plugtest_observe.h"
#include "plugtest_options.h"
#include "plugtest_resources.h"
#include "store.h"

static const char *prog = "oscore-plugtest-server";
static volatile sig_atomic_t *stop_requested;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void warn_cb(void *arg, const char *msg) {
  (void)arg;
  fprintf(stderr, "%s: warning: %s\n", prog, msg);
}

static const char *method_name(uint8_t code) {
  static const char *const names[] = {
    "-", "GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH",
  };
  return code < sizeof names / sizeof names[0] ? names[code] : "?";
}

static void log_cb(const coapx_log_entry *e, void *arg) {
  (void)arg;
  fprintf(stderr, "%s %s %s %s %s -> %u.%02u (%zu bytes)%s%s\n", e->peer,
          e->identity ? e->identity : "anonymous",
          e->is_protected ? "OSCORE" : "plain", method_name(e->method),
          e->path && *e->path ? e->path : "-",
          (unsigned)(e->code >> 5), (unsigned)(e->code & 0x1f),
          e->payload_len, e->from_cache ? " [retransmission]" : "",
          e->notification ? " [notification]" : "");
}

static int load_credentials(const char *path, store_credentials **out) {
  store_diag diag = { .warn = warn_cb };
  store_credentials *c = NULL;
  store_enable_edhoc();   /* the server runs EDHOC (edhoc-oscore entries) */
  store_err e = store_credentials_load(path, &diag, &c);
  if (e == STORE_OK) e = store_credentials_open_all(c, &diag);
  if (e != STORE_OK) {
    fprintf(stderr, "%s: %s: %s\n", prog, store_strerror(e),
            diag.msg[0] ? diag.msg : path);
    store_credentials_close(c, NULL);
    return PLUGTEST_EXIT_CONFIG;
  }
  *out = c;
  return PLUGTEST_EXIT_OK;
}

static void print_ready(const coapx_server *srv, const plugtest_options *o) {
  printf("%s: ready on", prog);
  size_t n = o->n_bind ? o->n_bind : 1;
  for (size_t i = 0; i < n; i++) {
    char host[128];
    coapx_cli_bind_host(o->n_bind ? o->bind[i] : NULL, host, sizeof host);
    printf(" %s:%u", host, (unsigned)coapx_server_port(srv, i));
  }
  printf(" (%s)\n", o->credentials ? "OSCORE" : "no OSCORE: server N");
  fflush(stdout);
}

static int serve(coapx_server *srv, plugtest_observers *obs) {
  /* libcoap's epoll descriptor also wakes for its own timers
   * (retransmissions); waiting on it ourselves lets a signal interrupt the
   * wait at once, where coap_io_process() would sleep out its timeout. */
  int fd = coapx_server_fd(srv);
  while (!*stop_requested) {
    plugtest_observe_fire(obs, srv, now_ms());
    long wait = plugtest_observe_wait_ms(obs, now_ms());
    /* At most a second, so that a signal stops us promptly. */
    unsigned t = (wait < 0 || wait > 1000) ? 1000 : (wait < 1 ? 1 : (unsigned)wait);
    coapx_err e;
    if (fd >= 0) {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      if (poll(&p, 1, (int)t) < 0 && errno != EINTR) {
        fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
        return PLUGTEST_EXIT_RUNTIME;
      }
      e = coapx_server_run_once(srv, 0);
    } else {
      e = coapx_server_run_once(srv, t);
    }
    if (e != COAPX_OK && !*stop_requested) {
      fprintf(stderr, "%s: event loop failed: %s\n", prog, coapx_strerror(e));
      return PLUGTEST_EXIT_RUNTIME;
    }
  }
  return PLUGTEST_EXIT_OK;
}

int main(int argc, char **argv) {
  plugtest_options o;
  char why[512];
  switch (plugtest_options_parse(argc, argv, &o, why, sizeof why)) {
  case PLUGTEST_OPTIONS_HELP:
    plugtest_options_help(stdout, prog);
    return PLUGTEST_EXIT_OK;
  case PLUGTEST_OPTIONS_VERSION:
    printf("%s %s\n", prog, OSCORE_TOOLS_VERSION);
    return PLUGTEST_EXIT_OK;
  case PLUGTEST_OPTIONS_ERROR:
    fprintf(stderr, "%s: %s\nUsage: %s [--bind HOST[:PORT]]... "
            "[--credentials FILE] [-v]   (--help for more)\n",
            prog, why, prog);
    return PLUGTEST_EXIT_USAGE;
  case PLUGTEST_OPTIONS_RUN:
    break;
  }

  stop_requested = coapx_stop_signals(0);

  store_credentials *creds = NULL;
  if (o.credentials) {
    int rc = load_credentials(o.credentials, &creds);
    if (rc != PLUGTEST_EXIT_OK) return rc;
  }
  /* -vv: which OSCORE each context speaks (RFC 8613 or draft-08). */
  for (size_t i = 0; o.verbosity >= 2 && store_credentials_context(creds, i);
       i++) {
    char line[700];
    store_context_describe(store_credentials_context(creds, i), line,
                           sizeof line);
    fprintf(stderr, "%s: context %s\n", prog, line);
  }

  plugtest_observers observers;
  plugtest_observers_init(&observers, o.interval_ms);
  plugtest_resources res = { .observers = &observers, .now_ms = now_ms };
  coapx_cli_tls tls;
  store_diag tls_diag = { .warn = warn_cb };
  if (!coapx_cli_tls_load(o.tls_cert, o.tls_key, &tls, &tls_diag, why,
                          sizeof why)) {
    fprintf(stderr, "%s: %s\n", prog, why);
    store_credentials_close(creds, NULL);
    return PLUGTEST_EXIT_CONFIG;
  }
  coapx_server_config cfg = {
    .bind = o.bind, .n_bind = o.n_bind, .credentials = creds,
    .handler = plugtest_handle, .handler_arg = &res,
    .on_observe_end = plugtest_observe_end, .observe_end_arg = &observers,
    .log = o.verbosity > 0 ? log_cb : NULL,
  };
  coapx_cli_tls_apply(&tls, &cfg);
  coapx_server *srv = NULL;
  size_t failed = 0;
  cfg.failed_bind = &failed;
  coapx_err e = coapx_server_new(&cfg, &srv);
  if (e != COAPX_OK) {
    /* At most 200 bytes of a (hostile, huge) address: one readable line. */
    const char *where = failed < o.n_bind ? o.bind[failed] : "[::]:5683";
    fprintf(stderr, "%s: cannot listen on %.200s%s: %s\n", prog, where,
            strlen(where) > 200 ? "..." : "", coapx_strerror(e));
    store_credentials_close(creds, NULL);
    coapx_cli_tls_free(&tls);
    return e == COAPX_ERR_ADDRESS || e == COAPX_ERR_BIND ||
                   e == COAPX_ERR_IN_USE
               ? PLUGTEST_EXIT_NETWORK
           : e == COAPX_ERR_NO_DTLS || e == COAPX_ERR_TLS_CERT
               ? PLUGTEST_EXIT_CONFIG
               : PLUGTEST_EXIT_RUNTIME;
  }
  print_ready(srv, &o);

  int rc = serve(srv, &observers);
  /* Ends the observations (their records go with them) and closes the
   * contexts, which writes the exact sequence state back. */
  coapx_server_free(srv);
  coapx_cli_tls_free(&tls);   /* libcoap kept pointers until now */
  plugtest_observers_clear(&observers);
  return rc;
}
