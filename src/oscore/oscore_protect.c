/* Protecting and verifying requests and responses (RFC 8613 §4, §5, §8).
 *
 * Observe follows aiocoap (aiocoap/oscore.py, oscore_sitewrapper.py):
 * requests carry the same Observe inside and outside and go out as FETCH;
 * a response keeps its Observe inside and gets an outer Observe derived
 * from the sender sequence number; the outer code of a response is 2.05 for
 * a FETCH request and 2.04 otherwise (§4.2).
 *
 * A context's oscore_profile (draft-08, oscore_profile.h) changes what it
 * names: the option number, Observe outer only, 2.04 for every response
 * and a partial IV in every notification. */
#include <string.h>
#include "oscore_secret.h"
#include "oscore_aad.h"
#include "oscore_optwriter.h"
#include "oscore_protect.h"
#include "oscore_text.h"

#define CODE_CHANGED OSCORE_CODE(2, 4)
#define CODE_CONTENT OSCORE_CODE(2, 5)
/* RFC 7641 §4.4: Observe values are 24 bits. */
#define OBSERVE_MASK 0xFFFFFFu
/* Flag byte, 5 bytes partial IV, s and kid context, kid (§6.1). */
#define OPTION_MAX (1 + 5 + 1 + OSCORE_MAX_IDCTX_LEN + OSCORE_MAX_ID_LEN)

oscore_class oscore_option_class(uint16_t number) {
  switch (number) {
  case OSCORE_OPT_URI_HOST:
  case OSCORE_OPT_URI_PORT:
  case OSCORE_OPT_PROXY_SCHEME:
  case OSCORE_OPT_OSCORE:
    return OSCORE_CLASS_U;
  /* §4.1.3.5 Observe and §4.1.3.6 No-Response: the inner one is for the
   * endpoint, the outer one for proxies, both with the same value. */
  case OSCORE_OPT_OBSERVE:
  case OSCORE_OPT_NO_RESPONSE:
    return OSCORE_CLASS_EU;
  case OSCORE_OPT_PROXY_URI:
    return OSCORE_CLASS_SPLIT;
  default:
    /* §4.1: unknown options are class E. Outer Max-Age, Block and Size
     * options are only ever added by proxies, never by protect. */
    return OSCORE_CLASS_E;
  }
}

/* The class of |number| under profile |p|: the profile's OSCORE option is
 * outer only, and draft-08 keeps Observe outer only. */
static oscore_class class_in(const oscore_profile *p, uint16_t number) {
  if (number == oscore_profile_option(p)) return OSCORE_CLASS_U;
  if (number == OSCORE_OPT_OBSERVE && p->observe_outer_only)
    return OSCORE_CLASS_U;
  return oscore_option_class(number);
}

static bool slice_ok(oscore_bytes b) { return b.ptr != NULL || b.len == 0; }

static bool bytes_eq(oscore_bytes a, const uint8_t *b, size_t blen) {
  return a.len == blen && (blen == 0 || memcmp(a.ptr, b, blen) == 0);
}

/* ---- Proxy-Uri (§4.1.3.3, decomposition per RFC 7252 §6.4) ---- */

typedef struct {
  bool present;
  oscore_bytes outer;   /* scheme://authority: the outer Proxy-Uri */
  oscore_bytes path;    /* from the authority's end up to '?' */
  bool has_query;
  oscore_bytes query;   /* after '?' */
} proxy_uri;

static bool is_scheme_char(uint8_t c, bool first) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (first) return alpha;
  return alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

