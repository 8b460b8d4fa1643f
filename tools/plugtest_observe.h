/* The plugtest's observable resources (/oscore/observe1, /oscore/observe2):
 * one record per accepted observation with the notification schedule of the
 * OSCORE test specification (test-spec5 6b/7b): "one" as the registration's
 * answer, "two" one interval later, and for observe1 a final 5.00
 * "Terminate Observe" one more interval later.
 *
 * Records are owned here and found through coapx_observation_data(); the
 * dispatcher's end callback removes them, so no record outlives its
 * observation. */
#ifndef PLUGTEST_OBSERVE_H
#define PLUGTEST_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coapx_addr.h"
#include "coapx_server.h"

/* Which observable resource. */
typedef enum {
  PLUGTEST_OBSERVE1 = 1,   /* one, two, then 5.00 Terminate Observe */
  PLUGTEST_OBSERVE2 = 2,   /* one, two; the client cancels */
} plugtest_obs_resource;

/* What the next answer of an observation is. */
typedef enum {
  PLUGTEST_SEND_ONE,
  PLUGTEST_SEND_TWO,
  PLUGTEST_SEND_TERMINATE,
} plugtest_obs_payload;

typedef struct plugtest_obs plugtest_obs;

#define PLUGTEST_SEEN_SLOTS 32

typedef struct {
  plugtest_obs *head;
  size_t count;
  unsigned interval_ms;
  /* The value each peer saw last per resource, for the answer to a
   * cancellation or a plain GET (test-spec5 7b step 17: "two" after two
   * notifications). Oldest slot reused first. */
  struct {
    char peer[COAPX_ADDR_TEXT];
    plugtest_obs_resource resource;
    plugtest_obs_payload value;
    bool used;
  } seen[PLUGTEST_SEEN_SLOTS];
  size_t seen_next;
} plugtest_observers;

void plugtest_observers_init(plugtest_observers *o, unsigned interval_ms);

/* Accept the registration |obs| of |resource| from |peer| at |now_ms|: the
 * registration's answer is "one", the next is due an interval later.
 * false when out of memory (then do not accept the registration). */
bool plugtest_observe_start(plugtest_observers *o, coapx_observation *obs,
                            plugtest_obs_resource resource, const char *peer,
                            uint64_t now_ms);

/* The payload of the notification being built for |obs| now, and the
 * schedule moved on (called from the request handler with
 * is_notification). PLUGTEST_SEND_ONE for an unknown observation. */
plugtest_obs_payload plugtest_observe_next(plugtest_observers *o,
                                           coapx_observation *obs,
                                           uint64_t now_ms);

/* The dispatcher's on_observe_end callback (|arg| is the observers). */
void plugtest_observe_end(coapx_observation *obs, coapx_obs_end why,
                          void *arg);

/* Milliseconds until the next notification is due (0: now), or -1 when
 * nothing is scheduled. */
long plugtest_observe_wait_ms(const plugtest_observers *o, uint64_t now_ms);

/* Send every notification due at |now_ms| through |srv|. */
void plugtest_observe_fire(plugtest_observers *o, coapx_server *srv,
                           uint64_t now_ms);

/* What |peer| last saw of |resource| (PLUGTEST_SEND_ONE when nothing). */
plugtest_obs_payload plugtest_observe_seen(const plugtest_observers *o,
                                           const char *peer,
                                           plugtest_obs_resource resource);

/* Free what is left (after coapx_server_free() ran the end callbacks,
 * nothing normally is). */
void plugtest_observers_clear(plugtest_observers *o);

#endif
