#include "coapx_dedup.h"
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

typedef struct {
  coap_address_t remote;
  coap_address_t local;
  uint16_t mid;
  uint64_t born;
  uint8_t code;
  uint8_t *wire;
  size_t wire_len;
  uint32_t hash;
  uint32_t next;   /* next ring index in the same bucket, or NIL */
} entry;

/* A ring in arrival order: with one lifetime for all, the oldest entry is
 * also the first to expire, so expiry and eviction both pop the tail.
 * Lookups go through a chained hash index over the ring (a linear scan of
 * 1024 entries per request was a fifth of the server's CPU under load);
 * chains are newest first, so a key stored twice finds its newest answer,
 * as the scan did. */
struct coapx_dedup {
  entry *ring;
  size_t cap;
  size_t head;   /* index of the oldest entry */
  size_t count;
  uint32_t lifetime;
  uint32_t *buckets;   /* ring index of the newest entry per bucket */
  uint32_t mask;       /* buckets - 1, a power of two */
};

static uint32_t mix(uint32_t h, uint32_t v) {
  h ^= v;
  h *= 0x9E3779B1u;
  return h ^ (h >> 15);
}

/* Hashes what coap_address_equals compares (family, port, address), so
 * equal keys always land in the same bucket; other bytes of the struct
 * (padding, IPv6 flow info) may differ between equal addresses. */
static uint32_t addr_hash(uint32_t h, const coap_address_t *a) {
  const struct sockaddr *sa = &a->addr.sa;
  h = mix(h, sa->sa_family);
  if (sa->sa_family == AF_INET) {
    h = mix(h, a->addr.sin.sin_port);
    h = mix(h, a->addr.sin.sin_addr.s_addr);
  } else if (sa->sa_family == AF_INET6) {
    uint32_t w[4];
    memcpy(w, &a->addr.sin6.sin6_addr, sizeof w);
    h = mix(h, a->addr.sin6.sin6_port);
    for (int i = 0; i < 4; i++) h = mix(h, w[i]);
  }
  return h;
}

static uint32_t key_hash(const coap_address_t *remote,
                         const coap_address_t *local, uint16_t mid) {
  return addr_hash(addr_hash(mix(0x811C9DC5u, mid), remote), local);
}

coapx_dedup *coapx_dedup_new(size_t max_entries, uint32_t lifetime_s) {
  if (max_entries == 0) return NULL;
  coapx_dedup *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->ring = calloc(max_entries, sizeof *d->ring);
  /* At least two buckets per entry keeps chains at about one. */
  size_t nb = 2;
  while (nb < 2 * max_entries && nb < ((size_t)1 << 30)) nb <<= 1;
  d->buckets = malloc(nb * sizeof *d->buckets);
  if (!d->ring || !d->buckets || max_entries >= NIL) {
    free(d->ring);
    free(d->buckets);
    free(d);
    return NULL;
  }
  for (size_t i = 0; i < nb; i++) d->buckets[i] = NIL;
  d->mask = (uint32_t)(nb - 1);
  d->cap = max_entries;
  d->lifetime = lifetime_s;
  return d;
}

static void pop_oldest(coapx_dedup *d) {
  entry *e = &d->ring[d->head];
  /* The oldest entry is the last of its chain: unlink it there. */
  uint32_t *link = &d->buckets[e->hash & d->mask];
  while (*link != NIL && *link != d->head) link = &d->ring[*link].next;
  if (*link == d->head) *link = e->next;
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
  free(d->buckets);
  free(d);
}

size_t coapx_dedup_count(const coapx_dedup *d) { return d ? d->count : 0; }

bool coapx_dedup_find(coapx_dedup *d, const coap_address_t *remote,
                      const coap_address_t *local, uint16_t mid,
                      uint64_t now_s, coapx_dedup_answer *out) {
  if (!d || !remote || !local) return false;
  expire(d, now_s);
  uint32_t h = key_hash(remote, local, mid);
  for (uint32_t i = d->buckets[h & d->mask]; i != NIL; i = d->ring[i].next) {
    entry *e = &d->ring[i];
    if (e->hash != h || e->mid != mid ||
        !coap_address_equals(&e->remote, remote) ||
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
  uint32_t slot = (uint32_t)((d->head + d->count) % d->cap);
  entry *e = &d->ring[slot];
  e->hash = key_hash(remote, local, mid);
  e->next = d->buckets[e->hash & d->mask];
  d->buckets[e->hash & d->mask] = slot;
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