static oscore_err proxy_uri_split(oscore_bytes v, proxy_uri *p) {
  memset(p, 0, sizeof *p);
  p->present = true;
  size_t i = 0;
  while (i < v.len && is_scheme_char(v.ptr[i], i == 0)) i++;
  if (i == 0 || v.len - i < 3 || memcmp(v.ptr + i, "://", 3) != 0)
    return OSCORE_ERR_MSG_MALFORMED;  /* §6.4 step 2: must be absolute */
  size_t a = i + 3, e = a;
  while (e < v.len && v.ptr[e] != '/' && v.ptr[e] != '?' && v.ptr[e] != '#')
    e++;
  if (e == a) return OSCORE_ERR_MSG_MALFORMED;
  if (memchr(v.ptr + e, '#', v.len - e))
    return OSCORE_ERR_MSG_MALFORMED;  /* §6.4 step 5: no fragments */
  p->outer = OSCORE_BYTES(v.ptr, e);
  const uint8_t *q = memchr(v.ptr + e, '?', v.len - e);
  size_t qpos = q ? (size_t)(q - v.ptr) : v.len;
  p->path = OSCORE_BYTES(v.ptr + e, qpos - e);
  if (q) {
    p->has_query = true;
    p->query = OSCORE_BYTES(v.ptr + qpos + 1, v.len - qpos - 1);
  }
  return OSCORE_OK;
}

/* One option whose value is |s| with percent-encodings decoded. */
static oscore_err put_pct(oscore_optw *w, uint16_t number, oscore_bytes s) {
  long n = oscore_pct_decode(s.ptr, s.len, NULL);
  if (n < 0) return OSCORE_ERR_MSG_MALFORMED;
  uint8_t *dst;
  oscore_err e = oscore_optw_begin(w, number, (size_t)n, &dst);
  if (e != OSCORE_OK) return e;
  oscore_pct_decode(s.ptr, s.len, dst);
  return OSCORE_OK;
}

/* Every |sep|-separated piece of |s| as an option |number|. */
static oscore_err put_pieces(oscore_optw *w, uint16_t number, oscore_bytes s,
                             uint8_t sep) {
  size_t start = 0;
  for (size_t i = 0; i <= s.len; i++) {
    if (i < s.len && s.ptr[i] != sep) continue;
    oscore_err e = put_pct(w, number, OSCORE_BYTES(s.ptr + start, i - start));
    if (e != OSCORE_OK) return e;
    start = i + 1;
  }
  return OSCORE_OK;
}

/* §6.4 steps 8 and 9: no Uri-Path for an empty path or "/". */
static oscore_err put_path(oscore_optw *w, const proxy_uri *p) {
  if (p->path.len <= 1) return OSCORE_OK;
  return put_pieces(w, OSCORE_OPT_URI_PATH,
                    OSCORE_BYTES(p->path.ptr + 1, p->path.len - 1), '/');
}

static oscore_err put_query(oscore_optw *w, const proxy_uri *p) {
  if (!p->has_query) return OSCORE_OK;
  return put_pieces(w, OSCORE_OPT_URI_QUERY, p->query, '&');
}

/* ---- plaintext (§5.3) ---- */

/* code || class E options (with Observe and No-Response, and the Uri-Path
 * and Uri-Query decomposed from Proxy-Uri) || 0xFF payload, into |out|. */
static oscore_err write_plaintext(const oscore_profile *p, const oscore_msg *m,
                                  const proxy_uri *pu, uint8_t *out, size_t cap,
                                  size_t *len) {
  if (cap < 1) return OSCORE_ERR_BUFFER_TOO_SMALL;
  out[0] = m->code;
  oscore_optw w;
  oscore_optw_init(&w, out + 1, cap - 1);
  bool path_done = !pu->present, query_done = !pu->present;
  oscore_err e = OSCORE_OK;
  for (size_t i = 0; i < m->n_opts && e == OSCORE_OK; i++) {
    uint16_t num = m->opts[i].number;
    oscore_class c = class_in(p, num);
    if (c == OSCORE_CLASS_U || c == OSCORE_CLASS_SPLIT) continue;
    if (!path_done && num > OSCORE_OPT_URI_PATH) {
      e = put_path(&w, pu);
      path_done = true;
    }
    if (e == OSCORE_OK && !query_done && num > OSCORE_OPT_URI_QUERY) {
      e = put_query(&w, pu);
      query_done = true;
    }
    if (e == OSCORE_OK) e = oscore_optw_put(&w, num, m->opts[i].value);
  }
  if (e == OSCORE_OK && !path_done) e = put_path(&w, pu);
  if (e == OSCORE_OK && !query_done) e = put_query(&w, pu);
  if (e == OSCORE_OK) e = oscore_optw_payload(&w, m->payload);
  if (e == OSCORE_OK) *len = 1 + w.len;
  return e;
}

