/* The retransmission cache of the server (RFC 7252 §4.5): the answer sent
 * to each (peer, local endpoint, message ID) is kept for EXCHANGE_LIFETIME
 * so that a retransmitted CON gets the same answer again, byte for byte,
 * without running the application (or the replay check, which would call
 * the retransmission a replay) a second time. libcoap 4.3.1 does not do
 * this itself (docs/DESIGN.md, libcoap facts). */
#ifndef COAPX_DEDUP_H
#define COAPX_DEDUP_H

#include <stdbool.h>
#include <stdint.h>
#include <coap3/coap.h>
#include "coapx_error.h"
#include "oscore_msg.h"

/* RFC 7252 §4.8.2 with the default transmission parameters. */
#define COAPX_EXCHANGE_LIFETIME_S 247
#define COAPX_DEDUP_MAX_ENTRIES   1024

typedef struct coapx_dedup coapx_dedup;

/* A cache holding at most |max_entries| answers, each for |lifetime_s|;
 * when full the oldest answer is dropped first. NULL on allocation failure. */
coapx_dedup *coapx_dedup_new(size_t max_entries, uint32_t lifetime_s);
void coapx_dedup_free(coapx_dedup *d);

/* The answer to a message seen before. |code| 0 means nothing but (for a
 * CON) an empty ACK was sent. |wire| (options and payload, RFC 7252
 * encoding) is valid until the next put or free. */
typedef struct {
  uint8_t code;
  oscore_bytes wire;
} coapx_dedup_answer;

/* Look up (remote, local, mid) among answers younger than the lifetime at
 * |now_s| (any monotonic seconds). */
bool coapx_dedup_find(coapx_dedup *d, const coap_address_t *remote,
                      const coap_address_t *local, uint16_t mid,
                      uint64_t now_s, coapx_dedup_answer *out);

/* Remember |answer| (its code and encoded options and payload; NULL: code
 * 0, nothing sent) for (remote, local, mid). COAPX_ERR_NO_MEMORY or
 * COAPX_ERR_PDU_FULL (options not encodable) leave the cache unchanged. */
coapx_err coapx_dedup_put(coapx_dedup *d, const coap_address_t *remote,
                          const coap_address_t *local, uint16_t mid,
                          uint64_t now_s, const oscore_msg *answer);

/* Entries currently held (for tests). */
size_t coapx_dedup_count(const coapx_dedup *d);

/* Decode a cached answer's |wire| back into |m| (set up with
 * oscore_msg_init; values point into |wire|); code is set from |a|. */
coapx_err coapx_dedup_answer_msg(const coapx_dedup_answer *a, oscore_msg *m);

#endif
