/* One run of oscore-client: turn the parsed options into a request, pick
 * the security context, run it through the engine and pick the exit
 * status (client_exit.h). */
#include "coapx_signals.h"
#include "client_request.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "client_exit.h"
#include "client_hints.h"
#include "client_names.h"
#include "client_output.h"
#include "client_payload.h"
#include "client_progress.h"
#include "client_diag_payload.h"
#include "client_edhoc.h"
#include "client_full_exec.h"
#include "client_trace.h"
#include "coapx_block.h"
#include "coapx_client.h"
#include "coapx_uri.h"
#include "store.h"

#define PROG "oscore-client"


static int say(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int say(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(PROG ": ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return status;
}

static void store_warning(void *arg, const char *msg) {
  const client_opts *o = arg;
  if (!o->quiet) fprintf(stderr, PROG ": warning: %s\n", msg);
}

static int status_for_code(uint8_t code) {
  switch (code >> 5) {
  case 2: return CLIENT_EXIT_OK;
  case 4: return CLIENT_EXIT_4XX;
  case 5: return CLIENT_EXIT_5XX;
  default: return CLIENT_EXIT_PROTOCOL;
  }
}

/* The exit status for the engine's verdict, with one line on stderr for
 * anything but an answer (whose code the output already showed). */
static int verdict(const client_opts *o, coapx_err e,
                   const coapx_client_result *res, client_output *out,
                   const char *host, bool first_use,
                   const char *combined_label) {
  const char *d = res->detail;
  char code[48];
  switch (e) {
  case COAPX_OK:
    if (!client_output_flush(out))
      return say(CLIENT_EXIT_FAILURE, "%s", client_output_error(out));
    if (o->observe && !res->observed && (res->code >> 5) == 2 && !o->quiet)
      say(0, "the resource is not observable (no Observe in the response)");
    if ((res->code >> 5) != 2 && (res->code >> 5) != 4 &&
        (res->code >> 5) != 5)
      return say(CLIENT_EXIT_PROTOCOL, "unexpected response code %s",
                 client_code_name(res->code, code, sizeof code));
    return status_for_code(res->code);
  case COAPX_ERR_ADDRESS:
    return say(CLIENT_EXIT_NETWORK, "cannot resolve host '%s'", host);
  case COAPX_ERR_TIMEOUT:
  case COAPX_ERR_UNREACHABLE:
  case COAPX_ERR_RESET:
    return say(CLIENT_EXIT_NETWORK, "%s", *d ? d : coapx_strerror(e));
  case COAPX_ERR_SECURITY:
    if (res->edhoc_refused) return say(CLIENT_EXIT_SECURITY, "%s", d);
    return say(CLIENT_EXIT_SECURITY, "the response did not verify (OSCORE): "
               "%s", d);
  case COAPX_ERR_DTLS:
    return say(CLIENT_EXIT_SECURITY, "%s", *d ? d : coapx_strerror(e));
  case COAPX_ERR_UNPROTECTED: {
    if (combined_label)
      return say(CLIENT_EXIT_SECURITY, "the server answered the combined "
                 "EDHOC + OSCORE request without OSCORE (%s): %s; "
                 "\"use_combined_edhoc\": false in credentials entry "
                 "\"%.100s\" sends message_3 on its own", d,
                 client_hint_combined_unprotected(o->proxy), combined_label);
    const char *hint = client_hint_unprotected(res->code, d, first_use);
    if (hint)
      return say(CLIENT_EXIT_SECURITY, "the server refused OSCORE (%s): %s",
                 d, hint);
    return say(CLIENT_EXIT_SECURITY, "the server answered without OSCORE "
               "(its security layer refused the request?): %s", d);
  }
  case COAPX_ERR_PROTOCOL:
    if ((res->code >> 5) == 4 || (res->code >> 5) == 5)
      return say(status_for_code(res->code), "%s", d);
    return say(CLIENT_EXIT_PROTOCOL, "%s: %s", coapx_strerror(e), d);
  case COAPX_ERR_ETAG_CHANGED:
    return say(CLIENT_EXIT_PROTOCOL, "%s", d);
  case COAPX_ERR_CANCELLED:
    return say(CLIENT_EXIT_INTERRUPTED, "interrupted");
  case COAPX_ERR_SINK:
    return say(CLIENT_EXIT_FAILURE, "%s", client_output_error(out));
  case COAPX_ERR_STORE:
    return say(CLIENT_EXIT_CONFIG, "security context: %s", d);
  case COAPX_ERR_OSCORE:
    return say(res->oscore_error == OSCORE_ERR_SEQ_EXHAUSTED
                   ? CLIENT_EXIT_CONFIG : CLIENT_EXIT_FAILURE,
               "%s", d);
  case COAPX_ERR_PDU_FULL:
    /* libcoap also refuses a second value of a non-repeatable option. */
    return say(CLIENT_EXIT_USAGE, "the request's options do not fit into "
               "one CoAP message (URI too long?%s)",
               o->n_extra ? " or an -O option given twice that may appear "
                            "only once?" : "");
  case COAPX_ERR_INVALID_ARG:
    return say(CLIENT_EXIT_USAGE, "%s", *d ? d : "invalid request");
  default:
    return say(CLIENT_EXIT_FAILURE, "%s%s%s", coapx_strerror(e),
               *d ? ": " : "", d);
  }
}

/* What the engine reports goes to -v, and an upload's Block1 requests to
 * its progress line; the first response after the last block ends it. */
typedef struct {
  client_trace_ctx *tc;
  client_progress up;
  bool last_sent;
} trace_state;

static void on_trace(const coapx_trace *t, void *arg) {
  trace_state *ts = arg;
  client_trace(t, ts->tc);
  if (t->kind == COAPX_TRACE_REQUEST && t->msg) {
    client_progress_block1(&ts->up, t->msg);
    const oscore_opt *b1 = oscore_msg_find_opt(t->msg, OSCORE_OPT_BLOCK1);
    coapx_block b;
    ts->last_sent = b1 && coapx_block_decode(b1->value, &b) == COAPX_OK &&
                    !b.more;
  } else if (t->kind == COAPX_TRACE_RESPONSE && ts->last_sent) {
    ts->last_sent = false;
    client_progress_finish(&ts->up, "sent");
  }
}

static bool add_uint(oscore_msg *m, uint16_t number, uint32_t v,
                     uint8_t store[4]) {
  size_t n = oscore_opt_uint_encode(v, store);
  return oscore_msg_add_opt(m, number, OSCORE_BYTES(store, n)) == OSCORE_OK;
}

/* The store's sentence names the file, entry and key already. */
static int creds_error(const client_opts *o, store_err se,
                       const store_diag *diag) {
  if (diag->msg[0])
    return say(CLIENT_EXIT_CONFIG, "--credentials: %s", diag->msg);
  return say(CLIENT_EXIT_CONFIG, "--credentials %s: %s", o->credentials,
             store_strerror(se));
}

/* Everything that needs cleaning up, in one place. */
typedef struct {
  coapx_uri uri, proxy;
  char *proxy_text;
  client_payload payload;
  store_credentials *creds;
  store_context *edhoc_sc;   /* established by EDHOC, in memory */
  coapx_edhoc_init_result *edhoc_res;
  oscore_opt *opts;
  coapx_client *client;
  client_output *out;
} run_state;

static int finish(run_state *s, const client_opts *o, int status) {
  coapx_client_free(s->client);
  store_context_close(s->edhoc_sc, NULL);
  free(s->edhoc_res);
  client_output_free(s->out);
  if (s->creds) {
    /* Writes the exact sequence number back and releases the lock (also
     * after an error or Ctrl-C: B.1.1 reservations stay safe anyway). */
    store_diag diag = { .msg = "", .warn = store_warning, .warn_arg = (void *)o };
    /* After a configuration error (e.g. sequence.json could not be
     * written: full disk) that line already names the problem: one line. */
    if (store_credentials_close(s->creds, &diag) != STORE_OK && !o->quiet &&
        status != CLIENT_EXIT_CONFIG)
      fprintf(stderr, PROG ": warning: could not save the security context "
              "state: %s\n", diag.msg);
  }
  free(s->opts);
  coapx_uri_free(&s->uri);
  coapx_uri_free(&s->proxy);
  free(s->proxy_text);
  client_payload_free(&s->payload);
  return status;
}

#define CONTINUE (-1)

/* The target URI and the proxy; CONTINUE or the exit status. */
static int parse_targets(const client_opts *o, run_state *s) {
  const char *why;
  /* Only the start of a huge URI: the error stays one readable line. */
  const char *more = strlen(o->uri) > 200 ? "..." : "";
  if (coapx_uri_parse(o->uri, &s->uri, &why) != COAPX_OK) {
    if (client_hint_uri_scheme(o->uri))
      return say(CLIENT_EXIT_USAGE, "invalid URI '%.200s%s': no scheme; did "
                 "you mean coap://%.200s%s ?", o->uri, more, o->uri, more);
    return say(CLIENT_EXIT_USAGE, "invalid URI '%.200s%s': %s", o->uri, more,
               why);
  }
  if (!s->uri.is_sendable && !o->proxy)
    return say(CLIENT_EXIT_USAGE, "URI scheme '%s' is not supported (coap://, "
               "coap+tcp://, coaps:// and coaps+tcp://; other schemes only "
               "through --proxy)", s->uri.scheme);
  if (!o->proxy) return CONTINUE;
  /* aiocoap still accepts a bare "host[:port]" as proxy. */
  const char *p = o->proxy;
  const char *pmore = strlen(o->proxy) > 200 ? "..." : "";
  if (!strstr(p, "://")) {
    size_t n = strlen(p) + 8;
    s->proxy_text = malloc(n);
    if (!s->proxy_text) return say(1, "out of memory");
    snprintf(s->proxy_text, n, "coap://%s", p);
    p = s->proxy_text;
  }
  if (coapx_uri_parse(p, &s->proxy, &why) != COAPX_OK)
    return say(CLIENT_EXIT_USAGE, "--proxy: invalid URI '%.200s%s': %s",
               o->proxy, pmore, why);
  if (!s->proxy.is_coap)
    return say(CLIENT_EXIT_USAGE, "--proxy: only a coap:// proxy can be "
               "reached, not '%s'", o->proxy);
  if (s->proxy.n_path > 1 || (s->proxy.n_path == 1 && s->proxy.path[0].len) ||
      s->proxy.n_query)
    return say(CLIENT_EXIT_USAGE, "--proxy: '%s' has a path or query; give "
               "coap://host[:port]", o->proxy);
  return CONTINUE;
}

/* The body, converted from diagnostic notation where aiocoap-client
 * would; CONTINUE or the exit status. */
static int load_body(const client_opts *o, run_state *s) {
  char err[600];
  if (!client_payload_load(o->payload, &s->payload, err, sizeof err))
    return say(CLIENT_EXIT_USAGE, "%s", err);
  /* As aiocoap-client: text given inline (not @FILE) for a CBOR-based
   * format is diagnostic notation. */
  client_cf_kind kind = o->has_content_format
                            ? client_cformat_kind(o->content_format)
                            : CLIENT_CF_OTHER;
  if (!o->payload_raw && s->payload.len && o->payload[0] != '@' &&
      (kind == CLIENT_CF_CBOR || kind == CLIENT_CF_CBOR_SEQ) &&
      !client_payload_diag_to_cbor(&s->payload, kind == CLIENT_CF_CBOR_SEQ,
                                   err, sizeof err))
    return say(CLIENT_EXIT_USAGE, "%s", err);
  return CONTINUE;
}

/* The request: method, the URI's options, the options asked for, the
 * body; CONTINUE or the exit status. Option values live in |vals|. */
static int build_message(const client_opts *o, run_state *s, oscore_msg *msg,
                         uint8_t vals[2][4]) {
  size_t cap = s->uri.n_path + s->uri.n_query + 8 + o->n_if_match + o->n_extra;
  s->opts = calloc(cap, sizeof *s->opts);
  if (!s->opts) return say(1, "out of memory");
  oscore_msg_init(msg, s->opts, cap);
  msg->code = o->method;
  coapx_err e = coapx_uri_add_options(&s->uri, o->proxy ? COAPX_TARGET_PROXY
                                                        : COAPX_TARGET_DIRECT,
                                      o->set_hostname, msg);
  if (e)
    return say(CLIENT_EXIT_USAGE, "URI '%s' cannot be sent: %s", o->uri,
               coapx_strerror(e));
  if (o->has_content_format)
    add_uint(msg, OSCORE_OPT_CONTENT_FORMAT, o->content_format, vals[0]);
  if (o->has_accept) add_uint(msg, OSCORE_OPT_ACCEPT, o->accept, vals[1]);
  for (size_t i = 0; i < o->n_if_match; i++)
    oscore_msg_add_opt(msg, OSCORE_OPT_IF_MATCH,
                       OSCORE_BYTES(o->if_match[i], o->if_match_len[i]));
  if (o->if_none_match)
    oscore_msg_add_opt(msg, OSCORE_OPT_IF_NONE_MATCH, OSCORE_BYTES(NULL, 0));
  for (size_t i = 0; i < o->n_extra; i++)
    if (oscore_msg_add_opt(msg, o->extra[i].number,
                           OSCORE_BYTES(o->extra[i].value, o->extra[i].len)))
      return say(CLIENT_EXIT_USAGE, "-O %u: too many options",
                 o->extra[i].number);
  msg->payload = OSCORE_BYTES(s->payload.data, s->payload.len);
  return CONTINUE;
}

/* Pre-shared keys go with coaps:// and coaps+tcp:// (DTLS, TLS) and only
 * with them: a "dtls" entry for a coap:// URI would otherwise be dropped
 * silently and the request sent in the clear. CONTINUE or the exit
 * status. */
static int check_dtls(const client_opts *o, const run_state *s,
                      const coapx_uri *dst, const store_uri_creds *uc) {
  bool coaps = coapx_transport_secure(dst->transport) && dst->is_sendable;
  const char *scheme = coapx_transport_scheme(dst->transport);
  bool has = uc->has_dtls || uc->tlscert_file;
  if (coaps && !has)
    return say(CLIENT_EXIT_CONFIG, "%s needs a \"dtls\" entry (pre-shared key "
               "and client-identity) or a \"tlscert\" entry (the server's "
               "certificate) for it in %s", s->uri.normal,
               o->credentials ? "--credentials" : "a --credentials map");
  if (!coaps && has)
    return say(CLIENT_EXIT_CONFIG, "--credentials: entry \"%.100s\" gives "
               "\"%s\" credentials for %s, which only a coaps:// or "
               "coaps+tcp:// request can use",
               uc->has_dtls ? uc->dtls.entry_key : uc->tlscert_entry,
               uc->has_dtls ? "dtls" : "tlscert", s->uri.normal);
  if (coaps && uc->tlscert_file && access(uc->tlscert_file, R_OK) != 0)
    return say(CLIENT_EXIT_CONFIG, "--credentials: entry \"%.100s\": cannot "
               "read its certfile %s: %s", uc->tlscert_entry, uc->tlscert_file,
               strerror(errno));
  if (coaps && !coapx_transport_available(dst->transport))
    return say(CLIENT_EXIT_FAILURE, "%s:// needs libcoap's OpenSSL build "
               "(run oscore-client, which hands it to oscore-client-full)",
               scheme);
  return CONTINUE;
}

/* The credentials map, read before the body (which may be standard
 * input) so that a map this program cannot use goes whole, with standard
 * input untouched, to the program that can; CONTINUE or the exit status
 * (or no return: the exec). */
static int load_credentials(const client_opts *o, run_state *s, char **argv) {
  if (!o->credentials) return CONTINUE;
  store_diag diag = { .msg = "", .warn = store_warning, .warn_arg = (void *)o };
  store_err se = store_credentials_load(o->credentials, &diag, &s->creds);
  if (se == STORE_ERR_NEEDS_EDHOC) {
    char needs[700];
    snprintf(needs, sizeof needs, "--credentials: %s: EDHOC needs",
             diag.msg);
    return client_exec_full_program(argv, needs);
  }
  return se == STORE_OK ? CONTINUE : creds_error(o, se, &diag);
}

int client_request_run(const client_opts *o, char **argv) {
  run_state s;
  memset(&s, 0, sizeof s);
  bool stdout_tty = isatty(STDOUT_FILENO), stderr_tty = isatty(STDERR_FILENO);
  bool color = o->color == CLIENT_AUTO ? stderr_tty && !getenv("NO_COLOR")
                                       : o->color == CLIENT_ON;
  client_trace_ctx tc = { .verbose = o->quiet ? 0 : o->verbose,
                          .color = color };
  int st = parse_targets(o, &s);
  if (st == CONTINUE) st = load_credentials(o, &s, argv);
  if (st == CONTINUE) st = load_body(o, &s);
  if (st != CONTINUE) return finish(&s, o, st);

  store_context *sc = NULL;
  const store_edhoc_entry *edhoc = NULL;
  const char *edhoc_label = NULL;
  store_uri_creds uc = { 0 };
  if (s.creds) {
    store_diag diag = { .msg = "", .warn = store_warning, .warn_arg = (void *)o };
    store_err se = store_credentials_resolve(s.creds, s.uri.normal, &diag,
                                             &uc);
    if (se != STORE_OK) return finish(&s, o, creds_error(o, se, &diag));
    edhoc = uc.edhoc;
    edhoc_label = uc.edhoc_entry;
    if (edhoc)
      client_trace_note(&tc, "EDHOC first (credentials entry %s)%s",
                        edhoc_label, o->proxy ? ", through the proxy" : "");
    sc = uc.oscore;
    const char *entry = uc.oscore_entry;
    if (uc.has_dtls)
      client_trace_note(&tc, "%s with the pre-shared key of credentials "
                        "entry %s",
                        coapx_transport_security_name(s.uri.transport),
                        uc.dtls.entry_key);
    if (uc.tlscert_file)
      client_trace_note(&tc, "%s, the server's certificate verified against "
                        "%s (credentials entry %s)",
                        coapx_transport_security_name(s.uri.transport),
                        uc.tlscert_file, uc.tlscert_entry);
    if (sc)
      client_trace_note(&tc, "OSCORE context %s (credentials entry %s)",
                        store_context_dir(sc), entry ? entry : "?");
    if (sc && tc.verbose >= 2) {
      char how[96];
      oscore_profile_describe(&store_context_oscore(sc)->profile, how,
                              sizeof how);
      client_trace_note(&tc, "the context speaks OSCORE as in %s", how);
    }
    else if (!sc && !edhoc)
      client_trace_note(&tc, "no credentials entry matches %s: sending "
                        "unprotected", s.uri.normal);
  }

  const coapx_uri *dst = o->proxy ? &s.proxy : &s.uri;
  if ((st = check_dtls(o, &s, dst, &uc)) != CONTINUE) return finish(&s, o, st);

  oscore_msg msg;
  uint8_t vals[2][4];
  if ((st = build_message(o, &s, &msg, vals)) != CONTINUE)
    return finish(&s, o, st);

  char addr_why[300] = "";
  trace_state ts = { .tc = &tc };
  client_progress_start(&ts.up, stderr_tty && !o->quiet, true, s.payload.len);
  coapx_client_config cc = { .host = dst->host, .port = dst->port,
                             .transport = dst->transport,
                             .psk_identity = uc.dtls.identity,
                             .psk_identity_len = uc.dtls.identity_len,
                             .psk = uc.dtls.psk, .psk_len = uc.dtls.psk_len,
                             .ca_file = uc.tlscert_file,
                             .timeout_ms = o->timeout_ms,
                             .trace = on_trace, .trace_arg = &ts,
                             .family = o->family, .bind = o->bind,
                             .why = addr_why, .why_cap = sizeof addr_why };
  coapx_err e = coapx_client_new(&cc, &s.client);
  if (e == COAPX_ERR_ADDRESS)
    return finish(&s, o, say(CLIENT_EXIT_NETWORK, "%s", addr_why[0] ? addr_why
                             : "cannot resolve the host"));
  if (e) return finish(&s, o, say(CLIENT_EXIT_FAILURE, "%s",
                                  coapx_strerror(e)));
  tc.client = s.client;
  coapx_edhoc_init_result *edhoc_res = NULL;
  if (edhoc) {
    if (!(edhoc_res = s.edhoc_res = calloc(1, sizeof *edhoc_res)))
      return finish(&s, o, say(1, "out of memory"));
    st = client_edhoc_run(s.client, o->credentials, edhoc, edhoc_label,
                          o->proxy ? &s.uri : NULL, &tc, edhoc_res);
    sc = s.edhoc_sc = edhoc_res->sc;
    if (st != CLIENT_EXIT_OK) return finish(&s, o, st);
  }

  client_output_config oc = {
    .path = o->output, .exec = o->observe_exec,
    .pretty = !o->output && !o->observe_exec &&
              (o->pretty_print == CLIENT_AUTO ? stdout_tty
                                              : o->pretty_print == CLIENT_ON),
    .color = color,
    /* Not when the body itself goes to the same terminal. */
    .progress = stderr_tty && !o->quiet &&
                (o->output || o->observe_exec || !stdout_tty),
    .quiet = o->quiet, .stdout_tty = stdout_tty,
  };
  s.out = client_output_new(&oc);
  if (!s.out) return finish(&s, o, say(1, "out of memory"));

  /* Ctrl-C ends the request (or observation) cleanly: the security context
   * is closed and its exact state written; a second one kills at once. */
  volatile sig_atomic_t *stop_flag = coapx_stop_signals(COAPX_STOP_SECOND_KILLS);
  coapx_client_req req = { .msg = &msg, .non = o->non, .observe = o->observe,
                           .block_szx = o->payload_initial_szx,
                           .window = o->window,
                           .security = sc, .stop = stop_flag,
                           /* An explicit --timeout bounds the wait for each
                            * notification too; the default does not. */
                           .notify_timeout_ms = o->timeout_ms };
  if (edhoc_res)
    req.edhoc_message_3 = OSCORE_BYTES(edhoc_res->message_3,
                                       edhoc_res->message_3_len);
  coapx_client_result res;
  bool first_use = sc && store_context_oscore(sc)->sender_seq == 0;
  e = coapx_client_request(s.client, &req, client_output_sink(s.out), &res);
  client_progress_clear(&ts.up);
  if (e) client_output_abort(s.out);
  if (res.echo_retried)
    client_trace_note(&tc, "the request was repeated once with Echo");
  /* Names the entry when message_3 went with this request (RFC 9668). */
  const char *combined = req.edhoc_message_3.len ? edhoc_label : NULL;
  int status = verdict(o, e, &res, s.out, dst->host, first_use, combined);
  return finish(&s, o, status);
}