/* Check the message to protect and split its Proxy-Uri. */
static oscore_err check_plain(const oscore_profile *p, const oscore_msg *m,
                              bool is_request, proxy_uri *pu) {
  memset(pu, 0, sizeof *pu);
  if (!m || (m->n_opts && !m->opts) || !slice_ok(m->payload))
    return OSCORE_ERR_INVALID_ARG;
  for (size_t i = 0; i < m->n_opts; i++) {
    if (!slice_ok(m->opts[i].value) ||
        (i && m->opts[i].number < m->opts[i - 1].number))
      return OSCORE_ERR_INVALID_ARG;
  }
  /* §4.1.3.7: nested OSCORE is not supported. */
  if (oscore_msg_find_opt(m, OSCORE_OPT_OSCORE) ||
      oscore_msg_find_opt(m, oscore_profile_option(p)))
    return OSCORE_ERR_INVALID_ARG;
  const oscore_opt *px = oscore_msg_find_opt(m, OSCORE_OPT_PROXY_URI);
  if (!px) return OSCORE_OK;
  /* Proxy-Uri is a request option, not repeatable (RFC 7252 §5.10), and
   * excludes the Uri-* options (§5.10.2). A second one would otherwise
   * go out as a copy of the first's outer part. */
  if (!is_request || (px + 1 < m->opts + m->n_opts &&
                      px[1].number == OSCORE_OPT_PROXY_URI) ||
      oscore_msg_find_opt(m, OSCORE_OPT_URI_HOST) ||
      oscore_msg_find_opt(m, OSCORE_OPT_URI_PORT) ||
      oscore_msg_find_opt(m, OSCORE_OPT_URI_PATH) ||
      oscore_msg_find_opt(m, OSCORE_OPT_URI_QUERY))
    return OSCORE_ERR_INVALID_ARG;
  return proxy_uri_split(px->value, pu);
}

/* Outer options of a message to send: class U as they are, the outer part
 * of Proxy-Uri, class EU (Observe gets |observe| when given), then OSCORE
 * with |oscore_value|. */
static oscore_err build_outer(const oscore_profile *p, const oscore_msg *plain,
                              const proxy_uri *pu, const oscore_bytes *observe,
                              oscore_bytes oscore_value, oscore_msg *outer) {
  outer->n_opts = 0;
  outer->payload = OSCORE_BYTES(NULL, 0);
  oscore_err e = OSCORE_OK;
  for (size_t i = 0; i < plain->n_opts && e == OSCORE_OK; i++) {
    const oscore_opt *o = &plain->opts[i];
    switch (class_in(p, o->number)) {
    case OSCORE_CLASS_U:
    case OSCORE_CLASS_EU:
      e = oscore_msg_add_opt(outer, o->number,
                             o->number == OSCORE_OPT_OBSERVE && observe
                                 ? *observe : o->value);
      break;
    case OSCORE_CLASS_SPLIT:
      e = oscore_msg_add_opt(outer, o->number, pu->outer);
      break;
    case OSCORE_CLASS_E:
      break;
    }
  }
  if (e == OSCORE_OK)
    e = oscore_msg_add_opt(outer, oscore_profile_option(p), oscore_value);
  return e;
}

/* Encrypt |plain| into |buf| from |off|: the plaintext is built there,
 * sealed behind itself and wiped; |*cipher| points at the ciphertext. */
