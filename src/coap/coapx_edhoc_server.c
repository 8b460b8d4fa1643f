/* The EDHOC responder over CoAP (coapx_edhoc_server.h). */
#include "coapx_edhoc_server.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oscore_secret.h"
#include "edhoc_coap.h"
#include "edhoc_table.h"
#include "oscore_option.h"
#include "store_edhoc.h"

#define MAX_OWN 8

/* One credential we may answer with: parsed once at start. */
typedef struct {
  const store_edhoc_entry *e;
  edhoc_cred cred;
  edhoc_key *key;
} own_cred;

struct coapx_edhoc_srv {
  store_credentials *creds;
  edhoc_table *pending;
  int suites[EDHOC_MAX_SUITES];
  size_t n_suites;
  own_cred own[MAX_OWN];
  size_t n_own;
  uint8_t out[EDHOC_MAX_MESSAGE];   /* the answer's payload */
  uint8_t cf[1];                    /* its Content-Format value */
};

static void add_suite(coapx_edhoc_srv *s, int id) {
  for (size_t i = 0; i < s->n_suites; i++)
    if (s->suites[i] == id) return;
  if (s->n_suites < EDHOC_MAX_SUITES) s->suites[s->n_suites++] = id;
}

coapx_err coapx_edhoc_srv_new(store_credentials *creds, size_t max_contexts,
                              coapx_edhoc_srv **out) {
  *out = NULL;
  coapx_edhoc_srv *s = calloc(1, sizeof *s);
  if (!s) return COAPX_ERR_NO_MEMORY;
  s->creds = creds;
  /* Unauthenticated own credentials are for clients: a server that named
   * no key of its own has nothing to answer with. */
  for (size_t i = 0; i < store_credentials_size(creds) && s->n_own < MAX_OWN;
       i++) {
    const store_edhoc_entry *e = store_credentials_edhoc_at(creds, i, NULL);
    if (!e || !e->has_own || e->own_unauthenticated) continue;
    own_cred *o = &s->own[s->n_own];
    o->e = e;
    if (store_edhoc_own(e, edhoc_suite_by_id(e->suite), true, &o->cred,
                        &o->key) != EDHOC_OK) {
      coapx_edhoc_srv_free(s);
      return COAPX_ERR_OSCORE;
    }
    s->n_own++;
    add_suite(s, e->suite);
  }
  if (s->n_own == 0) {
    free(s);
    return COAPX_OK;
  }
  s->pending = edhoc_table_new(COAPX_EDHOC_MAX_PENDING);
  if (!s->pending) {
    coapx_edhoc_srv_free(s);
    return COAPX_ERR_NO_MEMORY;
  }
  store_credentials_set_max_derived(creds, max_contexts);
  *out = s;
  return COAPX_OK;
}

void coapx_edhoc_srv_free(coapx_edhoc_srv *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_own; i++) {
    edhoc_cred_clear(&s->own[i].cred);
    edhoc_key_free(s->own[i].key);
  }
  edhoc_table_free(s->pending);
  free(s);
}

bool coapx_edhoc_srv_wants(const oscore_msg *outer) {
  if (outer->code != OSCORE_CODE(0, OSCORE_CODE_POST) ||
      oscore_msg_find_opt(outer, OSCORE_OPT_OSCORE))
    return false;
  static const char *const path[] = { ".well-known", EDHOC_WELL_KNOWN };
  size_t k = 0;
  for (size_t i = 0; i < outer->n_opts; i++) {
    const oscore_opt *o = &outer->opts[i];
    if (o->number != OSCORE_OPT_URI_PATH) continue;
    if (k == 2 || o->value.len != strlen(path[k]) ||
        memcmp(o->value.ptr, path[k], o->value.len) != 0)
      return false;
    k++;
  }
  return k == 2;
}

/* The peer's credential: entries naming a credential first, then one that
 * accepts anybody (so a known peer keeps its own label). */
static edhoc_err lookup(void *arg, const edhoc_id_cred *id, edhoc_cred *out) {
  coapx_edhoc_srv *s = arg;
  for (int anyone = 0; anyone < 2; anyone++)
    for (size_t i = 0; i < store_credentials_size(s->creds); i++) {
      const store_edhoc_entry *e = store_credentials_edhoc_at(s->creds, i,
                                                              NULL);
      if (!e || !e->has_peer || e->peer_unauthenticated != (anyone == 1))
        continue;
      if (store_edhoc_peer_match(e, id, out) == EDHOC_OK) return EDHOC_OK;
    }
  return EDHOC_ERR_UNKNOWN_CRED;
}

