/* oscore-load: a load generator for CoAP/OSCORE servers on loopback
 * (bench/README.md). Options in load_options.c, the request loop in
 * load_run.c (and why it is a raw socket loop), measurements in
 * load_stats.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "coapx_signals.h"
#include "coapx_uri.h"
#include "load_net.h"
#include "load_options.h"
#include "load_run.h"
#include "load_stats.h"
#include "oscore_tools_version.h"
#include "store.h"

#define PROG "oscore-load"
#define MAX_TMPL_OPTS 40

enum { EXIT_OK = 0, EXIT_ERRORS = 1, EXIT_USAGE = 2, EXIT_CONFIG = 3,
       EXIT_ADDRESS = 6 };

static volatile sig_atomic_t *stop_flag;

static void warn_cb(void *arg, const char *msg) {
  const load_opts *o = arg;
  if (!o->quiet) fprintf(stderr, PROG ": warning: %s\n", msg);
}

/* The contexts requests are spread over; |creds| keeps the maps open. */
typedef struct {
  load_ctx *ctxs;
  size_t n;
  store_credentials **creds;
  size_t n_creds;
  store_context **owned;       /* opened from directories */
  size_t n_owned;
} ctx_set;

static void ctx_set_close(ctx_set *cs, const load_opts *o) {
  store_diag diag = { .warn = warn_cb, .warn_arg = (void *)o };
  /* Clean close writes each context's exact sequence number back. */
  for (size_t i = 0; i < cs->n_owned; i++)
    if (store_context_close(cs->owned[i], &diag) != STORE_OK)
      fprintf(stderr, PROG ": %s\n", diag.msg);
  for (size_t i = 0; i < cs->n_creds; i++)
    if (store_credentials_close(cs->creds[i], &diag) != STORE_OK)
      fprintf(stderr, PROG ": %s\n", diag.msg);
  free(cs->ctxs);
  free(cs->creds);
  free(cs->owned);
  memset(cs, 0, sizeof *cs);
}

static int ctx_set_open(ctx_set *cs, const load_opts *o, const char *uri) {
  size_t total = o->n_creds + o->n_dirs;
  cs->ctxs = calloc(total ? total : 1, sizeof *cs->ctxs);
  cs->creds = calloc(o->n_creds ? o->n_creds : 1, sizeof *cs->creds);
  cs->owned = calloc(o->n_dirs ? o->n_dirs : 1, sizeof *cs->owned);
  if (!cs->ctxs || !cs->creds || !cs->owned) {
    fprintf(stderr, PROG ": out of memory\n");
    return EXIT_ERRORS;
  }
  if (total == 0) {
    cs->n = 1;   /* plain CoAP: one context without security */
    return EXIT_OK;
  }
  store_diag diag = { .warn = warn_cb, .warn_arg = (void *)o };
  /* Maps shared with servers may hold edhoc-oscore entries: they load,
   * and only a URI that needs one is refused (store_credentials_for_uri). */
  store_enable_edhoc();
  for (size_t i = 0; i < o->n_creds; i++) {
    store_credentials *c;
    if (store_credentials_load(o->creds[i], &diag, &c) != STORE_OK) {
      fprintf(stderr, PROG ": %s\n", diag.msg);
      return EXIT_CONFIG;
    }
    cs->creds[cs->n_creds++] = c;
    store_context *sc;
    if (store_credentials_for_uri(c, uri, &diag, &sc, NULL) != STORE_OK) {
      fprintf(stderr, PROG ": %s\n", diag.msg);
      return EXIT_CONFIG;
    }
    if (!sc) {
      fprintf(stderr, PROG ": %s: no entry matches %s\n", o->creds[i], uri);
      return EXIT_CONFIG;
    }
    cs->ctxs[cs->n++].sc = sc;
  }
  for (size_t i = 0; i < o->n_dirs; i++) {
    store_context *sc;
    if (store_context_open(o->dirs[i], &diag, &sc) != STORE_OK) {
      fprintf(stderr, PROG ": %s\n", diag.msg);
      return EXIT_CONFIG;
    }
    cs->owned[cs->n_owned++] = sc;
    cs->ctxs[cs->n++].sc = sc;
  }
  return EXIT_OK;
}

static unsigned long errors_of(const load_result *r) {
  return r->code_4xx + r->code_5xx + r->code_other + r->unprotected +
         r->verify_failed + r->lost + r->reset + r->send_failed;
}