static oscore_err seal(const oscore_ctx *ctx, oscore_bytes nonce_id,
                       oscore_bytes nonce_piv, oscore_bytes req_kid,
                       oscore_bytes req_piv, const oscore_msg *plain,
                       const proxy_uri *pu, uint8_t *buf, size_t cap,
                       size_t off, oscore_bytes *cipher) {
  if (cap < off) return OSCORE_ERR_BUFFER_TOO_SMALL;
  size_t plen;
  oscore_err e = write_plaintext(&ctx->profile, plain, pu, buf + off,
                                 cap - off, &plen);
  if (e != OSCORE_OK) return e;
  uint8_t aad[OSCORE_AAD_MAX];
  size_t aad_len;
  uint8_t nonce[OSCORE_MAX_NONCE_LEN];
  e = oscore_aad_build(ctx->alg->cose, req_kid, req_piv, aad, sizeof aad,
                       &aad_len);
  if (e == OSCORE_OK)
    e = oscore_ctx_nonce(ctx, nonce_id, nonce_piv, nonce, sizeof nonce);
  size_t clen = 0;
  uint8_t *c = buf + off + plen;
  if (e == OSCORE_OK)
    e = oscore_aead_encrypt(ctx->alg,
                            OSCORE_BYTES(ctx->sender_key, ctx->alg->key_len),
                            OSCORE_BYTES(nonce, ctx->alg->nonce_len),
                            OSCORE_BYTES(aad, aad_len),
                            OSCORE_BYTES(buf + off, plen), c,
                            cap - off - plen, &clen);
  oscore_wipe(buf + off, plen);
  oscore_wipe(nonce, sizeof nonce);
  if (e != OSCORE_OK) return e;
  *cipher = OSCORE_BYTES(c, clen);
  return OSCORE_OK;
}

/* B.1.1: a number is only used once the store persisted a limit above it. */
static oscore_err seq_check(const oscore_ctx *ctx) {
  if (ctx->sender_seq > OSCORE_MAX_SEQ) return OSCORE_ERR_SEQ_EXHAUSTED;
  if (ctx->sender_seq >= ctx->seq_limit) return OSCORE_ERR_SEQ_NOT_RESERVED;
  return OSCORE_OK;
}

static bool ctx_ok(const oscore_ctx *ctx) {
  return ctx && ctx->alg && ctx->sender_id_len <= OSCORE_MAX_ID_LEN &&
         ctx->recipient_id_len <= OSCORE_MAX_ID_LEN &&
         ctx->id_context_len <= OSCORE_MAX_IDCTX_LEN;
}

static bool out_ok(const oscore_msg *plain, const oscore_msg *outer) {
  return outer && outer != plain && (outer->opts || !outer->cap_opts);
}

oscore_err oscore_protect_request(oscore_ctx *ctx, const oscore_msg *plain,
                                  oscore_msg *outer, uint8_t *buf, size_t cap,
                                  oscore_request_id *rid) {
  if (!ctx_ok(ctx) || !out_ok(plain, outer) || !buf || !rid)
    return OSCORE_ERR_INVALID_ARG;
  proxy_uri pu;
  oscore_err e = check_plain(&ctx->profile, plain, true, &pu);
  if (e == OSCORE_OK) e = seq_check(ctx);
  if (e != OSCORE_OK) return e;

  uint8_t piv[5];
  size_t piv_len = oscore_piv_encode(ctx->sender_seq, piv);
  if (piv_len == 0) return OSCORE_ERR_SEQ_EXHAUSTED;
  oscore_bytes kid = OSCORE_BYTES(ctx->sender_id, ctx->sender_id_len);
  oscore_option o = {
    .piv = OSCORE_BYTES(piv, piv_len),
    .has_kid = true,
    .kid = kid,
    .has_kid_context = ctx->has_id_context,
    .kid_context = OSCORE_BYTES(ctx->id_context, ctx->id_context_len),
  };
  size_t olen;
  e = oscore_option_encode(&o, buf, cap, &olen);
  if (e != OSCORE_OK) return e;

  bool observe = oscore_msg_find_opt(plain, OSCORE_OPT_OBSERVE) != NULL;
  e = build_outer(&ctx->profile, plain, &pu, NULL, OSCORE_BYTES(buf, olen),
                  outer);
  if (e != OSCORE_OK) return e;
  /* §4.2; aiocoap sends every Observe request as FETCH. */
  outer->code = observe ? OSCORE_CODE(0, OSCORE_CODE_FETCH)
                        : OSCORE_CODE(0, OSCORE_CODE_POST);
  e = seal(ctx, kid, o.piv, kid, o.piv, plain, &pu, buf, cap, olen,
           &outer->payload);
  if (e != OSCORE_OK) return e;

  memset(rid, 0, sizeof *rid);
  memcpy(rid->kid, ctx->sender_id, ctx->sender_id_len);
  rid->kid_len = ctx->sender_id_len;
  memcpy(rid->piv, piv, piv_len);
  rid->piv_len = piv_len;
  rid->seq = ctx->sender_seq;
  rid->piv_reusable = true;
  rid->observe = observe;
  ctx->sender_seq++;
  return OSCORE_OK;
}

