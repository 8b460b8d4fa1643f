#include "client_diag_payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edn.h"

/* The items of |array| encoded one after another (a CBOR sequence). */
static bool sequence_of(cbor_item_t *array, uint8_t **out, size_t *len) {
  size_t n = cbor_array_size(array), have = 0;
  uint8_t *buf = NULL;
  cbor_item_t **items = cbor_array_handle(array);
  for (size_t i = 0; i < n; i++) {
    uint8_t *one = NULL;
    size_t cap = 0, k = cbor_serialize_alloc(items[i], &one, &cap);
    uint8_t *grown = k ? realloc(buf, have + k) : NULL;
    if (!grown) {
      free(one);
      free(buf);
      return false;
    }
    buf = grown;
    memcpy(buf + have, one, k);
    have += k;
    free(one);
  }
  *out = buf;
  *len = have;
  return true;
}

bool client_payload_diag_to_cbor(client_payload *p, bool seq, char *err,
                                 size_t cap) {
  edn_error e;
  cbor_item_t *item = edn_parse((const char *)p->data, p->len, &e);
  if (!item) {
    snprintf(err, cap, "--payload: not CBOR diagnostic notation (line %zu, "
             "column %zu: %s); quote it from the shell, or send the text as "
             "it is with --payload-raw", e.line, e.column, e.what);
    return false;
  }
  uint8_t *out = NULL;
  size_t len = 0;
  bool ok;
  if (seq) {
    ok = cbor_isa_array(item);
    if (!ok)
      snprintf(err, cap, "--payload: a CBOR sequence is written as an array "
               "of its items ([1, 2] sends 01 02)");
    else if (!(ok = sequence_of(item, &out, &len)))
      snprintf(err, cap, "--payload: out of memory");
  } else {
    size_t bufcap = 0;
    len = cbor_serialize_alloc(item, &out, &bufcap);
    ok = len > 0;
    if (!ok) snprintf(err, cap, "--payload: out of memory");
  }
  cbor_decref(&item);
  if (!ok) {
    free(out);
    return false;
  }
  client_payload_free(p);
  p->data = out;
  p->len = len;
  return true;
}
