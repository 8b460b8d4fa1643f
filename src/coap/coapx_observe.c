#include "coapx_observe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coapx_server.h"

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

void coapx_obs_link(coapx_obs_list *l, struct coapx_observation *obs) {
  obs->next = l->head;
  l->head = obs;
  l->count++;
}

bool coapx_obs_unlink(coapx_obs_list *l, struct coapx_observation *obs) {
  for (struct coapx_observation **p = &l->head; *p; p = &(*p)->next) {
    if (*p != obs) continue;
    *p = obs->next;
    obs->next = NULL;
    l->count--;
    return true;
  }
  return false;
}

bool coapx_obs_linked(const coapx_obs_list *l,
                      const struct coapx_observation *obs) {
  for (const struct coapx_observation *o = l->head; o; o = o->next)
    if (o == obs) return true;
  return false;
}

struct coapx_observation *coapx_obs_find_token(const coapx_obs_list *l,
                                               const coap_session_t *s,
                                               coap_bin_const_t token) {
  for (struct coapx_observation *o = l->head; o; o = o->next)
    if (o->session == s && o->token_len == token.length &&
        (token.length == 0 || memcmp(o->token, token.s, token.length) == 0))
      return o;
  return NULL;
}

struct coapx_observation *coapx_obs_find_mid(const coapx_obs_list *l,
                                             const coap_session_t *s,
                                             coap_mid_t mid) {
  if (mid == COAP_INVALID_MID) return NULL;
  for (struct coapx_observation *o = l->head; o; o = o->next) {
    if (o->session != s) continue;
    for (size_t i = 0; i < sizeof o->mids / sizeof o->mids[0]; i++)
      if (o->mids[i] == mid) return o;
  }
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