bool oscore_response_needs_own_piv(const oscore_ctx *ctx,
                                   const oscore_request_id *rid, bool own_piv,
                                   const oscore_msg *plain) {
  /* A request whose freshness is unknown may be a replay: answering it
   * with its own nonce could repeat a nonce under our key (§7.4, B.1.2). */
  if (own_piv || !rid || !rid->piv_reusable) return true;
  return ctx && ctx->profile.notifications_own_piv &&
         oscore_msg_find_opt(plain, OSCORE_OPT_OBSERVE) != NULL;
}

oscore_err oscore_protect_response(oscore_ctx *ctx, oscore_request_id *rid,
                                   bool own_piv, const oscore_msg *plain,
                                   oscore_msg *outer, uint8_t *buf, size_t cap) {
  if (!ctx_ok(ctx) || !out_ok(plain, outer) || !buf || !rid ||
      rid->kid_len > OSCORE_MAX_ID_LEN || rid->piv_len < 1 || rid->piv_len > 5)
    return OSCORE_ERR_INVALID_ARG;
  proxy_uri pu;
  oscore_err e = check_plain(&ctx->profile, plain, false, &pu);
  if (e != OSCORE_OK) return e;
  bool use_own = oscore_response_needs_own_piv(ctx, rid, own_piv, plain);
  if (!use_own && rid->nonce_used) return OSCORE_ERR_NONCE_USED;
  if (use_own && (e = seq_check(ctx)) != OSCORE_OK) return e;

  uint8_t piv[5];
  size_t piv_len = 0;
  if (use_own && (piv_len = oscore_piv_encode(ctx->sender_seq, piv)) == 0)
    return OSCORE_ERR_SEQ_EXHAUSTED;
  oscore_option o = { .piv = OSCORE_BYTES(piv, piv_len) };
  size_t olen;
  e = oscore_option_encode(&o, buf, cap, &olen);
  if (e != OSCORE_OK) return e;

  /* aiocoap's outer Observe on notifications: the sender sequence number
   * after this message, a counter that grows with every notification and
   * that a proxy can order by (RFC 7641 §4.4); kept to 24 bits. */
  size_t off = olen;
  oscore_bytes obs_val = OSCORE_BYTES(NULL, 0);
  if (oscore_msg_find_opt(plain, OSCORE_OPT_OBSERVE)) {
    if (cap - off < 4) return OSCORE_ERR_BUFFER_TOO_SMALL;
    uint64_t next = ctx->sender_seq + (use_own ? 1 : 0);
    size_t n = oscore_opt_uint_encode((uint32_t)(next & OBSERVE_MASK),
                                      buf + off);
    obs_val = OSCORE_BYTES(buf + off, n);
    off += n;
  }
  e = build_outer(&ctx->profile, plain, &pu, &obs_val,
                  OSCORE_BYTES(buf, olen), outer);
  if (e != OSCORE_OK) return e;
  outer->code = rid->observe && !ctx->profile.responses_always_changed
                    ? CODE_CONTENT : CODE_CHANGED;

  oscore_bytes req_kid = OSCORE_BYTES(rid->kid, rid->kid_len);
  oscore_bytes req_piv = OSCORE_BYTES(rid->piv, rid->piv_len);
  if (use_own)
    e = seal(ctx, OSCORE_BYTES(ctx->sender_id, ctx->sender_id_len), o.piv,
             req_kid, req_piv, plain, &pu, buf, cap, off, &outer->payload);
  else
    e = seal(ctx, req_kid, req_piv, req_kid, req_piv, plain, &pu, buf, cap,
             off, &outer->payload);
  if (e != OSCORE_OK) return e;
  if (use_own)
    ctx->sender_seq++;
  else
    rid->nonce_used = true;
  return OSCORE_OK;
}