/* The label of the entry |lookup| took the authenticated |peer| from. */
static const char *identity_of(const coapx_edhoc_srv *s,
                               const edhoc_cred *peer) {
  const char *key;
  for (int anyone = 0; anyone < 2; anyone++)
    for (size_t i = 0; i < store_credentials_size(s->creds); i++) {
      const store_edhoc_entry *e = store_credentials_edhoc_at(s->creds, i,
                                                              &key);
      if (!e || !e->has_peer || e->peer_unauthenticated != (anyone == 1))
        continue;
      if (anyone || (peer->kind == EDHOC_CRED_CCS &&
                     e->peer_ccs_len == peer->item_len &&
                     memcmp(e->peer_ccs, peer->item, peer->item_len) == 0))
        return key;
    }
  return NULL;
}

/* An OSCORE Recipient ID in use (a map context or a derived one). */
static bool cid_taken(void *arg, oscore_bytes cid) {
  return store_credentials_find(arg, cid.ptr, cid.len, false, NULL, 0,
                                NULL) != NULL;
}

static void answer_init(coapx_edhoc_srv *s, oscore_msg *a, uint8_t code,
                        size_t len) {
  a->code = code;
  a->n_opts = 0;
  a->payload = OSCORE_BYTES(s->out, len);
  if (len) {
    s->cf[0] = EDHOC_CF_EDHOC_SEQ;
    oscore_msg_add_opt(a, OSCORE_OPT_CONTENT_FORMAT, OSCORE_BYTES(s->cf, 1));
  }
}

/* 4.00 with an EDHOC error message (Appendix A.2) for |err|. */
static void answer_error(coapx_edhoc_srv *s, edhoc_session *sess,
                         edhoc_err err, oscore_msg *a) {
  size_t len = 0;
  edhoc_err w;
  if (err == EDHOC_ERR_UNSUPPORTED_SUITE && sess) {
    edhoc_config cfg = { .n_suites = s->n_suites };
    memcpy(cfg.suites, s->suites, sizeof cfg.suites);
    w = edhoc_error_suites(&cfg, s->out, sizeof s->out, &len);
  } else if (err == EDHOC_ERR_UNKNOWN_CRED) {
    w = edhoc_error_unknown_cred(s->out, sizeof s->out, &len);
  } else {
    char text[96];
    snprintf(text, sizeof text, "EDHOC failed: %s", edhoc_strerror(err));
    w = edhoc_error_unspecified(text, s->out, sizeof s->out, &len);
  }
  answer_init(s, a, OSCORE_CODE(4, 0), w == EDHOC_OK ? len : 0);
}

/* The first of our credentials that can do what the session's suite and
 * method ask of the responder, preferring one listed for that suite. */
static const own_cred *pick_own(const coapx_edhoc_srv *s,
                                const edhoc_session *sess) {
  const edhoc_suite *suite = edhoc_session_suite(sess);
  int m = edhoc_session_method(sess);
  bool sign = m == 0 || m == 2;
  for (int any_suite = 0; any_suite < 2; any_suite++)
    for (size_t i = 0; i < s->n_own; i++)
      if ((any_suite || s->own[i].e->suite == suite->id) &&
          store_edhoc_own_fits(s->own[i].e, suite, sign))
        return &s->own[i];
  return NULL;
}

static void on_message_1(coapx_edhoc_srv *s, oscore_bytes msg,
                         uint64_t peer_key, oscore_msg *a) {
  edhoc_config cfg = { .methods = 0xf, .n_suites = s->n_suites,
                       .own_cred = &s->own[0].cred, .own_key = s->own[0].key,
                       .lookup = lookup, .lookup_arg = s };
  memcpy(cfg.suites, s->suites, sizeof cfg.suites);
  edhoc_session *sess;
  edhoc_err err = edhoc_session_new(EDHOC_RESPONDER, &cfg, &sess);
  if (err != EDHOC_OK) {
    answer_error(s, NULL, err, a);
    return;
  }
  err = edhoc_r_process_message_1(sess, msg);
  const own_cred *own = err == EDHOC_OK ? pick_own(s, sess) : NULL;
  if (err == EDHOC_OK && !own) err = EDHOC_ERR_UNSUPPORTED_METHOD;
  uint8_t cid[EDHOC_MAX_CID];
  size_t cid_len = 0;
  if (err == EDHOC_OK)
    err = edhoc_table_pick_cid(s->pending, edhoc_session_peer_cid(sess),
                               cid_taken, s->creds, cid, &cid_len);
  if (err == EDHOC_OK)
    err = edhoc_r_set_own(sess, &own->cred, own->key, own->e->own_style,
                          OSCORE_BYTES(cid, cid_len));
  edhoc_key *eph = NULL;
  if (err == EDHOC_OK)
    err = edhoc_key_generate(edhoc_session_suite(sess)->dh, &eph);
  size_t len = 0;
  if (err == EDHOC_OK)
    err = edhoc_r_message_2(sess, eph, s->out, sizeof s->out, &len);
  if (err != EDHOC_OK) {
    answer_error(s, sess, err, a);
    edhoc_session_free(sess);
    return;
  }
  /* The table owns the session from here, also on error. */
  if (edhoc_table_put_owned(s->pending, OSCORE_BYTES(cid, cid_len), sess,
                            peer_key, COAPX_EDHOC_MAX_PENDING_PER_PEER) !=
      EDHOC_OK) {
    answer_error(s, NULL, EDHOC_ERR_INVALID_ARG, a);
    return;
  }
  answer_init(s, a, OSCORE_CODE(2, 4), len);
}

