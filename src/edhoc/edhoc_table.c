/* Responder sessions in progress (edhoc_table.h): a small array in
 * arrival order; a server keeps a few dozen at most, so a scan is fine. */
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include "edhoc_table.h"

typedef struct {
  uint8_t cid[EDHOC_MAX_CID];
  size_t cid_len;
  edhoc_session *s;
  unsigned long age;   /* arrival number: smallest is the oldest */
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
    if (RAND_bytes(out, (int)n) != 1)
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

edhoc_err edhoc_table_put(edhoc_table *t, oscore_bytes cid, edhoc_session *s) {
  if (cid.len > EDHOC_MAX_CID || s == NULL) {
    edhoc_session_free(s);
    return EDHOC_ERR_INVALID_ARG;
  }
  size_t i = find(t, cid);
  if (i == t->n && t->n == t->cap) {
    size_t oldest = 0;
    for (size_t j = 1; j < t->n; j++)
      if (t->slots[j].age < t->slots[oldest].age)
        oldest = j;
    i = oldest;
  }
  if (i < t->n)
    edhoc_session_free(t->slots[i].s);
  else
    t->n++;
  memcpy(t->slots[i].cid, cid.ptr, cid.len);
  t->slots[i].cid_len = cid.len;
  t->slots[i].s = s;
  t->slots[i].age = t->next_age++;
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
