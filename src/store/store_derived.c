/* EDHOC-established contexts of a server (store_derived.h): a small array
 * in arrival order. A scan per request is fine at the default bound (a
 * few dozen); raising it a lot would want an index like the map's. */
#include "store_derived.h"
#include <stdlib.h>
#include <string.h>

store_err store_derived_add(store_derived *d, store_context *sc,
                            const char *identity, store_context **evicted) {
  *evicted = NULL;
  size_t cap = d->cap ? d->cap : STORE_DEFAULT_MAX_DERIVED;
  if (!d->ctxs && !(d->ctxs = calloc(cap, sizeof *d->ctxs)))
    return STORE_ERR_NO_MEMORY;
  size_t i = d->n;
  if (d->n == cap) {
    i = 0;
    for (size_t k = 1; k < d->n; k++)
      if (d->ctxs[k].age < d->ctxs[i].age)
        i = k;
    *evicted = d->ctxs[i].sc;
  } else {
    d->n++;
  }
  d->ctxs[i] = (store_derived_ctx){ sc, identity, d->next_age++ };
  return STORE_OK;
}

store_context *store_derived_find(const store_derived *d, const uint8_t *kid,
                                  size_t kid_len, const char **identity) {
  store_derived_ctx *best = NULL;
  for (size_t i = 0; i < d->n; i++) {
    const oscore_ctx *o = store_context_oscore(d->ctxs[i].sc);
    if (o->recipient_id_len == kid_len &&
        (kid_len == 0 || memcmp(o->recipient_id, kid, kid_len) == 0) &&
        (!best || d->ctxs[i].age > best->age))
      best = &d->ctxs[i];
  }
  if (best && identity)
    *identity = best->identity;
  return best ? best->sc : NULL;
}

void store_derived_clear(store_derived *d) {
  for (size_t i = 0; i < d->n; i++)
    store_context_close(d->ctxs[i].sc, NULL);
  free(d->ctxs);
  memset(d, 0, sizeof *d);
}
