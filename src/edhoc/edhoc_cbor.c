/* Deterministic CBOR writer and strict reader for EDHOC (edhoc_cbor.h).
 * Heads come from libcbor's encoders (shortest form); items are decoded
 * with cbor_load and then re-encoded the deterministic way: an input that
 * differs from its own re-encoding (a longer head, an indefinite length)
 * is refused, as RFC 9528 §3.1 asks and RFC 9529 §5.3 illustrates. */
#include <cbor.h>
#include <stdlib.h>
#include <string.h>
#include "edhoc_cbor.h"

#define MAX_DEPTH 16

void edhoc_w_init(edhoc_w *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = buf ? cap : 0;
  w->len = 0;
  w->overflow = false;
}

void edhoc_w_raw(edhoc_w *w, oscore_bytes b) {
  if (w->overflow)
    return;
  if (b.len > w->cap - w->len) {
    w->overflow = true;
    return;
  }
  if (b.len)
    memcpy(w->buf + w->len, b.ptr, b.len);
  w->len += b.len;
}

/* Appends the head |enc| writes (at most 9 bytes). */
static void put_head(edhoc_w *w, size_t (*enc)(uint64_t, unsigned char *,
                                               size_t), uint64_t v) {
  unsigned char head[9];
  size_t n = enc(v, head, sizeof head);
  edhoc_w_raw(w, OSCORE_BYTES(head, n));
}

static size_t enc_uint(uint64_t v, unsigned char *b, size_t n) {
  return cbor_encode_uint(v, b, n);
}
static size_t enc_negint(uint64_t v, unsigned char *b, size_t n) {
  return cbor_encode_negint(v, b, n);
}
static size_t enc_bstr(uint64_t v, unsigned char *b, size_t n) {
  return cbor_encode_bytestring_start((size_t)v, b, n);
}
static size_t enc_tstr(uint64_t v, unsigned char *b, size_t n) {
  return cbor_encode_string_start((size_t)v, b, n);
}
static size_t enc_array(uint64_t v, unsigned char *b, size_t n) {
  return cbor_encode_array_start((size_t)v, b, n);
}
static size_t enc_map(uint64_t v, unsigned char *b, size_t n) {
  return cbor_encode_map_start((size_t)v, b, n);
}
static size_t enc_tag(uint64_t v, unsigned char *b, size_t n) {
  return cbor_encode_tag(v, b, n);
}

void edhoc_w_int(edhoc_w *w, int64_t v) {
  if (v >= 0)
    put_head(w, enc_uint, (uint64_t)v);
  else
    put_head(w, enc_negint, (uint64_t)(-(v + 1)));
}

void edhoc_w_bstr_head(edhoc_w *w, size_t len) { put_head(w, enc_bstr, len); }

void edhoc_w_bstr(edhoc_w *w, oscore_bytes b) {
  edhoc_w_bstr_head(w, b.len);
  edhoc_w_raw(w, b);
}

void edhoc_w_tstr(edhoc_w *w, const char *s) {
  size_t n = strlen(s);
  put_head(w, enc_tstr, n);
  edhoc_w_raw(w, OSCORE_BYTES(s, n));
}

void edhoc_w_array(edhoc_w *w, size_t n) { put_head(w, enc_array, n); }
void edhoc_w_map(edhoc_w *w, size_t n) { put_head(w, enc_map, n); }

void edhoc_w_bool(edhoc_w *w, bool v) {
  uint8_t b = v ? 0xf5 : 0xf4;
  edhoc_w_raw(w, OSCORE_BYTES(&b, 1));
}

edhoc_err edhoc_w_status(const edhoc_w *w) {
  return w->overflow ? EDHOC_ERR_BUFFER_TOO_SMALL : EDHOC_OK;
}

/* ---- canonical writer for items from elsewhere (maps, files) ---- */

typedef struct {
  uint8_t *key;    /* the key's canonical encoding */
  size_t key_len;
  const cbor_item_t *value;
} sorted_pair;

static int pair_cmp(const void *a, const void *b) {
  const sorted_pair *x = a, *y = b;
  if (x->key_len != y->key_len)
    return x->key_len < y->key_len ? -1 : 1;
  return memcmp(x->key, y->key, x->key_len);
}

/* How encode() treats maps: as they come (the reader re-encodes what it
 * received and compares) or with keys sorted (items from maps and files,
 * written as aiocoap's canonical CBOR). */
