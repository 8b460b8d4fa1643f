#include "coapx_dedup.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  coap_address_t remote;
  coap_address_t local;
  uint16_t mid;
  uint64_t born;
  uint8_t code;
  uint8_t *wire;
  size_t wire_len;
} entry;

/* A ring in arrival order: with one lifetime for all, the oldest entry is
 * also the first to expire, so expiry and eviction both pop the tail. */
struct coapx_dedup {
  entry *ring;
  size_t cap;
  size_t head;   /* index of the oldest entry */
  size_t count;
  uint32_t lifetime;
};

coapx_dedup *coapx_dedup_new(size_t max_entries, uint32_t lifetime_s) {
  if (max_entries == 0) return NULL;
  coapx_dedup *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->ring = calloc(max_entries, sizeof *d->ring);
  if (!d->ring) { free(d); return NULL; }
  d->cap = max_entries;
  d->lifetime = lifetime_s;
  return d;
}

static void pop_oldest(coapx_dedup *d) {
  entry *e = &d->ring[d->head];
  free(e->wire);
  memset(e, 0, sizeof *e);
  d->head = (d->head + 1) % d->cap;
  d->count--;
}

static void expire(coapx_dedup *d, uint64_t now) {
  while (d->count && now - d->ring[d->head].born >= d->lifetime)
    pop_oldest(d);
}

void coapx_dedup_free(coapx_dedup *d) {
  if (!d) return;
  while (d->count) pop_oldest(d);
  free(d->ring);
  free(d);
}

size_t coapx_dedup_count(const coapx_dedup *d) { return d ? d->count : 0; }

bool coapx_dedup_find(coapx_dedup *d, const coap_address_t *remote,
                      const coap_address_t *local, uint16_t mid,
                      uint64_t now_s, coapx_dedup_answer *out) {
  if (!d || !remote || !local) return false;
  expire(d, now_s);
  /* Newest first: a retransmission follows its original closely. */
  for (size_t k = d->count; k-- > 0;) {
    entry *e = &d->ring[(d->head + k) % d->cap];
    if (e->mid != mid || !coap_address_equals(&e->remote, remote) ||
        !coap_address_equals(&e->local, local))
      continue;
    if (out) {
      out->code = e->code;
      out->wire = OSCORE_BYTES(e->wire, e->wire_len);
    }
    return true;
  }
  return false;
}

coapx_err coapx_dedup_put(coapx_dedup *d, const coap_address_t *remote,
                          const coap_address_t *local, uint16_t mid,
                          uint64_t now_s, const oscore_msg *answer) {
  if (!d || !remote || !local) return COAPX_ERR_INVALID_ARG;
  uint8_t *wire = NULL;
  size_t len = 0;
  if (answer) {
    /* Bound of the encoding: 5 header bytes per option at most, the
     * payload marker, then the bytes themselves. */
    size_t cap = 1 + answer->payload.len;
    for (size_t i = 0; i < answer->n_opts; i++)
      cap += 5 + answer->opts[i].value.len;
    wire = malloc(cap);
    if (!wire) return COAPX_ERR_NO_MEMORY;
    if (oscore_opts_payload_encode(answer, wire, cap, &len) != OSCORE_OK) {
      free(wire);
      return COAPX_ERR_PDU_FULL;
    }
  }
  expire(d, now_s);
  if (d->count == d->cap) pop_oldest(d);
  entry *e = &d->ring[(d->head + d->count) % d->cap];
  e->remote = *remote;
  e->local = *local;
  e->mid = mid;
  e->born = now_s;
  e->code = answer ? answer->code : 0;
  e->wire = wire;
  e->wire_len = len;
  d->count++;
  return COAPX_OK;
}

coapx_err coapx_dedup_answer_msg(const coapx_dedup_answer *a, oscore_msg *m) {
  if (!a || !m) return COAPX_ERR_INVALID_ARG;
  m->n_opts = 0;
  m->payload = OSCORE_BYTES(NULL, 0);
  m->code = a->code;
  if (a->wire.len == 0) return COAPX_OK;
  oscore_err e = oscore_opts_payload_decode(a->wire, m);
  if (e == OSCORE_ERR_BUFFER_TOO_SMALL) return COAPX_ERR_TOO_MANY_OPTIONS;
  if (e != OSCORE_OK) return COAPX_ERR_INVALID_ARG;
  m->code = a->code;
  return COAPX_OK;
}