/* message_3 for the session under |c_r|: the OSCORE context goes into the
 * map; the 2.04 carries message_4 when |with_4| (aiocoap's initiator
 * waits for it after a message_3 of its own; the combined request's
 * answer is the OSCORE response instead). false (and the error in |a|)
 * when EDHOC failed. */
static bool on_message_3(coapx_edhoc_srv *s, oscore_bytes c_r,
                         oscore_bytes msg, bool with_4, oscore_msg *a,
                         coapx_edhoc_done *done) {
  edhoc_session *sess = edhoc_table_take(s->pending, c_r);
  edhoc_err err = sess ? edhoc_r_process_message_3(sess, msg)
                       : EDHOC_ERR_STATE;   /* unknown or dropped C_R */
  const char *identity =
      err == EDHOC_OK ? identity_of(s, edhoc_session_peer_cred(sess)) : NULL;
  if (err == EDHOC_OK && !identity) err = EDHOC_ERR_UNKNOWN_CRED;
  edhoc_oscore params;
  if (err == EDHOC_OK) err = edhoc_oscore_params(sess, &params);
  size_t len4 = 0;
  if (err == EDHOC_OK && with_4)
    err = edhoc_r_message_4(sess, s->out, sizeof s->out, &len4);
  edhoc_session_free(sess);
  if (err != EDHOC_OK) {
    answer_error(s, NULL, err, a);
    return false;
  }
  char name[160];
  snprintf(name, sizeof name, "EDHOC with %.100s", identity);
  store_context *sc = NULL;
  store_err se = store_context_from_edhoc(&params, name, NULL, &sc);
  oscore_wipe(&params, sizeof params);
  if (se == STORE_OK)
    se = store_credentials_add_derived(s->creds, sc, identity, &done->evicted);
  if (se != STORE_OK) {
    store_context_close(sc, NULL);
    answer_error(s, NULL, EDHOC_ERR_INVALID_ARG, a);
    return false;
  }
  done->identity = identity;
  answer_init(s, a, OSCORE_CODE(2, 4), len4);
  return true;
}

void coapx_edhoc_srv_answer(coapx_edhoc_srv *s, const oscore_msg *req,
                            uint64_t peer_key, oscore_msg *answer,
                            coapx_edhoc_done *done) {
  memset(done, 0, sizeof *done);
  const oscore_opt *cf = oscore_msg_find_opt(req, OSCORE_OPT_CONTENT_FORMAT);
  uint32_t v = 0;
  if (cf && (oscore_opt_uint(cf->value, &v) != OSCORE_OK ||
             v != EDHOC_CF_CID_EDHOC_SEQ)) {
    answer_init(s, answer, OSCORE_CODE(4, 15), 0);
    return;
  }
  edhoc_coap_request rq;
  if (edhoc_coap_read_request(req->payload, &rq) != EDHOC_OK) {
    answer_error(s, NULL, EDHOC_ERR_MALFORMED, answer);
    return;
  }
  if (rq.is_message_1)
    on_message_1(s, rq.message, peer_key, answer);
  else if (edhoc_is_error(rq.message)) {   /* the initiator gave up */
    edhoc_peer_error pe;
    if (edhoc_error_decode(rq.message, &pe) != EDHOC_OK) {
      answer_error(s, NULL, EDHOC_ERR_MALFORMED, answer);
      return;
    }
    edhoc_session_free(edhoc_table_take(s->pending, rq.c_r));
    answer_init(s, answer, OSCORE_CODE(2, 4), 0);
  } else
    on_message_3(s, rq.c_r, rq.message, true, answer, done);
}

bool coapx_edhoc_srv_combined(coapx_edhoc_srv *s, oscore_msg *outer,
                              oscore_msg *answer, coapx_edhoc_done *done) {
  memset(done, 0, sizeof *done);
  const oscore_opt *o9 = oscore_msg_find_opt(outer, OSCORE_OPT_OSCORE);
  oscore_option opt;
  oscore_bytes msg3, rest;
  if (!o9 || oscore_option_decode(o9->value, &opt) != OSCORE_OK ||
      !opt.has_kid ||
      edhoc_coap_read_combined(outer->payload, &msg3, &rest) != EDHOC_OK) {
    answer_error(s, NULL, EDHOC_ERR_MALFORMED, answer);
    return false;
  }
  /* RFC 9668 §3.3.1: the kid is C_R, message_3 finishes that session. */
  if (!on_message_3(s, opt.kid, msg3, false, answer, done)) return false;
  oscore_msg_remove_opt(outer, EDHOC_COAP_OPTION);
  outer->payload = rest;
  return true;
}