/* ---- receiving ---- */

/* Decrypt |outer|'s payload into |buf| and decode code, options and payload
 * into |plain|; everything read from the plaintext is bounds-checked since
 * a peer holding the key can still send garbage. */
static oscore_err open_into(const oscore_ctx *ctx, oscore_bytes nonce_id,
                            oscore_bytes nonce_piv, oscore_bytes req_kid,
                            oscore_bytes req_piv, const oscore_msg *outer,
                            oscore_msg *plain, uint8_t *buf, size_t cap,
                            size_t *used) {
  oscore_bytes c = outer->payload;
  /* The plaintext holds at least the code byte. */
  if (!slice_ok(c) || c.len < ctx->alg->tag_len + 1) return OSCORE_ERR_DECRYPT;
  uint8_t aad[OSCORE_AAD_MAX];
  size_t aad_len;
  uint8_t nonce[OSCORE_MAX_NONCE_LEN];
  oscore_err e = oscore_aad_build(ctx->alg->cose, req_kid, req_piv, aad,
                                  sizeof aad, &aad_len);
  if (e == OSCORE_OK)
    e = oscore_ctx_nonce(ctx, nonce_id, nonce_piv, nonce, sizeof nonce);
  size_t plen = 0;
  if (e == OSCORE_OK)
    e = oscore_aead_decrypt(ctx->alg,
                            OSCORE_BYTES(ctx->recipient_key, ctx->alg->key_len),
                            OSCORE_BYTES(nonce, ctx->alg->nonce_len),
                            OSCORE_BYTES(aad, aad_len), c, buf, cap, &plen);
  oscore_wipe(nonce, sizeof nonce);
  if (e != OSCORE_OK) return e;
  if (plen < 1 || plen > cap) return OSCORE_ERR_MSG_MALFORMED;
  e = oscore_opts_payload_decode(OSCORE_BYTES(buf + 1, plen - 1), plain);
  if (e == OSCORE_ERR_INVALID_ARG) e = OSCORE_ERR_MSG_MALFORMED;
  if (e != OSCORE_OK) return e;
  /* §4.1.3.7: an OSCORE option inside means nested OSCORE. */
  if (oscore_msg_find_opt(plain, OSCORE_OPT_OSCORE) ||
      oscore_msg_find_opt(plain, oscore_profile_option(&ctx->profile)))
    return OSCORE_ERR_MSG_MALFORMED;
  plain->code = buf[0];
  *used = plen;
  return OSCORE_OK;
}

/* Add the outer options the endpoint keeps to the inner ones in |plain|:
 * class U (not OSCORE) and the outer Proxy-Uri; for No-Response the inner
 * one wins and the outer stands in when there is none. Observe is left to
 * the caller. */
static oscore_err merge_outer(const oscore_profile *p, const oscore_msg *outer,
                              oscore_msg *plain) {
  bool inner_nr = oscore_msg_find_opt(plain, OSCORE_OPT_NO_RESPONSE) != NULL;
  for (size_t i = 0; i < outer->n_opts; i++) {
    const oscore_opt *o = &outer->opts[i];
    bool keep;
    if (o->number == OSCORE_OPT_OBSERVE) continue;
    switch (class_in(p, o->number)) {
    case OSCORE_CLASS_U:
      keep = o->number != oscore_profile_option(p) &&
             o->number != OSCORE_OPT_OSCORE;
      break;
    case OSCORE_CLASS_SPLIT:
      keep = true;
      break;
    case OSCORE_CLASS_EU:
      keep = o->number == OSCORE_OPT_NO_RESPONSE && !inner_nr;
      break;
    default:
      keep = false;  /* outer class E: hop-by-hop, set by proxies */
      break;
    }
    if (!keep) continue;
    oscore_err e = oscore_msg_add_opt(plain, o->number, o->value);
    if (e != OSCORE_OK) return e;
  }
  return OSCORE_OK;
}

