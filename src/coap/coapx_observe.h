/* Server-side observations (RFC 7641) kept by the dispatcher itself rather
 * than by libcoap: the catch-all resource and OSCORE make libcoap's own
 * observe support unusable (it keys on resources and would send
 * notifications we cannot protect). Internal to src/coap. */
#ifndef COAPX_OBSERVE_H
#define COAPX_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <coap3/coap.h>
#include "coapx_addr.h"
#include "coapx_error.h"
#include "oscore_protect.h"
#include "store.h"

struct coapx_observation {
  struct coapx_observation *next;
  coap_session_t *session;       /* referenced while we keep it */
  uint8_t token[8];
  size_t token_len;
  bool is_protected;
  store_context *sc;             /* protected only */
  oscore_request_id rid;         /* the registration's, binds notifications */
  const char *identity;          /* owned by the credentials map */
  char peer[COAPX_ADDR_TEXT];
  uint8_t req_code;              /* the (inner) registration request */
  uint8_t *req_wire;             /* its options and payload, encoded */
  size_t req_wire_len;
  uint32_t observe;              /* last Observe value sent (24 bits) */
  /* MIDs of the last CON notifications: an RST to any of them (several
   * may be in flight or queued behind NSTART) cancels (RFC 7641 §3.6). */
  coap_mid_t mids[4];
  size_t next_mid_slot;
  bool pending;                  /* notify asked for while busy */
  void *app_data;
};

typedef struct {
  struct coapx_observation *head;
  size_t count;
} coapx_obs_list;

/* A candidate observation for a registration; not yet in any list. Takes a
 * reference on |session| and copies the token and request. */
coapx_err coapx_obs_new(coap_session_t *session, coap_bin_const_t token,
                        const oscore_msg *request, bool is_protected,
                        store_context *sc, const oscore_request_id *rid,
                        const char *identity, const char *peer,
                        struct coapx_observation **out);
/* Release the session reference and free (|obs| must be unlinked). */
void coapx_obs_free(struct coapx_observation *obs);

void coapx_obs_link(coapx_obs_list *l, struct coapx_observation *obs);
/* false when |obs| is not in |l| (ended already). */
bool coapx_obs_unlink(coapx_obs_list *l, struct coapx_observation *obs);
bool coapx_obs_linked(const coapx_obs_list *l,
                      const struct coapx_observation *obs);
struct coapx_observation *coapx_obs_find_token(const coapx_obs_list *l,
                                               const coap_session_t *s,
                                               coap_bin_const_t token);
struct coapx_observation *coapx_obs_find_mid(const coapx_obs_list *l,
                                             const coap_session_t *s,
                                             coap_mid_t mid);

/* The stored registration request into |m| (set up with oscore_msg_init;
 * values point into |obs|). */
coapx_err coapx_obs_request(const struct coapx_observation *obs,
                            oscore_msg *m);

/* Remember |mid| as one of this observation's notifications. */
void coapx_obs_sent(struct coapx_observation *obs, coap_mid_t mid);

/* The next Observe value: strictly increasing modulo 2^24 (RFC 7641 §4.4). */
uint32_t coapx_obs_next_value(struct coapx_observation *obs);

#endif
