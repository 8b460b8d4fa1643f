#include "plugtest_observe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plugtest_obs {
  plugtest_obs *next;
  coapx_observation *obs;
  plugtest_obs_resource resource;
  plugtest_obs_payload sent;   /* the last payload sent */
  bool scheduled;
  uint64_t due_ms;
  char peer[COAPX_ADDR_TEXT];
};

void plugtest_observers_init(plugtest_observers *o, unsigned interval_ms) {
  memset(o, 0, sizeof *o);
  o->interval_ms = interval_ms;
}

static void remember(plugtest_observers *o, const char *peer,
                     plugtest_obs_resource resource,
                     plugtest_obs_payload value) {
  for (size_t i = 0; i < PLUGTEST_SEEN_SLOTS; i++) {
    if (o->seen[i].used && o->seen[i].resource == resource &&
        strcmp(o->seen[i].peer, peer) == 0) {
      o->seen[i].value = value;
      return;
    }
  }
  size_t i = o->seen_next;
  o->seen_next = (o->seen_next + 1) % PLUGTEST_SEEN_SLOTS;
  snprintf(o->seen[i].peer, sizeof o->seen[i].peer, "%s", peer);
  o->seen[i].resource = resource;
  o->seen[i].value = value;
  o->seen[i].used = true;
}

plugtest_obs_payload plugtest_observe_seen(const plugtest_observers *o,
                                           const char *peer,
                                           plugtest_obs_resource resource) {
  for (size_t i = 0; peer && i < PLUGTEST_SEEN_SLOTS; i++)
    if (o->seen[i].used && o->seen[i].resource == resource &&
        strcmp(o->seen[i].peer, peer) == 0)
      return o->seen[i].value;
  return PLUGTEST_SEND_ONE;
}

bool plugtest_observe_start(plugtest_observers *o, coapx_observation *obs,
                            plugtest_obs_resource resource, const char *peer,
                            uint64_t now_ms) {
  plugtest_obs *r = calloc(1, sizeof *r);
  if (!r) return false;
  r->obs = obs;
  r->resource = resource;
  r->sent = PLUGTEST_SEND_ONE;
  r->scheduled = true;
  r->due_ms = now_ms + o->interval_ms;
  snprintf(r->peer, sizeof r->peer, "%s", peer ? peer : "");
  r->next = o->head;
  o->head = r;
  o->count++;
  coapx_observation_set_data(obs, r);
  remember(o, r->peer, resource, PLUGTEST_SEND_ONE);
  return true;
}

plugtest_obs_payload plugtest_observe_next(plugtest_observers *o,
                                           coapx_observation *obs,
                                           uint64_t now_ms) {
  plugtest_obs *r = coapx_observation_data(obs);
  if (!r) return PLUGTEST_SEND_ONE;
  switch (r->sent) {
  case PLUGTEST_SEND_ONE:
    r->sent = PLUGTEST_SEND_TWO;
    /* observe2 stays registered after "two" until the client cancels
     * (test-spec5 7b); observe1 ends with 5.00 one interval later (6b). */
    r->scheduled = r->resource == PLUGTEST_OBSERVE1;
    r->due_ms = now_ms + o->interval_ms;
    break;
  case PLUGTEST_SEND_TWO:
  case PLUGTEST_SEND_TERMINATE:
    r->sent = r->resource == PLUGTEST_OBSERVE1 ? PLUGTEST_SEND_TERMINATE
                                               : PLUGTEST_SEND_TWO;
    r->scheduled = false;
    break;
  }
  if (r->sent != PLUGTEST_SEND_TERMINATE)
    remember(o, r->peer, r->resource, r->sent);
  return r->sent;
}

void plugtest_observe_end(coapx_observation *obs, coapx_obs_end why,
                          void *arg) {
  (void)why;
  plugtest_observers *o = arg;
  plugtest_obs *r = coapx_observation_data(obs);
  if (!o || !r) return;
  for (plugtest_obs **p = &o->head; *p; p = &(*p)->next) {
    if (*p != r) continue;
    *p = r->next;
    o->count--;
    break;
  }
  coapx_observation_set_data(obs, NULL);
  free(r);
}

long plugtest_observe_wait_ms(const plugtest_observers *o, uint64_t now_ms) {
  long best = -1;
  for (const plugtest_obs *r = o->head; r; r = r->next) {
    if (!r->scheduled) continue;
    long w = r->due_ms <= now_ms ? 0 : (long)(r->due_ms - now_ms);
    if (best < 0 || w < best) best = w;
  }
  return best;
}

void plugtest_observe_fire(plugtest_observers *o, coapx_server *srv,
                           uint64_t now_ms) {
  /* Sending may end an observation (5.00, failed send), and the end
   * callback frees its record: so after each send, start over from the
   * head. Each record fires at most once per call (its due time moves past
   * |now_ms| or it is unscheduled), which bounds the loop. */
  for (size_t rounds = 0; rounds <= o->count + 1; rounds++) {
    plugtest_obs *due = NULL;
    for (plugtest_obs *r = o->head; r && !due; r = r->next)
      if (r->scheduled && r->due_ms <= now_ms) due = r;
    if (!due) return;
    due->scheduled = false;
    if (coapx_server_notify(srv, due->obs) != COAPX_OK) {
      /* The dispatcher ended the observation, and with it the record. */
      continue;
    }
  }
}

void plugtest_observers_clear(plugtest_observers *o) {
  while (o->head) {
    plugtest_obs *r = o->head;
    o->head = r->next;
    free(r);
  }
  o->count = 0;
}