static double cpu_self(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static const char *method_name(uint8_t m) {
  static const char *const names[] = { "?", "GET", "POST", "PUT", "DELETE",
                                       "FETCH" };
  return m < 6 ? names[m] : "?";
}

typedef struct {
  bool have_server;
  double server_cpu, client_cpu;
  unsigned long store_writes;   /* sequence.json writes of our contexts */
} cpu_use;

static unsigned long store_writes(const ctx_set *cs) {
  unsigned long n = 0;
  for (size_t i = 0; i < cs->n; i++)
    if (cs->ctxs[i].sc) n += store_context_write_count(cs->ctxs[i].sc);
  return n;
}

static void report(const load_opts *o, const load_target *t,
                   const ctx_set *cs, const load_result *r, const cpu_use *u) {
  double secs = (double)r->elapsed_ns / 1e9;
  double rps = secs > 0 ? (double)r->ok / secs : 0;
  unsigned long errs = errors_of(r);
  bool prot = cs->ctxs[0].sc != NULL;
  double per_req = r->ok ? u->server_cpu * 1e6 / (double)r->ok : 0;
  if (o->kv) {
    printf("target %s\nmethod %s\nsecurity %s\ncontexts %zu\nconcurrency %u\n"
           "requests %lu\nsent %lu\nok %lu\nerrors %lu\ncode_4xx %lu\n"
           "code_5xx %lu\nunprotected %lu\nverify_failed %lu\nlost %lu\n"
           "reset %lu\nsend_failed %lu\necho_retries %lu\nstray %lu\n"
           "elapsed_s %.6f\nrps %.1f\np50_us %u\np90_us %u\np99_us %u\n"
           "max_us %u\nclient_cpu_s %.3f\nstore_writes %lu\n",
           t->text, method_name(o->method), prot ? "oscore" : "plain",
           prot ? cs->n : 0, o->concurrency, o->requests, r->sent, r->ok, errs,
           r->code_4xx, r->code_5xx, r->unprotected, r->verify_failed, r->lost,
           r->reset, r->send_failed, r->echo_retries, r->stray, secs, rps,
           load_lat_pct(&r->lat, 50), load_lat_pct(&r->lat, 90),
           load_lat_pct(&r->lat, 99), load_lat_pct(&r->lat, 100),
           u->client_cpu, u->store_writes);
    if (u->have_server)
      printf("server_cpu_s %.3f\nserver_cpu_us_per_req %.2f\n", u->server_cpu,
             per_req);
    return;
  }
  printf("target       %s %s %s (%s", t->text, method_name(o->method), o->uri,
         prot ? "OSCORE" : "plain CoAP");
  if (prot) printf(", %zu context%s", cs->n, cs->n == 1 ? "" : "s");
  printf(", %u in flight, %s)\n", o->concurrency, o->non ? "NON" : "CON");
  printf("requests     %lu sent, %lu ok, %lu errors", r->sent, r->ok, errs);
  if (errs)
    printf(" (4.xx %lu, 5.xx %lu, unprotected %lu, not verified %lu, "
           "lost %lu, reset %lu, local %lu; first code %u.%02u)",
           r->code_4xx, r->code_5xx, r->unprotected, r->verify_failed,
           r->lost, r->reset, r->send_failed, r->first_error_code >> 5,
           r->first_error_code & 31);
  printf("\n");
  printf("throughput   %.0f requests/s over %.3f s\n", rps, secs);
  printf("latency      p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n",
         load_lat_pct(&r->lat, 50) / 1e3, load_lat_pct(&r->lat, 90) / 1e3,
         load_lat_pct(&r->lat, 99) / 1e3, load_lat_pct(&r->lat, 100) / 1e3);
  if (u->have_server)
    printf("server CPU   %.2f s (%.2f cores, %.1f us per request)\n",
           u->server_cpu, secs > 0 ? u->server_cpu / secs : 0, per_req);
  printf("client CPU   %.2f s (%.2f cores)\n", u->client_cpu,
         secs > 0 ? u->client_cpu / secs : 0);
  if (prot)
    printf("sequence     %lu sequence.json writes by this client (B.1.1)\n",
           u->store_writes);
  if (r->blockwise)
    printf("note         answers are block-wise; only block 0 was fetched\n");
}

static int run(const load_opts *o) {
  coapx_uri uri;
  const char *why = NULL;
  if (coapx_uri_parse(o->uri, &uri, &why) != COAPX_OK) {
    fprintf(stderr, PROG ": %s: %s\n", o->uri, why ? why : "not a URI");
    return EXIT_USAGE;
  }
  if (!uri.is_coap) {
    fprintf(stderr, PROG ": %s: only coap:// URIs\n", o->uri);
    coapx_uri_free(&uri);
    return EXIT_USAGE;
  }
  load_target t;
  load_net_err ne = load_net_resolve(uri.host, uri.port, &t);
  if (ne != LOAD_NET_OK) {
    fprintf(stderr, PROG ": %s: %s\n", uri.host,
            ne == LOAD_NET_NOT_LOOPBACK
                ? "not a loopback address; oscore-load only loads this machine"
                : "cannot resolve");
    coapx_uri_free(&uri);
    return EXIT_ADDRESS;
  }
  oscore_opt topts[MAX_TMPL_OPTS];
  oscore_msg tmpl;
  oscore_msg_init(&tmpl, topts, MAX_TMPL_OPTS);
  tmpl.code = o->method;
  if (coapx_uri_add_options(&uri, COAPX_TARGET_DIRECT, true, &tmpl) !=
      COAPX_OK) {
    fprintf(stderr, PROG ": %s: too many options\n", o->uri);
    coapx_uri_free(&uri);
    return EXIT_USAGE;
  }
  if (o->payload) tmpl.payload = OSCORE_BYTES(o->payload, strlen(o->payload));
  if (tmpl.payload.len > 1024) {
    fprintf(stderr, PROG ": --payload: at most 1024 bytes (one datagram)\n");
    coapx_uri_free(&uri);
    return EXIT_USAGE;
  }

  ctx_set cs = { 0 };
  int status = ctx_set_open(&cs, o, uri.normal);
  if (status != EXIT_OK) goto out;

  load_setup s = { .target = &t, .tmpl = &tmpl, .ctxs = cs.ctxs,
                   .n_ctxs = cs.n, .sockets = o->sockets, .non = o->non,
                   .timeout_ms = o->timeout_ms, .stop = stop_flag };
  char msg[256] = "";
  /* Warm-up, not counted: one request per context, one at a time, so that
   * a server that just started has initialised its replay window for each
   * (Appendix B.1.2 Echo) and its caches before the clock runs. A target
   * that answers nothing at all stops here; error answers are measured
   * (and reported) like any others. */
  load_result warm = { 0 };
  uint64_t limit_ns = (uint64_t)(o->duration_s * 1e9);
  if (!load_run(&s, cs.n, 1, load_now_ns() + limit_ns, &warm, msg,
                sizeof msg)) {
    fprintf(stderr, PROG ": %s\n", msg);
    status = EXIT_ERRORS;
    goto out;
  }
  unsigned long answered = warm.ok + warm.code_4xx + warm.code_5xx +
                           warm.code_other + warm.unprotected +
                           warm.verify_failed;
  if (answered == 0) {
    fprintf(stderr, PROG ": %s: no answer in the warm-up "
            "(%lu lost, %lu reset, %lu unprotected, %lu not verified, first "
            "code %u.%02u)\n", t.text, warm.lost, warm.reset, warm.unprotected,
            warm.verify_failed, warm.first_error_code >> 5,
            warm.first_error_code & 31);
    status = EXIT_ERRORS;
    goto out;
  }
  if (!o->quiet && warm.ok < cs.n)
    fprintf(stderr, PROG ": warning: warm-up: %lu of %zu requests answered "
            "with 2.xx (first other code %u.%02u)\n", warm.ok, cs.n,
            warm.first_error_code >> 5, warm.first_error_code & 31);

  load_result r = { 0 };
  if (!load_lat_init(&r.lat, o->requests)) {
    fprintf(stderr, PROG ": out of memory\n");
    status = EXIT_ERRORS;
    goto out;
  }
  cpu_use u = { 0 };
  double s0 = 0, s1 = 0;
  u.have_server = o->server_pid && load_proc_cpu(o->server_pid, &s0);
  if (o->server_pid && !u.have_server && !o->quiet)
    fprintf(stderr, PROG ": warning: process %ld: no CPU time readable\n",
            o->server_pid);
  unsigned long w0 = store_writes(&cs);
  double c0 = cpu_self();
  bool ran = load_run(&s, o->requests, o->concurrency,
                      load_now_ns() + limit_ns, &r, msg, sizeof msg);
  u.client_cpu = cpu_self() - c0;
  u.store_writes = store_writes(&cs) - w0;
  if (u.have_server && load_proc_cpu(o->server_pid, &s1))
    u.server_cpu = s1 - s0;
  else
    u.have_server = false;
  if (!ran) {
    fprintf(stderr, PROG ": %s\n", msg);
    status = EXIT_ERRORS;
  } else {
    load_lat_sort(&r.lat);
    report(o, &t, &cs, &r, &u);
    status = (errors_of(&r) || r.ok == 0) ? EXIT_ERRORS : EXIT_OK;
  }
  load_lat_free(&r.lat);
out:
  ctx_set_close(&cs, o);
  coapx_uri_free(&uri);
  return status;
}

int main(int argc, char **argv) {
  load_opts o;
  switch (load_opts_parse(argc, argv, &o)) {
  case LOAD_PARSE_HELP: load_opts_free(&o); return EXIT_OK;
  case LOAD_PARSE_VERSION:
    printf("oscore-load %s\n", OSCORE_TOOLS_VERSION);
    load_opts_free(&o);
    return EXIT_OK;
  case LOAD_PARSE_USAGE: load_opts_free(&o); return EXIT_USAGE;
  case LOAD_PARSE_OK: break;
  }
  /* A second Ctrl-C kills at once; the first ends the run cleanly (the
   * contexts' sequence numbers are written back). */
  stop_flag = coapx_stop_signals(COAPX_STOP_SECOND_KILLS);
  int status = run(&o);
  load_opts_free(&o);
  return status;
}