/* §4.1.3.5: without an outer Observe (a proxy may drop it) the request is
 * not an Observe request; the inner value is the authenticated one.
 * draft-08 has only the outer one. */
static oscore_err request_observe(const oscore_profile *p,
                                  const oscore_msg *outer, oscore_msg *plain) {
  const oscore_opt *oo = oscore_msg_find_opt(outer, OSCORE_OPT_OBSERVE);
  if (!oo || p->observe_outer_only)
    oscore_msg_remove_opt(plain, OSCORE_OPT_OBSERVE);
  for (size_t i = 0; p->observe_outer_only && i < outer->n_opts; i++) {
    if (outer->opts[i].number != OSCORE_OPT_OBSERVE) continue;
    oscore_err e = oscore_msg_add_opt(plain, OSCORE_OPT_OBSERVE,
                                      outer->opts[i].value);
    if (e != OSCORE_OK) return e;
  }
  return OSCORE_OK;
}

static bool in_ok(const oscore_msg *outer, const oscore_msg *plain) {
  return outer && plain && outer != plain && (plain->opts || !plain->cap_opts) &&
         (outer->opts || !outer->n_opts);
}

oscore_err oscore_unprotect_request(oscore_ctx *ctx, const oscore_option *opt,
                                    const oscore_msg *outer, oscore_msg *plain,
                                    uint8_t *buf, size_t cap,
                                    oscore_request_id *rid) {
  if (!ctx_ok(ctx) || !opt || !in_ok(outer, plain) || !buf || !rid ||
      !slice_ok(opt->piv) || !slice_ok(opt->kid) ||
      !slice_ok(opt->kid_context))
    return OSCORE_ERR_INVALID_ARG;
  /* §5: requests carry partial IV and kid. */
  if (opt->piv.len < 1 || opt->piv.len > 5 || !opt->has_kid)
    return OSCORE_ERR_OPTION_MALFORMED;
  if (!bytes_eq(opt->kid, ctx->recipient_id, ctx->recipient_id_len))
    return OSCORE_ERR_KID_MISMATCH;
  if (opt->has_kid_context &&
      (!ctx->has_id_context ||
       !bytes_eq(opt->kid_context, ctx->id_context, ctx->id_context_len)))
    return OSCORE_ERR_KID_MISMATCH;
  uint64_t seq;
  oscore_err e = oscore_piv_decode(opt->piv, &seq);
  if (e != OSCORE_OK) return OSCORE_ERR_OPTION_MALFORMED;

  /* Refuse a replay before spending a decryption on it; an unknown window
   * (B.1.2) still decrypts so that the caller can look for Echo. */
  oscore_err fresh = oscore_replay_check(&ctx->replay, seq);
  if (fresh != OSCORE_OK && fresh != OSCORE_ERR_WINDOW_UNINIT) return fresh;

  size_t used;
  e = open_into(ctx, opt->kid, opt->piv, opt->kid, opt->piv, outer, plain,
                buf, cap, &used);
  if (e == OSCORE_OK) e = request_observe(&ctx->profile, outer, plain);
  if (e == OSCORE_OK) e = merge_outer(&ctx->profile, outer, plain);
  if (e != OSCORE_OK) return e;

  memset(rid, 0, sizeof *rid);
  memcpy(rid->kid, opt->kid.ptr, opt->kid.len);
  rid->kid_len = opt->kid.len;
  memcpy(rid->piv, opt->piv.ptr, opt->piv.len);
  rid->piv_len = opt->piv.len;
  rid->seq = seq;
  rid->observe = outer->code == OSCORE_CODE(0, OSCORE_CODE_FETCH);
  if (fresh == OSCORE_ERR_WINDOW_UNINIT) {
    rid->piv_reusable = false;
    return OSCORE_ERR_WINDOW_UNINIT;
  }
  e = oscore_replay_mark(&ctx->replay, seq);
  if (e != OSCORE_OK) return e;
  rid->piv_reusable = true;
  return OSCORE_OK;
}

