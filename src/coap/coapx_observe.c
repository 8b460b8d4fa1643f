#include "coapx_observe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coapx_server.h"

/* How many observations one peer host has. */
struct coapx_obs_host {
  coapx_obs_host *next;
  uint8_t key[16];
  size_t key_len;
  size_t count;
};

static size_t pow2_at_least(size_t n) {
  size_t p = 64;
  while (p < n && p < ((size_t)1 << 20)) p <<= 1;
  return p;
}

static size_t ptr_hash(const void *p, size_t mask) {
  uint64_t v = (uint64_t)(uintptr_t)p >> 4;
  return (size_t)((v * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static size_t key_hash(const uint8_t *k, size_t n, size_t mask) {
  return coapx_addr_key_hash(k, n) & mask;
}

coapx_err coapx_obs_list_init(coapx_obs_list *l, size_t max_total,
                              size_t max_per_peer) {
  memset(l, 0, sizeof *l);
  l->max_total = max_total ? max_total : COAPX_DEFAULT_MAX_OBSERVERS;
  l->max_per_peer =
      max_per_peer ? max_per_peer : COAPX_DEFAULT_MAX_OBSERVERS_PER_PEER;
  return COAPX_OK;
}

/* The hash tables exist while there are observations: a crowd that has
 * left leaves no tables behind (issue 13: RSS back near the start). A
 * chain per observation on average at worst; more buckets buy nothing. */
static bool tables_up(coapx_obs_list *l) {
  if (l->set) return true;
  size_t n = pow2_at_least(l->max_total);
  l->set = calloc(n, sizeof *l->set);
  l->hosts = calloc(n, sizeof *l->hosts);
  if (!l->set || !l->hosts) {
    coapx_obs_list_clear(l);
    return false;
  }
  l->set_mask = l->host_mask = n - 1;
  return true;
}

void coapx_obs_list_clear(coapx_obs_list *l) {
  if (l->hosts) {
    for (size_t i = 0; i <= l->host_mask; i++) {
      while (l->hosts[i]) {
        coapx_obs_host *h = l->hosts[i];
        l->hosts[i] = h->next;
        free(h);
      }
    }
  }
  free(l->set);
  free(l->hosts);
  l->set = NULL;
  l->hosts = NULL;
}

static coapx_obs_host **host_slot(const coapx_obs_list *l, const uint8_t *key,
                                  size_t len) {
  coapx_obs_host **p = &l->hosts[key_hash(key, len, l->host_mask)];
  while (*p && ((*p)->key_len != len || memcmp((*p)->key, key, len) != 0))
    p = &(*p)->next;
  return p;
}

bool coapx_obs_admit(const coapx_obs_list *l, const coap_address_t *remote) {
  if (l->count >= l->max_total) return false;
  if (!l->hosts) return true;
  uint8_t key[16];
  size_t len = coapx_addr_host_key(remote, key);
  coapx_obs_host *h = *host_slot(l, key, len);
  return !h || h->count < l->max_per_peer;
}

coapx_err coapx_obs_new(coap_session_t *session, coap_bin_const_t token,
                        const oscore_msg *request, bool is_protected,
                        store_context *sc, const oscore_request_id *rid,
                        const char *identity, const char *peer,
                        struct coapx_observation **out) {
  if (!session || !request || !out || token.length > 8 ||
      (is_protected && (!sc || !rid)))
    return COAPX_ERR_INVALID_ARG;
  struct coapx_observation *o = calloc(1, sizeof *o);
  if (!o) return COAPX_ERR_NO_MEMORY;
  size_t cap = 1 + request->payload.len;
  for (size_t i = 0; i < request->n_opts; i++)
    cap += 5 + request->opts[i].value.len;
  o->req_wire = malloc(cap);
  if (!o->req_wire) { free(o); return COAPX_ERR_NO_MEMORY; }
  if (oscore_opts_payload_encode(request, o->req_wire, cap, &o->req_wire_len) !=
      OSCORE_OK) {
    free(o->req_wire);
    free(o);
    return COAPX_ERR_INVALID_ARG;
  }
  o->req_code = request->code;
  if (token.length) memcpy(o->token, token.s, token.length);
  o->token_len = token.length;
  o->is_protected = is_protected;
  o->sc = is_protected ? sc : NULL;
  if (is_protected) {
    /* The registration's answer reuses the request's nonce; every
     * notification must carry its own partial IV (RFC 8613 §8.3). */
    o->rid = *rid;
    o->rid.nonce_used = true;
  }
  o->identity = identity;
  snprintf(o->peer, sizeof o->peer, "%s", peer ? peer : "");
  for (size_t i = 0; i < sizeof o->mids / sizeof o->mids[0]; i++)
    o->mids[i] = COAP_INVALID_MID;
  o->host_key_len =
      coapx_addr_host_key(coap_session_get_addr_remote(session), o->host_key);
  o->session = coap_session_reference(session);
  *out = o;
  return COAPX_OK;
}

void coapx_obs_free(struct coapx_observation *obs) {
  if (!obs) return;
  if (obs->session) coap_session_release(obs->session);
  free(obs->req_wire);
  free(obs);
}

coapx_err coapx_obs_link(coapx_obs_list *l, struct coapx_observation *obs) {
  if (!tables_up(l)) return COAPX_ERR_NO_MEMORY;
  coapx_obs_host **hp = host_slot(l, obs->host_key, obs->host_key_len);
  if (!*hp) {
    coapx_obs_host *h = calloc(1, sizeof *h);
    if (!h) return COAPX_ERR_NO_MEMORY;
    memcpy(h->key, obs->host_key, obs->host_key_len);
    h->key_len = obs->host_key_len;
    *hp = h;
  }
  obs->host = *hp;
  obs->host->count++;
  obs->prev = NULL;
  obs->next = l->head;
  if (l->head) l->head->prev = obs;
  l->head = obs;
  struct coapx_observation **b = &l->set[ptr_hash(obs, l->set_mask)];
  obs->hnext = *b;
  *b = obs;
  obs->snext = coap_session_get_app_data(obs->session);
  coap_session_set_app_data(obs->session, obs);
  l->count++;
  return COAPX_OK;
}

bool coapx_obs_linked(const coapx_obs_list *l,
                      const struct coapx_observation *obs) {
  if (!l->set) return false;
  for (const struct coapx_observation *o = l->set[ptr_hash(obs, l->set_mask)];
       o; o = o->hnext)
    if (o == obs) return true;
  return false;
}

bool coapx_obs_unlink(coapx_obs_list *l, struct coapx_observation *obs) {
  if (!coapx_obs_linked(l, obs)) return false;
  struct coapx_observation **p = &l->set[ptr_hash(obs, l->set_mask)];
  while (*p != obs) p = &(*p)->hnext;
  *p = obs->hnext;
  if (obs->prev) obs->prev->next = obs->next;
  else l->head = obs->next;
  if (obs->next) obs->next->prev = obs->prev;
  /* The session's own list: at most one peer's few. */
  struct coapx_observation *first = coap_session_get_app_data(obs->session);
  if (first == obs) {
    coap_session_set_app_data(obs->session, obs->snext);
  } else {
    for (struct coapx_observation *o = first; o; o = o->snext)
      if (o->snext == obs) { o->snext = obs->snext; break; }
  }
  if (--obs->host->count == 0) {
    coapx_obs_host **hp = host_slot(l, obs->host->key, obs->host->key_len);
    *hp = obs->host->next;
    free(obs->host);
  }
  if (obs->pending) {
    obs->pending = false;
    l->pending--;
  }
  obs->host = NULL;
  obs->next = obs->prev = obs->hnext = obs->snext = NULL;
  if (--l->count == 0) coapx_obs_list_clear(l);
  return true;
}

struct coapx_observation *coapx_obs_of_session(const coap_session_t *s) {
  return s ? coap_session_get_app_data(s) : NULL;
}

struct coapx_observation *coapx_obs_find_token(const coap_session_t *s,
                                               coap_bin_const_t token) {
  for (struct coapx_observation *o = coapx_obs_of_session(s); o; o = o->snext)
    if (o->token_len == token.length &&
        (token.length == 0 || memcmp(o->token, token.s, token.length) == 0))
      return o;
  return NULL;
}

struct coapx_observation *coapx_obs_find_mid(const coap_session_t *s,
                                             coap_mid_t mid) {
  if (mid == COAP_INVALID_MID) return NULL;
  for (struct coapx_observation *o = coapx_obs_of_session(s); o; o = o->snext)
    for (size_t i = 0; i < sizeof o->mids / sizeof o->mids[0]; i++)
      if (o->mids[i] == mid) return o;
  return NULL;
}

void coapx_obs_sent(struct coapx_observation *obs, coap_mid_t mid) {
  obs->mids[obs->next_mid_slot] = mid;
  obs->next_mid_slot = (obs->next_mid_slot + 1) % (sizeof obs->mids /
                                                   sizeof obs->mids[0]);
}

coapx_err coapx_obs_request(const struct coapx_observation *obs,
                            oscore_msg *m) {
  if (!obs || !m) return COAPX_ERR_INVALID_ARG;
  oscore_err e = oscore_opts_payload_decode(
      OSCORE_BYTES(obs->req_wire, obs->req_wire_len), m);
  if (e == OSCORE_ERR_BUFFER_TOO_SMALL) return COAPX_ERR_TOO_MANY_OPTIONS;
  if (e != OSCORE_OK) return COAPX_ERR_INVALID_ARG;
  m->code = obs->req_code;
  return COAPX_OK;
}

uint32_t coapx_obs_next_value(struct coapx_observation *obs) {
  obs->observe = (obs->observe + 1) & 0xFFFFFFu;
  return obs->observe;
}

void coapx_observation_set_data(coapx_observation *obs, void *data) {
  if (obs) obs->app_data = data;
}

void *coapx_observation_data(const coapx_observation *obs) {
  return obs ? obs->app_data : NULL;
}