typedef enum { MAPS_AS_GIVEN, MAPS_SORTED } map_order;

static bool encode(const cbor_item_t *it, edhoc_w *w, int depth,
                   map_order order);

static bool encode_sorted_map(const cbor_item_t *it, edhoc_w *w, int depth) {
  size_t n = cbor_map_size(it);
  struct cbor_pair *pairs = cbor_map_handle(it);
  sorted_pair *sp = calloc(n ? n : 1, sizeof *sp);
  bool ok = sp != NULL;
  for (size_t i = 0; ok && i < n; i++) {
    uint8_t tmp[4096];
    edhoc_w kw;
    edhoc_w_init(&kw, tmp, sizeof tmp);
    ok = encode(pairs[i].key, &kw, depth + 1, MAPS_SORTED) && !kw.overflow &&
         (sp[i].key = malloc(kw.len ? kw.len : 1)) != NULL;
    if (ok) {
      memcpy(sp[i].key, tmp, kw.len);
      sp[i].key_len = kw.len;
      sp[i].value = pairs[i].value;
    }
  }
  if (ok) {
    qsort(sp, n, sizeof *sp, pair_cmp);
    put_head(w, enc_map, n);
    for (size_t i = 0; ok && i < n; i++) {
      edhoc_w_raw(w, OSCORE_BYTES(sp[i].key, sp[i].key_len));
      ok = encode(sp[i].value, w, depth + 1, MAPS_SORTED);
    }
  }
  for (size_t i = 0; sp && i < n; i++)
    free(sp[i].key);
  free(sp);
  return ok;
}

edhoc_err edhoc_cbor_write_canonical(const struct cbor_item_t *it, edhoc_w *w) {
  if (it == NULL || !encode(it, w, 0, MAPS_SORTED))
    return EDHOC_ERR_MALFORMED;
  return edhoc_w_status(w);
}

/* ---- reader ---- */

void edhoc_r_init(edhoc_r *r, oscore_bytes in) {
  r->p = in.ptr;
  r->len = in.ptr ? in.len : 0;
  r->pos = 0;
}

bool edhoc_r_at_end(const edhoc_r *r) { return r->pos >= r->len; }

/* Encodes |it| deterministically into |w| (shortest heads, definite
 * lengths; map keys sorted or not, as |order| says); false for what EDHOC
 * never sends (indefinite lengths, floats, undefined, too deep). */
static bool encode(const cbor_item_t *it, edhoc_w *w, int depth,
                   map_order order) {
  if (depth > MAX_DEPTH)
    return false;
  switch (cbor_typeof(it)) {
  case CBOR_TYPE_UINT:
    put_head(w, enc_uint, cbor_get_int(it));
    return true;
  case CBOR_TYPE_NEGINT:
    put_head(w, enc_negint, cbor_get_int(it));
    return true;
  case CBOR_TYPE_BYTESTRING:
    if (cbor_bytestring_is_indefinite(it))
      return false;
    put_head(w, enc_bstr, cbor_bytestring_length(it));
    edhoc_w_raw(w, OSCORE_BYTES(cbor_bytestring_handle(it),
                                cbor_bytestring_length(it)));
    return true;
  case CBOR_TYPE_STRING:
    if (cbor_string_is_indefinite(it))
      return false;
    put_head(w, enc_tstr, cbor_string_length(it));
    edhoc_w_raw(w, OSCORE_BYTES(cbor_string_handle(it),
                                cbor_string_length(it)));
    return true;
  case CBOR_TYPE_ARRAY: {
    if (cbor_array_is_indefinite(it))
      return false;
    size_t n = cbor_array_size(it);
    cbor_item_t **items = cbor_array_handle(it);
    put_head(w, enc_array, n);
    for (size_t i = 0; i < n; i++)
      if (!encode(items[i], w, depth + 1, order))
        return false;
    return true;
  }
  case CBOR_TYPE_MAP: {
    if (cbor_map_is_indefinite(it))
      return false;
    if (order == MAPS_SORTED)
      return encode_sorted_map(it, w, depth);
    size_t n = cbor_map_size(it);
    struct cbor_pair *pairs = cbor_map_handle(it);
    put_head(w, enc_map, n);
    for (size_t i = 0; i < n; i++)
      if (!encode(pairs[i].key, w, depth + 1, order) ||
          !encode(pairs[i].value, w, depth + 1, order))
        return false;
    return true;
  }
  case CBOR_TYPE_TAG: {
    put_head(w, enc_tag, cbor_tag_value(it));
    cbor_item_t *inner = cbor_tag_item(it);
    bool ok = encode(inner, w, depth + 1, order);
    cbor_decref(&inner);
    return ok;
  }
  case CBOR_TYPE_FLOAT_CTRL:
    /* Floats are refused; libcbor's bool/null tests assert on them. */
    if (cbor_float_get_width(it) != CBOR_FLOAT_0)
      return false;
    if (cbor_is_bool(it)) {
      edhoc_w_bool(w, cbor_get_bool(it));
      return true;
    }
    if (cbor_is_null(it)) {
      uint8_t b = 0xf6;
      edhoc_w_raw(w, OSCORE_BYTES(&b, 1));
      return true;
    }
    return false;
  }
  return false;
}