oscore_err oscore_unprotect_response(oscore_ctx *ctx,
                                     const oscore_request_id *rid,
                                     const oscore_msg *outer, oscore_msg *plain,
                                     uint8_t *buf, size_t cap,
                                     oscore_response_info *info) {
  if (!ctx_ok(ctx) || !rid || !in_ok(outer, plain) || !buf ||
      rid->kid_len > OSCORE_MAX_ID_LEN || rid->piv_len < 1 || rid->piv_len > 5)
    return OSCORE_ERR_INVALID_ARG;
  const oscore_opt *oo =
      oscore_msg_find_opt(outer, oscore_profile_option(&ctx->profile));
  if (!oo) return OSCORE_ERR_NO_OSCORE_OPTION;
  oscore_option opt;
  oscore_err e = oscore_option_decode(oo->value, &opt);
  if (e != OSCORE_OK) return e;
  /* Responses rarely name kid or kid context; when they do, they must name
   * this context (as aiocoap checks). */
  if (opt.has_kid &&
      !bytes_eq(opt.kid, ctx->recipient_id, ctx->recipient_id_len))
    return OSCORE_ERR_KID_MISMATCH;
  if (opt.has_kid_context &&
      (!ctx->has_id_context ||
       !bytes_eq(opt.kid_context, ctx->id_context, ctx->id_context_len)))
    return OSCORE_ERR_KID_MISMATCH;

  oscore_bytes req_kid = OSCORE_BYTES(rid->kid, rid->kid_len);
  oscore_bytes req_piv = OSCORE_BYTES(rid->piv, rid->piv_len);
  bool has_piv = opt.piv.len > 0;
  uint64_t seq = 0;
  if (has_piv && oscore_piv_decode(opt.piv, &seq) != OSCORE_OK)
    return OSCORE_ERR_OPTION_MALFORMED;
  size_t used;
  if (has_piv)
    e = open_into(ctx,
                  OSCORE_BYTES(ctx->recipient_id, ctx->recipient_id_len),
                  opt.piv, req_kid, req_piv, outer, plain, buf, cap, &used);
  else
    e = open_into(ctx, req_kid, req_piv, req_kid, req_piv, outer, plain, buf,
                  cap, &used);
  if (e != OSCORE_OK) return e;

  /* Observe, as aiocoap reads it: the outer option says whether this is a
   * notification (§4.1.3.5: without it, a non-Observe response); its value
   * is the partial IV, the authenticated order of notifications (§7.4.1),
   * or 0 for a response reusing the request's nonce (aiocoap: -1, "before
   * all"). Callers ordering notifications use |info|, not this value. */
  oscore_msg_remove_opt(plain, OSCORE_OPT_OBSERVE);
  if (oscore_msg_find_opt(outer, OSCORE_OPT_OBSERVE)) {
    if (cap - used < 4) return OSCORE_ERR_BUFFER_TOO_SMALL;
    size_t n = oscore_opt_uint_encode((uint32_t)(seq & OBSERVE_MASK),
                                      buf + used);
    e = oscore_msg_add_opt(plain, OSCORE_OPT_OBSERVE,
                           OSCORE_BYTES(buf + used, n));
  }
  if (e == OSCORE_OK) e = merge_outer(&ctx->profile, outer, plain);
  if (e != OSCORE_OK) return e;
  if (info) {
    info->has_piv = has_piv;
    info->seq = seq;
  }
  return OSCORE_OK;
}
