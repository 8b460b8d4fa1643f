/* The EDHOC initiator over CoAP (coapx_edhoc_client.h). */
#include "coapx_edhoc_client.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coapx_combined.h"
#include "edhoc_coap.h"
#include "oscore_secret.h"

/* Everything one run holds; wiped and freed in one place. */
typedef struct {
  const coapx_edhoc_init_cfg *cfg;
  coapx_edhoc_init_result *out;
  coapx_client *c;
  coapx_uri target;                 /* /.well-known/edhoc through a proxy */
  edhoc_cred own, peer;
  edhoc_key *own_key;
  edhoc_session *s;
  uint8_t cid[EDHOC_MAX_CID];       /* our C_I */
  size_t cid_len;
  uint8_t msg[EDHOC_MAX_MESSAGE];
  uint8_t pl[EDHOC_MAX_MESSAGE + 16];
  /* The answer's body, collected by the sink. */
  uint8_t body[EDHOC_MAX_MESSAGE];
  size_t body_len;
  bool body_overflow;
} run;

static void note(const run *r, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(const run *r, int level, const char *fmt, ...) {
  if (!r->cfg->note) return;
  char text[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  r->cfg->note(r->cfg->note_arg, level, text);
}

static coapx_err fail(run *r, coapx_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static coapx_err fail(run *r, coapx_err e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->out->detail, sizeof r->out->detail, fmt, ap);
  va_end(ap);
  return e;
}

/* "0x2a" or "h''" for identifiers in notes. */
static const char *hex(oscore_bytes b, char *buf, size_t cap) {
  if (b.len == 0) {
    snprintf(buf, cap, "h''");
    return buf;
  }
  size_t k = (size_t)snprintf(buf, cap, "0x");
  for (size_t i = 0; i < b.len && k + 3 <= cap; i++)
    k += (size_t)snprintf(buf + k, cap - k, "%02x", b.ptr[i]);
  return buf;
}

static coapx_err body_data(void *arg, const uint8_t *p, size_t len,
                           uint64_t offset) {
  run *r = arg;
  if (offset != r->body_len || len > sizeof r->body - r->body_len) {
    r->body_overflow = true;
    return COAPX_OK;
  }
  memcpy(r->body + r->body_len, p, len);
  r->body_len += len;
  return COAPX_OK;
}

/* The options naming /.well-known/edhoc: its path, or through a proxy
 * the whole target in proxy form. */
static coapx_err add_target(const run *r, oscore_msg *m) {
  if (r->cfg->proxied_origin)
    return coapx_uri_add_options(&r->target, COAPX_TARGET_PROXY, true, m);
  oscore_msg_add_opt(m, OSCORE_OPT_URI_PATH, OSCORE_BYTES(".well-known", 11));
  oscore_msg_add_opt(m, OSCORE_OPT_URI_PATH,
                     OSCORE_BYTES(EDHOC_WELL_KNOWN, strlen(EDHOC_WELL_KNOWN)));
  return COAPX_OK;
}

/* Where the POSTs go, for messages. */
static const char *target_name(const run *r) {
  return r->cfg->proxied_origin ? r->target.normal : "/.well-known/edhoc";
}

/* POST |payload| to /.well-known/edhoc; the answer's body in r->body. */
static coapx_err post(run *r, oscore_bytes payload, uint8_t *code) {
  /* Proxy-Scheme, Uri-Host, Uri-Port, two Uri-Path, Content-Format. */
  oscore_opt opts[8];
  oscore_msg m;
  oscore_msg_init(&m, opts, 8);
  m.code = OSCORE_CODE(0, OSCORE_CODE_POST);
  static const uint8_t cf[1] = { EDHOC_CF_CID_EDHOC_SEQ };
  coapx_err e = add_target(r, &m);
  if (e)
    return fail(r, e, "EDHOC POST to %s: %s", target_name(r),
                coapx_strerror(e));
  oscore_msg_add_opt(&m, OSCORE_OPT_CONTENT_FORMAT, OSCORE_BYTES(cf, 1));
  m.payload = payload;
  r->body_len = 0;
  r->body_overflow = false;
  coapx_client_req req = { .msg = &m, .block_szx = -1 };
  coapx_sink sink = { .data = body_data, .arg = r };
  coapx_client_result res;
  e = coapx_client_request(r->c, &req, &sink, &res);
  if (e)
    return fail(r, e, "EDHOC POST to %s%s: %s%s%s", target_name(r),
                r->cfg->proxied_origin ? " through the proxy" : "",
                coapx_strerror(e), res.detail[0] ? ": " : "", res.detail);
  if (r->body_overflow)
    return fail(r, COAPX_ERR_PROTOCOL, "the server's EDHOC answer is larger "
                "than %zu bytes", sizeof r->body);
  *code = res.code;
  return COAPX_OK;
}

bool coapx_edhoc_describe_error(oscore_bytes body, char *out, size_t cap) {
  edhoc_peer_error pe;
  if (!body.len || !edhoc_is_error(body) ||
      edhoc_error_decode(body, &pe) != EDHOC_OK)
    return false;
  snprintf(out, cap, "EDHOC error %lld%s%.128s", (long long)pe.code,
           pe.code == EDHOC_ERRCODE_UNKNOWN_CRED
               ? " (it does not know our credential)"
           : pe.code == EDHOC_ERRCODE_WRONG_SUITE ? " (wrong suite)"
           : pe.diag[0] ? ": " : "",
           pe.diag);
  return true;
}

static bool combine(oscore_bytes message_3, oscore_bytes oscore_payload,
                    uint8_t *out, size_t cap, size_t *len) {
  edhoc_w w;
  edhoc_w_init(&w, out, cap);
  if (edhoc_coap_write_combined(message_3, oscore_payload, &w) != EDHOC_OK)
    return false;
  *len = w.len;
  return true;
}

static const coapx_combined_ops combined_ops = {
  EDHOC_COAP_OPTION, combine, coapx_edhoc_describe_error
};

/* The server's answer was no EDHOC message we can go on with. */
static coapx_err refused(run *r, uint8_t code, const char *step) {
  char why[200];
  if (coapx_edhoc_describe_error(OSCORE_BYTES(r->body, r->body_len), why,
                                 sizeof why))
    return fail(r, COAPX_ERR_SECURITY, "the server refused EDHOC at %s "
                "(credentials entry \"%.100s\"): %s", step, r->cfg->label,
                why);
  if (r->cfg->proxied_origin)
    return fail(r, COAPX_ERR_PROTOCOL, "the answer to EDHOC %s through the "
                "proxy was %u.%02u, not an EDHOC message (did the proxy reach "
                "the server? does the server speak EDHOC?)", step, code >> 5,
                code & 31);
  return fail(r, COAPX_ERR_PROTOCOL, "the server answered %u.%02u to EDHOC "
              "%s, not an EDHOC message (does it speak EDHOC?)", code >> 5,
              code & 31, step);
}

/* The suites we offer: the entry's first, then those our key (and the
 * peer's, when named) also serves, for the server to pick from after a
 * suite-negotiation error (RFC 9528 §6.3). */
static void suites(const run *r, edhoc_config *cfg) {
  const store_edhoc_entry *e = r->cfg->entry;
  const edhoc_suite *first = edhoc_suite_by_id(e->suite);
  cfg->suites[cfg->n_suites++] = e->suite;
  bool i_signs = e->method <= 1, r_signs = e->method == 0 || e->method == 2;
  static const int known[] = { 0, 1, 2, 3 };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    const edhoc_suite *su = edhoc_suite_by_id(known[i]);
    if (!su || su == first) continue;
    /* A throw-away key was made for the entry's suite's curves. */
    bool own_ok = e->own_unauthenticated
                      ? su->sig == first->sig && su->dh == first->dh
                      : store_edhoc_own_fits(e, su, i_signs);
    bool peer_ok = !e->peer_ccs ||
                   edhoc_key_curve(r->peer.pub) == (r_signs ? su->sig : su->dh);
    if (own_ok && peer_ok) cfg->suites[cfg->n_suites++] = known[i];
  }
}

static edhoc_err lookup(void *arg, const edhoc_id_cred *id, edhoc_cred *out) {
  const run *r = arg;
  return store_edhoc_peer_match(r->cfg->entry, id, out);
}

static const char *id_kind(edhoc_idcred_kind k) {
  return k == EDHOC_IDCRED_KID ? "by key ID" : "by value";
}

/* message_1 until message_2 (one retry after a suite-negotiation error). */
static coapx_err exchange_1_2(run *r) {
  char b1[20], b2[20];
  for (int attempt = 0;; attempt++) {
    const edhoc_suite *su = edhoc_i_next_suite(r->s);
    edhoc_key *eph = NULL;
    size_t n = 0;
    edhoc_err ee = su ? edhoc_key_generate(su->dh, &eph)
                      : EDHOC_ERR_UNSUPPORTED_SUITE;
    if (ee == EDHOC_OK)
      ee = edhoc_i_message_1(r->s, eph, r->msg, sizeof r->msg, &n);
    edhoc_w w;
    edhoc_w_init(&w, r->pl, sizeof r->pl);
    if (ee == EDHOC_OK)
      ee = edhoc_coap_write_request_1(OSCORE_BYTES(r->msg, n), &w);
    if (ee != EDHOC_OK)
      return fail(r, COAPX_ERR_SECURITY, "EDHOC message_1 (credentials entry "
                  "\"%.100s\"): %s", r->cfg->label, edhoc_strerror(ee));
    note(r, 1, "EDHOC message_1: %zu bytes, method %d, suite %d, C_I %s", n,
         r->cfg->entry->method, su->id,
         hex(OSCORE_BYTES(r->cid, r->cid_len), b1, sizeof b1));
    uint8_t code;
    coapx_err e = post(r, OSCORE_BYTES(r->pl, w.len), &code);
    if (e) return e;
    oscore_bytes body = OSCORE_BYTES(r->body, r->body_len);
    if (code == OSCORE_CODE(2, 4) && body.len && !edhoc_is_error(body)) {
      ee = edhoc_i_process_message_2(r->s, body);
      if (ee != EDHOC_OK)
        return fail(r, COAPX_ERR_SECURITY, "EDHOC message_2 from the server "
                    "refused (credentials entry \"%.100s\"): %s%s",
                    r->cfg->label, edhoc_strerror(ee),
                    ee == EDHOC_ERR_UNKNOWN_CRED || ee == EDHOC_ERR_AUTH
                        ? ": the server's credential is not the entry's "
                          "peer_cred"
                        : "");
      note(r, 1, "EDHOC message_2: %zu bytes, C_R %s", body.len,
           hex(edhoc_session_peer_cid(r->s), b2, sizeof b2));
      return COAPX_OK;
    }
    edhoc_peer_error pe;
    bool wrong_suite = body.len && edhoc_is_error(body) &&
                       edhoc_error_decode(body, &pe) == EDHOC_OK &&
                       pe.code == EDHOC_ERRCODE_WRONG_SUITE;
    if (wrong_suite && attempt == 0 &&
        edhoc_i_process_error(r->s, &pe) == EDHOC_OK) {
      note(r, 1, "EDHOC: the server does not take suite %d; again with "
           "suite %d", su->id, edhoc_i_next_suite(r->s)->id);
      continue;
    }
    if (wrong_suite)
      return fail(r, COAPX_ERR_SECURITY, "the server takes none of the "
                  "suites credentials entry \"%.100s\" allows (suite %d, "
                  "or another its keys fit)", r->cfg->label,
                  r->cfg->entry->suite);
    return refused(r, code, "message_1");
  }
}

/* message_3: POSTed now, or kept for the combined request. */
static coapx_err send_message_3(run *r) {
  size_t n = 0;
  edhoc_err ee = edhoc_i_message_3(r->s, r->msg, sizeof r->msg, &n);
  if (ee != EDHOC_OK)
    return fail(r, COAPX_ERR_SECURITY, "EDHOC message_3 (credentials entry "
                "\"%.100s\"): %s", r->cfg->label, edhoc_strerror(ee));
  bool combined = r->cfg->entry->combined >= 0 ? r->cfg->entry->combined
                                               : r->cfg->combined;
  if (combined) {
    memcpy(r->out->message_3, r->msg, n);
    r->out->message_3_len = n;
    note(r, 1, "EDHOC message_3: %zu bytes, sent with the first OSCORE "
         "request (RFC 9668 combined request)", n);
    return COAPX_OK;
  }
  edhoc_w w;
  edhoc_w_init(&w, r->pl, sizeof r->pl);
  if (edhoc_coap_write_request_3(edhoc_session_peer_cid(r->s),
                                 OSCORE_BYTES(r->msg, n), &w) != EDHOC_OK)
    return fail(r, COAPX_ERR_PDU_FULL, "EDHOC message_3 does not fit");
  note(r, 1, "EDHOC message_3: %zu bytes, POSTed on its own", n);
  uint8_t code;
  coapx_err e = post(r, OSCORE_BYTES(r->pl, w.len), &code);
  if (e) return e;
  if (code >> 5 != 2) return refused(r, code, "message_3");
  /* message_4 is optional (RFC 9528 §5.5); when sent, it must verify. */
  if (r->body_len) {
    ee = edhoc_i_process_message_4(r->s, OSCORE_BYTES(r->body, r->body_len));
    if (ee != EDHOC_OK)
      return fail(r, COAPX_ERR_SECURITY, "EDHOC message_4 from the server "
                  "(credentials entry \"%.100s\"): %s", r->cfg->label,
                  edhoc_strerror(ee));
    note(r, 1, "EDHOC message_4: %zu bytes, verified", r->body_len);
  }
  return COAPX_OK;
}

static coapx_err establish(run *r) {
  edhoc_oscore params;
  edhoc_err ee = edhoc_oscore_params(r->s, &params);
  if (ee != EDHOC_OK)
    return fail(r, COAPX_ERR_SECURITY, "EDHOC exporter: %s",
                edhoc_strerror(ee));
  char name[160], b1[20], b2[20];
  snprintf(name, sizeof name, "EDHOC (credentials entry %.100s)",
           r->cfg->label);
  store_diag diag = { .msg = "" };
  store_err se = store_context_from_edhoc(&params, name, &diag, &r->out->sc);
  note(r, 1, "EDHOC done: OSCORE sender ID %s (C_R), recipient ID %s (C_I)",
       hex(OSCORE_BYTES(params.sender_id, params.sender_id_len), b1, sizeof b1),
       hex(OSCORE_BYTES(params.recipient_id, params.recipient_id_len), b2,
           sizeof b2));
  oscore_wipe(&params, sizeof params);
  if (se != STORE_OK)
    return fail(r, COAPX_ERR_STORE, "%s", diag.msg[0] ? diag.msg
                                                      : store_strerror(se));
  return COAPX_OK;
}

static coapx_err start(run *r) {
  const store_edhoc_entry *e = r->cfg->entry;
  const edhoc_suite *first = edhoc_suite_by_id(e->suite);
  if (!e->has_own || !e->has_peer || !first)
    return fail(r, COAPX_ERR_INVALID_ARG, "credentials entry \"%.100s\": a "
                "client needs own_cred (with private_key_file) and peer_cred",
                r->cfg->label);
  if (e->peer_ccs &&
      edhoc_cred_from_ccs(OSCORE_BYTES(e->peer_ccs, e->peer_ccs_len),
                          &r->peer) != EDHOC_OK)
    return fail(r, COAPX_ERR_INVALID_ARG, "credentials entry \"%.100s\": "
                "peer_cred is no usable credential", r->cfg->label);
  bool i_signs = e->method <= 1;
  if (store_edhoc_own(e, first, i_signs, &r->own, &r->own_key) != EDHOC_OK)
    return fail(r, COAPX_ERR_INVALID_ARG, "credentials entry \"%.100s\": "
                "own_cred is no usable credential", r->cfg->label);
  if (oscore_random(r->cid, 1) != OSCORE_OK) return COAPX_ERR_NO_MEMORY;
  r->cid_len = 1;
  edhoc_config cfg = { .method = e->method, .own_cred = &r->own,
                       .own_key = r->own_key, .own_id = e->own_style,
                       .lookup = lookup, .lookup_arg = r, .cid_len = 1 };
  cfg.cid[0] = r->cid[0];
  suites(r, &cfg);
  note(r, 2, "EDHOC credentials entry \"%.100s\": method %d, suite %d (%s), "
       "own credential %s%s, peer credential %s", r->cfg->label, e->method,
       first->id, first->name, e->own_unauthenticated ? "a throw-away key " : "",
       id_kind(e->own_style),
       e->peer_unauthenticated ? "anything sent by value (unauthenticated)"
                               : "the entry's peer_cred");
  edhoc_err ee = edhoc_session_new(EDHOC_INITIATOR, &cfg, &r->s);
  if (ee != EDHOC_OK)
    return fail(r, COAPX_ERR_INVALID_ARG, "credentials entry \"%.100s\": %s",
                r->cfg->label, edhoc_strerror(ee));
  return COAPX_OK;
}

coapx_err coapx_edhoc_initiate(coapx_client *c, const coapx_edhoc_init_cfg *cfg,
                               coapx_edhoc_init_result *out) {
  if (!c || !cfg || !cfg->entry || !out) return COAPX_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  /* For the combined request that may follow (coapx_combined.h). */
  coapx_client_set_combined(c, &combined_ops);
  run *r = calloc(1, sizeof *r);
  if (!r) return COAPX_ERR_NO_MEMORY;
  r->cfg = cfg;
  r->out = out;
  r->c = c;
  coapx_err e = COAPX_OK;
  if (cfg->proxied_origin &&
      (e = coapx_uri_on_origin(cfg->proxied_origin, "/.well-known/"
                               EDHOC_WELL_KNOWN, &r->target)) != COAPX_OK)
    fail(r, e, "EDHOC through the proxy: no /.well-known/" EDHOC_WELL_KNOWN
         " for %.200s", cfg->proxied_origin->text);
  if (!e) e = start(r);
  if (!e) e = exchange_1_2(r);
  if (!e) e = send_message_3(r);
  if (!e) e = establish(r);
  edhoc_session_free(r->s);
  edhoc_key_free(r->own_key);
  edhoc_cred_clear(&r->own);
  edhoc_cred_clear(&r->peer);
  coapx_uri_free(&r->target);
  oscore_wipe(r, sizeof *r);
  free(r);
  if (e) {
    store_context_close(out->sc, NULL);
    out->sc = NULL;
    out->message_3_len = 0;
  }
  return e;
}