static edhoc_err describe(const cbor_item_t *it, oscore_bytes span,
                          edhoc_cbor_val *v) {
  memset(v, 0, sizeof *v);
  v->span = span;
  switch (cbor_typeof(it)) {
  case CBOR_TYPE_UINT:
    if (cbor_get_int(it) > INT64_MAX)
      return EDHOC_ERR_MALFORMED;
    v->type = EDHOC_CBOR_INT;
    v->i = (int64_t)cbor_get_int(it);
    return EDHOC_OK;
  case CBOR_TYPE_NEGINT:
    if (cbor_get_int(it) > INT64_MAX)
      return EDHOC_ERR_MALFORMED;
    v->type = EDHOC_CBOR_INT;
    v->i = -1 - (int64_t)cbor_get_int(it);
    return EDHOC_OK;
  case CBOR_TYPE_BYTESTRING:
  case CBOR_TYPE_STRING: {
    size_t n = cbor_isa_bytestring(it) ? cbor_bytestring_length(it)
                                       : cbor_string_length(it);
    v->type = cbor_isa_bytestring(it) ? EDHOC_CBOR_BSTR : EDHOC_CBOR_TSTR;
    v->bytes = OSCORE_BYTES(span.ptr + span.len - n, n);
    return EDHOC_OK;
  }
  case CBOR_TYPE_ARRAY:
  case CBOR_TYPE_MAP: {
    bool arr = cbor_isa_array(it);
    v->type = arr ? EDHOC_CBOR_ARRAY : EDHOC_CBOR_MAP;
    v->n = arr ? cbor_array_size(it) : cbor_map_size(it);
    unsigned char head[9];
    size_t h = arr ? cbor_encode_array_start(v->n, head, sizeof head)
                   : cbor_encode_map_start(v->n, head, sizeof head);
    v->inner = OSCORE_BYTES(span.ptr + h, span.len - h);
    return EDHOC_OK;
  }
  case CBOR_TYPE_FLOAT_CTRL:
    if (cbor_float_get_width(it) == CBOR_FLOAT_0 && cbor_is_bool(it)) {
      v->type = EDHOC_CBOR_BOOL;
      v->b = cbor_get_bool(it);
      return EDHOC_OK;
    }
    v->type = EDHOC_CBOR_OTHER;
    return EDHOC_OK;
  default:
    v->type = EDHOC_CBOR_OTHER;
    return EDHOC_OK;
  }
}

/* ---- pre-scan: bound an item before libcbor builds it ---- */

/* What the last head announced. */
typedef struct {
  enum { HEAD_LEAF, HEAD_NEST, HEAD_INDEF } kind;
  uint64_t children;
} head_info;

static void on_array(void *ctx, size_t n) {
  ((head_info *)ctx)->kind = HEAD_NEST;
  ((head_info *)ctx)->children = n;
}
static void on_map(void *ctx, size_t n) {
  ((head_info *)ctx)->kind = HEAD_NEST;
  /* 2n overflows only for n beyond any input length, refused below. */
  ((head_info *)ctx)->children = n > SIZE_MAX / 2 ? SIZE_MAX : 2 * (uint64_t)n;
}
static void on_tag(void *ctx, uint64_t t) {
  (void)t;
  ((head_info *)ctx)->kind = HEAD_NEST;
  ((head_info *)ctx)->children = 1;
}
static void on_indef(void *ctx) { ((head_info *)ctx)->kind = HEAD_INDEF; }

