/* Responder sessions in progress (edhoc_table.h): a small array in
 * arrival order; a server keeps a few dozen at most, so a scan is fine. */
#include "oscore_secret.h"
#include <stdlib.h>
#include <string.h>
#include "edhoc_table.h"

typedef struct {
  uint8_t cid[EDHOC_MAX_CID];
  size_t cid_len;
  edhoc_session *s;
  unsigned long age;   /* arrival number: smallest is the oldest */
  uint64_t owner;      /* the caller's peer key (edhoc_table_put_owned) */
} slot;

struct edhoc_table {
  slot *slots;
  size_t cap;
  size_t n;
  unsigned long next_age;
};

edhoc_table *edhoc_table_new(size_t cap) {
  if (cap == 0)
    return NULL;
  edhoc_table *t = calloc(1, sizeof *t);
  if (t == NULL || (t->slots = calloc(cap, sizeof *t->slots)) == NULL) {
    free(t);
    return NULL;
  }
  t->cap = cap;
  return t;
}

void edhoc_table_free(edhoc_table *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; i < t->n; i++)
    edhoc_session_free(t->slots[i].s);
  free(t->slots);
  free(t);
}

static bool same(oscore_bytes a, const uint8_t *b, size_t b_len) {
  return a.len == b_len && (a.len == 0 || memcmp(a.ptr, b, b_len) == 0);
}

static size_t find(const edhoc_table *t, oscore_bytes cid) {
  for (size_t i = 0; i < t->n; i++)
    if (same(cid, t->slots[i].cid, t->slots[i].cid_len))
      return i;
  return t->n;
}

edhoc_err edhoc_table_pick_cid(const edhoc_table *t, oscore_bytes c_i,
                               edhoc_cid_taken taken, void *arg,
                               uint8_t out[EDHOC_MAX_CID], size_t *len) {
  for (int attempt = 0; attempt < 128; attempt++) {
    size_t n = attempt < 64 ? 1 : 2;
    if (oscore_random(out, n) != OSCORE_OK)
      return EDHOC_ERR_CRYPTO;
    oscore_bytes cid = OSCORE_BYTES(out, n);
    if (same(cid, c_i.ptr, c_i.len) || find(t, cid) < t->n ||
        (taken && taken(arg, cid)))
      continue;
    *len = n;
    return EDHOC_OK;
  }
  return EDHOC_ERR_CID_CLASH;
}

/* The oldest slot, of |owner| only when |by_owner|; also counts that
 * owner's slots into |*count|. t->n when there is none. */
static size_t oldest_of(const edhoc_table *t, bool by_owner, uint64_t owner,
                        size_t *count) {
  size_t oldest = t->n;
  *count = 0;
  for (size_t j = 0; j < t->n; j++) {
    if (by_owner && t->slots[j].owner != owner)
      continue;
    ++*count;
    if (oldest == t->n || t->slots[j].age < t->slots[oldest].age)
      oldest = j;
  }
  return oldest;
}

edhoc_err edhoc_table_put(edhoc_table *t, oscore_bytes cid, edhoc_session *s) {
  return edhoc_table_put_owned(t, cid, s, 0, 0);
}

edhoc_err edhoc_table_put_owned(edhoc_table *t, oscore_bytes cid,
                                edhoc_session *s, uint64_t owner,
                                size_t per_owner) {
  if (cid.len > EDHOC_MAX_CID || s == NULL) {
    edhoc_session_free(s);
    return EDHOC_ERR_INVALID_ARG;
  }
  size_t i = find(t, cid), count;
  if (i == t->n && per_owner) {
    size_t o = oldest_of(t, true, owner, &count);
    if (count >= per_owner)
      i = o;
  }
  if (i == t->n && t->n == t->cap)
    i = oldest_of(t, false, 0, &count);
  if (i < t->n)
    edhoc_session_free(t->slots[i].s);
  else
    t->n++;
  memcpy(t->slots[i].cid, cid.ptr, cid.len);
  t->slots[i].cid_len = cid.len;
  t->slots[i].s = s;
  t->slots[i].age = t->next_age++;
  t->slots[i].owner = owner;
  return EDHOC_OK;
}

edhoc_session *edhoc_table_take(edhoc_table *t, oscore_bytes cid) {
  size_t i = find(t, cid);
  if (i == t->n)
    return NULL;
  edhoc_session *s = t->slots[i].s;
  t->slots[i] = t->slots[--t->n];
  return s;
}

size_t edhoc_table_count(const edhoc_table *t) { return t->n; }
