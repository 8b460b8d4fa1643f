/* Server-side observations (RFC 7641) kept by the dispatcher itself rather
 * than by libcoap: the catch-all resource and OSCORE make libcoap's own
 * observe support unusable (it keys on resources and would send
 * notifications we cannot protect). Internal to src/coap.
 *
 * Bounded and with constant work per observation (issue 13: 30,000
 * anonymous registrations made one change cost 11.7 s, every list
 * operation being a scan): at most |max_total| observations, at most
 * |max_per_peer| per peer host; membership is a pointer hash, the count
 * per host a small hash, and each session's observations hang off the
 * session (libcoap's session app data), so looking one up by token or
 * message ID scans at most one peer's few. */
#ifndef COAPX_OBSERVE_H
#define COAPX_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <coap3/coap.h>
#include "coapx_addr.h"
#include "coapx_error.h"
#include "coapx_server.h"
#include "oscore_protect.h"
#include "store.h"

typedef struct coapx_obs_host coapx_obs_host;

struct coapx_observation {
  struct coapx_observation *next, *prev;  /* all of them, newest first */
  struct coapx_observation *hnext;        /* pointer-hash chain */
  struct coapx_observation *snext;        /* same session's observations */
  coapx_obs_host *host;                   /* its peer's count, when linked */
  coap_session_t *session;       /* referenced while we keep it */
  uint8_t host_key[16];          /* the peer host (coapx_addr_host_key) */
  size_t host_key_len;
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
  /* Plain only (RFC 9175 §2.4): the registration's datagram size, which
   * bounds each notification to an address never proven, and whether
   * the address was proven when it registered. */
  size_t req_size;
  bool verified;
  void *app_data;
};

typedef struct {
  struct coapx_observation *head;
  size_t count;
  size_t pending;                /* observations with |pending| set */
  size_t max_total, max_per_peer;
  struct coapx_observation **set;  /* pointer hash buckets */
  size_t set_mask;
  coapx_obs_host **hosts;          /* per-host count buckets */
  size_t host_mask;
} coapx_obs_list;

/* Set up an empty list with its caps (0: the defaults,
 * COAPX_DEFAULT_MAX_OBSERVERS*). */
coapx_err coapx_obs_list_init(coapx_obs_list *l, size_t max_total,
                              size_t max_per_peer);
/* Free the tables (the list must be empty). */
void coapx_obs_list_clear(coapx_obs_list *l);

/* Would one more observation from the host of |remote| stay within the
 * caps? */
bool coapx_obs_admit(const coapx_obs_list *l, const coap_address_t *remote);

/* A candidate observation for a registration; not yet in any list. Takes a
 * reference on |session| and copies the token and request. */
coapx_err coapx_obs_new(coap_session_t *session, coap_bin_const_t token,
                        const oscore_msg *request, bool is_protected,
                        store_context *sc, const oscore_request_id *rid,
                        const char *identity, const char *peer,
                        struct coapx_observation **out);
/* Release the session reference and free (|obs| must be unlinked). */
void coapx_obs_free(struct coapx_observation *obs);

/* Add |obs|; COAPX_ERR_NO_MEMORY when its host could not be counted
 * (then it is not linked). Does not check the caps: coapx_obs_admit()
 * before creating the candidate does. */
coapx_err coapx_obs_link(coapx_obs_list *l, struct coapx_observation *obs);
/* false when |obs| is not in |l| (ended already). */
bool coapx_obs_unlink(coapx_obs_list *l, struct coapx_observation *obs);
/* Whether |obs| is in |l|; |obs| may be a stale (freed) pointer: it is
 * only compared, never read. */
bool coapx_obs_linked(const coapx_obs_list *l,
                      const struct coapx_observation *obs);
struct coapx_observation *coapx_obs_find_token(const coap_session_t *s,
                                               coap_bin_const_t token);
struct coapx_observation *coapx_obs_find_mid(const coap_session_t *s,
                                             coap_mid_t mid);
/* The first of the observations on session |s| (then follow ->snext). */
struct coapx_observation *coapx_obs_of_session(const coap_session_t *s);

/* The stored registration request into |m| (set up with oscore_msg_init;
 * values point into |obs|). */
coapx_err coapx_obs_request(const struct coapx_observation *obs,
                            oscore_msg *m);

/* Remember |mid| as one of this observation's notifications. */
void coapx_obs_sent(struct coapx_observation *obs, coap_mid_t mid);

/* The next Observe value: strictly increasing modulo 2^24 (RFC 7641 §4.4). */
uint32_t coapx_obs_next_value(struct coapx_observation *obs);

#endif
