/* EDHOC responder over CoAP for the server dispatcher (RFC 9528 Appendix
 * A.2, RFC 9668): POSTs to /.well-known/edhoc carrying message_1 or
 * message_3, and OSCORE requests with the EDHOC option whose payload
 * starts with message_3. The credentials come from the map's edhoc-oscore
 * entries: those with own_cred are what we answer with (the first that
 * fits the selected suite and method), those with peer_cred are the
 * peers we accept; an established context goes into the map
 * (store_credentials_add_derived) under the label of the entry that
 * authenticated the peer, so the gate finds it like any other. */
#ifndef COAPX_EDHOC_SERVER_H
#define COAPX_EDHOC_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include "coapx_error.h"
#include "oscore_msg.h"
#include "store.h"

typedef struct coapx_edhoc_srv coapx_edhoc_srv;

/* Sessions between message_2 and message_3, in all and per peer host. */
#define COAPX_EDHOC_MAX_PENDING 64
#define COAPX_EDHOC_MAX_PENDING_PER_PEER 4

/* *out NULL (and COAPX_OK) when |creds| has no edhoc-oscore entry with
 * an own credential: such a server does not speak EDHOC. |max_contexts|
 * bounds the derived contexts (0: STORE_DEFAULT_MAX_DERIVED). Errors:
 * COAPX_ERR_NO_MEMORY, COAPX_ERR_OSCORE (an own credential unusable). */
coapx_err coapx_edhoc_srv_new(store_credentials *creds, size_t max_contexts,
                              coapx_edhoc_srv **out);
void coapx_edhoc_srv_free(coapx_edhoc_srv *s);

/* What one EDHOC step did, for the dispatcher. */
typedef struct {
  /* A derived context the map let go to make room: the dispatcher ends
   * whatever uses it (observations) and closes it. */
  store_context *evicted;
  /* Set when a context was established: the peer's identity. */
  const char *identity;
} coapx_edhoc_done;

/* POST /.well-known/edhoc without OSCORE? */
bool coapx_edhoc_srv_wants(const oscore_msg *outer);

/* Answer such a request from peer |peer_key| (a hash of its host) into
 * |answer| (its option array set up by the caller, 2 slots at least):
 * 2.04 with message_2, 2.04 with message_4 after message_3, or 4.00
 * with an EDHOC error message. Payloads live in |s| until the next call. */
void coapx_edhoc_srv_answer(coapx_edhoc_srv *s, const oscore_msg *req,
                            uint64_t peer_key, oscore_msg *answer,
                            coapx_edhoc_done *done);

/* RFC 9668: |outer| carries the OSCORE option and the EDHOC option. Runs
 * message_3 from the payload's front; on success |outer| is left as the
 * plain OSCORE request (EDHOC option gone, payload without message_3) for
 * the gate and true is returned. false: |answer| holds the error. */
bool coapx_edhoc_srv_combined(coapx_edhoc_srv *s, oscore_msg *outer,
                              oscore_msg *answer, coapx_edhoc_done *done);

#endif
