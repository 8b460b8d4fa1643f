/* oscore-fileserver: options, signals, start and stop. Everything else is
 * in fs_server (files), fs_glue (dispatcher, observe, loop) and the layers
 * below. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coapx_cli.h"
#include "coapx_signals.h"
#include "coapx_server.h"
#include "fs_glue.h"
#include "fs_log.h"
#include "fs_observe.h"
#include "fs_options.h"
#include "fs_server.h"
#include "oscore_tools_version.h"
#include "store.h"

static const char *prog = "oscore-fileserver";
static int verbosity;


static void on_warning(void *arg, const char *msg) {
  (void)arg;
  if (verbosity >= 0)
    fprintf(stderr, "%s: warning: %s\n", prog, msg);
}

static void on_log(const coapx_log_entry *e, void *arg) {
  (void)arg;
  if (verbosity >= 1)
    fs_log_request(stderr, prog, e);
}

static int load_credentials(const char *path, store_credentials **out) {
  store_diag diag = {.warn = on_warning};
  store_credentials *c = NULL;
  store_enable_edhoc();   /* the server runs EDHOC (edhoc-oscore entries) */
  store_err e = store_credentials_load(path, &diag, &c);
  if (e == STORE_OK)
    e = store_credentials_open_all(c, &diag);
  if (e != STORE_OK) {
    fprintf(stderr, "%s: %s: %s%s%s\n", prog, path, store_strerror(e),
            diag.msg[0] ? ": " : "", diag.msg);
    /* Closing releases the contexts opened so far, writing nothing new. */
    store_credentials_close(c, NULL);
    return FS_EXIT_CONFIG;
  }
  *out = c;
  return FS_EXIT_OK;
}

int main(int argc, char **argv) {
  fs_options o;
  char why[512] = "";
  switch (fs_options_parse(argc, argv, &o, why, sizeof why)) {
  case FS_OPTIONS_HELP:
    fs_options_help(stdout, prog);
    return FS_EXIT_OK;
  case FS_OPTIONS_VERSION:
    printf("%s %s\n", prog, OSCORE_TOOLS_VERSION);
    return FS_EXIT_OK;
  case FS_OPTIONS_ERROR:
    fprintf(stderr, "%s: %s\nUsage: %s [OPTIONS] [DIR] (see --help)\n", prog,
            why, prog);
    return FS_EXIT_USAGE;
  case FS_OPTIONS_RUN:
    break;
  }
  verbosity = o.verbosity;
  coapx_libcoap_verbosity(verbosity >= 2 ? verbosity - 1 : 0);
  volatile sig_atomic_t *stop_flag = coapx_stop_signals(COAPX_STOP_ON_HUP);

  fs_glue g = {0};
  fs_err fe = fs_server_new(&o.fs, &g.fs, why, sizeof why);
  if (fe != FS_OK) {
    fprintf(stderr, "%s: %s\n", prog, why[0] ? why : fs_strerror(fe));
    return FS_EXIT_CONFIG;
  }
  if (verbosity >= 1 && fs_server_leftovers_removed(g.fs))
    fprintf(stderr, "%s: removed %zu leftover upload file%s of an earlier "
            "run\n", prog, fs_server_leftovers_removed(g.fs),
            fs_server_leftovers_removed(g.fs) == 1 ? "" : "s");
  char *root_abs = realpath(o.fs.root_dir, NULL);
  if (!root_abs ||
      fs_observe_new(fs_server_root(g.fs), root_abs, fs_glue_notify, &g,
                     &g.obs) != FS_OK) {
    g.obs = NULL;
    on_warning(NULL, "inotify unavailable: observe requests are answered "
                     "once, without notifications");
  }
  free(root_abs);

  store_credentials *creds = NULL;
  if (o.credentials) {
    int rc = load_credentials(o.credentials, &creds);
    if (rc != FS_EXIT_OK) {
      fs_observe_free(g.obs);
      fs_server_free(g.fs);
      return rc;
    }
  }

  coapx_cli_tls tls;
  store_diag tls_diag = {.warn = on_warning};
  if (!coapx_cli_tls_load(o.tls_cert, o.tls_key, &tls, &tls_diag, why,
                          sizeof why)) {
    fprintf(stderr, "%s: %s\n", prog, why);
    store_credentials_close(creds, NULL);
    fs_observe_free(g.obs);
    fs_server_free(g.fs);
    return FS_EXIT_CONFIG;
  }
  coapx_server_config sc = {
    .bind = o.bind, .n_bind = o.n_bind, .credentials = creds,
    .handler = fs_glue_handler, .handler_arg = &g,
    .on_observe_end = fs_glue_observe_end, .observe_end_arg = &g,
    .log = on_log,
    .max_observers = o.max_observers,
    .max_edhoc_contexts = o.max_edhoc_sessions,
    .max_observers_per_peer = o.max_observers_per_peer,
  };
  coapx_cli_tls_apply(&tls, &sc);
  size_t failed = 0;
  sc.failed_bind = &failed;
  coapx_err ce = coapx_server_new(&sc, &g.srv);
  if (ce != COAPX_OK) {
    /* At most 200 bytes of a (hostile, huge) address: one readable line. */
    const char *where = failed < o.n_bind ? o.bind[failed] : "[::]:5683";
    fprintf(stderr, "%s: cannot listen on %.200s%s: %s\n", prog, where,
            strlen(where) > 200 ? "..." : "", coapx_strerror(ce));
    store_credentials_close(creds, NULL);
    coapx_cli_tls_free(&tls);
    fs_observe_free(g.obs);
    fs_server_free(g.fs);
    return ce == COAPX_ERR_ADDRESS || ce == COAPX_ERR_BIND ||
                   ce == COAPX_ERR_IN_USE
               ? FS_EXIT_NETWORK
           : ce == COAPX_ERR_NO_DTLS || ce == COAPX_ERR_TLS_CERT
               ? FS_EXIT_CONFIG
               : FS_EXIT_RUNTIME;
  }
  /* -vv: which OSCORE each context speaks (RFC 8613 or draft-08). */
  for (size_t i = 0; verbosity >= 2 && store_credentials_context(creds, i);
       i++) {
    char line[700];
    store_context_describe(store_credentials_context(creds, i), line,
                           sizeof line);
    fprintf(stderr, "%s: context %s\n", prog, line);
  }
  if (verbosity >= 0) {
    for (size_t i = 0; i < (o.n_bind ? o.n_bind : 1); i++) {
      /* The host as given, the port as bound (port 0 picks one). */
      char host[128];
      coapx_cli_bind_host(o.n_bind ? o.bind[i] : NULL, host, sizeof host);
      fprintf(stderr, "%s: listening on %s:%u\n", prog, host,
              coapx_server_port(g.srv, i));
    }
    fflush(stderr);
  }

  ce = fs_glue_run(&g, stop_flag);
  int status = FS_EXIT_OK;
  if (ce != COAPX_OK) {
    fprintf(stderr, "%s: %s\n", prog, coapx_strerror(ce));
    status = FS_EXIT_RUNTIME;
  }
  /* Ends observations, then closes the credentials: every context writes
   * its exact sequence.json and releases its lock. Uploads in progress
   * lose their temporary files. */
  coapx_server_free(g.srv);
  g.srv = NULL;
  coapx_cli_tls_free(&tls);   /* libcoap kept pointers until now */
  fs_observe_free(g.obs);
  fs_server_free(g.fs);
  if (verbosity >= 1)
    fprintf(stderr, "%s: stopped\n", prog);
  return status;
}