/* The length of the one item at |p| (|len| bytes available), walking its
 * heads with libcbor's streaming decoder, which allocates nothing. cbor_load
 * alone would allocate what an array or map head claims before seeing a
 * single element (a 5-byte input can claim 2^32 elements); here every
 * announced element must still have a byte of input left. Indefinite
 * lengths are refused (never deterministic). 0 when malformed. */
static size_t item_length(const uint8_t *p, size_t len) {
  struct cbor_callbacks cb = cbor_empty_callbacks;
  cb.array_start = on_array;
  cb.map_start = on_map;
  cb.tag = on_tag;
  cb.indef_array_start = on_indef;
  cb.indef_map_start = on_indef;
  cb.byte_string_start = on_indef;
  cb.string_start = on_indef;
  uint64_t pending = 1;
  size_t pos = 0;
  while (pending > 0) {
    head_info h = { HEAD_LEAF, 0 };
    struct cbor_decoder_result res = cbor_stream_decode(p + pos, len - pos,
                                                        &cb, &h);
    if (res.status != CBOR_DECODER_FINISHED || res.read == 0 ||
        h.kind == HEAD_INDEF)
      return 0;
    pos += res.read;
    pending--;
    if (h.kind == HEAD_NEST) {
      if (h.children > len - pos || pending + h.children > len - pos)
        return 0;
      pending += h.children;
    }
  }
  return pos;
}

edhoc_err edhoc_r_next(edhoc_r *r, edhoc_cbor_val *v) {
  if (edhoc_r_at_end(r))
    return EDHOC_ERR_MALFORMED;
  struct cbor_load_result res;
  const uint8_t *start = r->p + r->pos;
  size_t avail = item_length(start, r->len - r->pos);
  if (avail == 0)
    return EDHOC_ERR_MALFORMED;
  cbor_item_t *it = cbor_load(start, avail, &res);
  if (it == NULL) {
    return res.error.code == CBOR_ERR_MEMERROR ? EDHOC_ERR_NO_MEMORY
                                               : EDHOC_ERR_MALFORMED;
  }
  oscore_bytes span = OSCORE_BYTES(start, res.read);
  edhoc_err err = EDHOC_ERR_MALFORMED;
  uint8_t *scratch = malloc(span.len ? span.len : 1);
  if (scratch == NULL) {
    err = EDHOC_ERR_NO_MEMORY;
  } else {
    edhoc_w w;
    edhoc_w_init(&w, scratch, span.len);
    if (encode(it, &w, 0, MAPS_AS_GIVEN) && !w.overflow && w.len == span.len &&
        memcmp(scratch, span.ptr, span.len) == 0)
      err = describe(it, span, v);
    free(scratch);
  }
  cbor_decref(&it);
  if (err == EDHOC_OK)
    r->pos += res.read;
  return err;
}

edhoc_err edhoc_r_int(edhoc_r *r, int64_t *out) {
  edhoc_cbor_val v;
  edhoc_err err = edhoc_r_next(r, &v);
  if (err != EDHOC_OK)
    return err;
  if (v.type != EDHOC_CBOR_INT)
    return EDHOC_ERR_MALFORMED;
  *out = v.i;
  return EDHOC_OK;
}

edhoc_err edhoc_r_bstr(edhoc_r *r, oscore_bytes *out) {
  edhoc_cbor_val v;
  edhoc_err err = edhoc_r_next(r, &v);
  if (err != EDHOC_OK)
    return err;
  if (v.type != EDHOC_CBOR_BSTR)
    return EDHOC_ERR_MALFORMED;
  *out = v.bytes;
  return EDHOC_OK;
}

edhoc_err edhoc_cbor_map_get(const edhoc_cbor_val *map, int64_t key,
                             edhoc_cbor_val *out, bool *found) {
  *found = false;
  if (map->type != EDHOC_CBOR_MAP)
    return EDHOC_ERR_MALFORMED;
  edhoc_r r;
  edhoc_r_init(&r, map->inner);
  for (size_t i = 0; i < map->n; i++) {
    edhoc_cbor_val k, val;
    edhoc_err err = edhoc_r_next(&r, &k);
    if (err == EDHOC_OK)
      err = edhoc_r_next(&r, &val);
    if (err != EDHOC_OK)
      return err;
    if (!*found && k.type == EDHOC_CBOR_INT && k.i == key) {
      *out = val;
      *found = true;
    }
  }
  return EDHOC_OK;
}
