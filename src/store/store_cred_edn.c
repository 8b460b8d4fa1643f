/* Credentials maps in CBOR diagnostic notation (store_cred_edn.h). */
#include <cbor.h>
#include "oscore_secret.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edn.h"
#include "store_cred_edn.h"
#include "store_diag.h"
#include "store_json.h"

bool store_cred_is_edn(const char *path) {
  size_t n = strlen(path);
  return n > 5 && strcmp(path + n - 5, ".diag") == 0;
}

static cJSON *hex_object(const uint8_t *b, size_t n) {
  char *hex = malloc(2 * n + 1);
  if (!hex)
    return NULL;
  for (size_t i = 0; i < n; i++)
    snprintf(hex + 2 * i, 3, "%02x", b[i]);
  hex[2 * n] = '\0';
  cJSON *o = cJSON_CreateObject();
  if (o && !cJSON_AddStringToObject(o, "hex", hex)) {
    store_json_free_wiped(o);
    o = NULL;
  }
  oscore_wipe(hex, 2 * n + 1); /* the bytes may be a master secret */
  free(hex);
  return o;
}

/* A text string as a C string: a NUL inside could not be told apart. */
static char *text_of(const cbor_item_t *it, const char **why) {
  if (!cbor_string_is_definite(it)) {
    *why = "indefinite-length text strings are not supported here";
    return NULL;
  }
  size_t n = cbor_string_length(it);
  if (memchr(cbor_string_handle(it), 0, n)) {
    *why = "a text string holds a NUL character";
    return NULL;
  }
  char *s = malloc(n + 1);
  if (!s) {
    *why = "out of memory";
    return NULL;
  }
  memcpy(s, cbor_string_handle(it), n);
  s[n] = '\0';
  return s;
}

static bool text_keys_only(const cbor_item_t *map) {
  struct cbor_pair *p = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); i++)
    if (!cbor_isa_string(p[i].key))
      return false;
  return true;
}

static cJSON *to_json(const cbor_item_t *it, const char **why);

static cJSON *map_to_json(const cbor_item_t *it, const char **why) {
  if (!text_keys_only(it)) {
    /* A credential {14: {...}}: the JSON form's {"hex": CBOR}. */
    unsigned char *buf = NULL;
    size_t cap = 0;
    size_t n = cbor_serialize_alloc(it, &buf, &cap);
    cJSON *o = n ? hex_object(buf, n) : NULL;
    free(buf);
    if (!o)
      *why = "out of memory";
    return o;
  }
  cJSON *o = cJSON_CreateObject();
  struct cbor_pair *p = cbor_map_handle(it);
  for (size_t i = 0; o && i < cbor_map_size(it); i++) {
    char *k = text_of(p[i].key, why);
    cJSON *v = k ? to_json(p[i].value, why) : NULL;
    /* Duplicates stay: the loader reports them by name. */
    bool added = v && cJSON_AddItemToObject(o, k, v);
    free(k);
    if (!added) {
      store_json_free_wiped(v);
      store_json_free_wiped(o);
      if (!*why)
        *why = "out of memory";
      return NULL;
    }
  }
  if (!o && !*why)
    *why = "out of memory";
  return o;
}

static cJSON *to_json(const cbor_item_t *it, const char **why) {
  cJSON *r = NULL;
  switch (cbor_typeof(it)) {
  case CBOR_TYPE_UINT:
    r = cJSON_CreateNumber((double)cbor_get_int(it));
    break;
  case CBOR_TYPE_NEGINT:
    r = cJSON_CreateNumber(-1.0 - (double)cbor_get_int(it));
    break;
  case CBOR_TYPE_BYTESTRING:
    if (!cbor_bytestring_is_definite(it)) {
      *why = "indefinite-length byte strings are not supported here";
      return NULL;
    }
    r = hex_object(cbor_bytestring_handle(it), cbor_bytestring_length(it));
    break;
  case CBOR_TYPE_STRING: {
    char *s = text_of(it, why);
    if (!s)
      return NULL;
    r = cJSON_CreateString(s);
    oscore_wipe(s, strlen(s)); /* {"ascii": ...} secrets are text */
    free(s);
    break;
  }
  case CBOR_TYPE_ARRAY:
    r = cJSON_CreateArray();
    for (size_t i = 0; r && i < cbor_array_size(it); i++) {
      cJSON *v = to_json(cbor_array_handle(it)[i], why);
      if (!v || !cJSON_AddItemToArray(r, v)) {
        store_json_free_wiped(v);
        store_json_free_wiped(r);
        if (!*why)
          *why = "out of memory";
        return NULL;
      }
    }
    break;
  case CBOR_TYPE_MAP:
    return map_to_json(it, why);
  case CBOR_TYPE_FLOAT_CTRL:
    if (cbor_float_get_width(it) != CBOR_FLOAT_0)
      r = cJSON_CreateNumber(cbor_float_get_float(it));
    else if (cbor_is_bool(it))
      r = cJSON_CreateBool(cbor_get_bool(it));
    else if (cbor_is_null(it))
      r = cJSON_CreateNull();
    else {
      *why = "undefined and simple values have no place in a credentials map";
      return NULL;
    }
    break;
  default:
    *why = "tags have no place in a credentials map";
    return NULL;
  }
  if (!r && !*why)
    *why = "out of memory";
  return r;
}

static store_err convert(const char *path, const cbor_item_t *top, cJSON **out,
                         store_diag *diag) {
  if (!cbor_isa_map(top) || !text_keys_only(top))
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: expected a map with "
                      "text keys (URI patterns and :labels) at the top", path);
  cJSON *j = cJSON_CreateObject();
  if (!j)
    return store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory", path);
  struct cbor_pair *p = cbor_map_handle(top);
  for (size_t i = 0; i < cbor_map_size(top); i++) {
    const char *why = NULL;
    char *k = text_of(p[i].key, &why);
    cJSON *v = k ? to_json(p[i].value, &why) : NULL;
    if (v && !cJSON_AddItemToObject(j, k, v)) {
      store_json_free_wiped(v);
      v = NULL;
      why = "out of memory";
    }
    if (!v) {
      store_err err = store_fail(diag, STORE_ERR_MALFORMED,
                                 "%s: entry \"%.100s\": %s", path,
                                 k ? k : "?", why ? why : "out of memory");
      free(k);
      store_json_free_wiped(j);
      return err;
    }
    free(k);
  }
  *out = j;
  return STORE_OK;
}

store_err store_cred_edn_load(const char *path, size_t max, cJSON **out,
                              store_diag *diag) {
  *out = NULL;
  char *text;
  size_t len, cap;
  store_err err = store_file_read(path, max, NULL, NULL, &text, &len, &cap,
                                  diag);
  if (err)
    return err;
  edn_error e = { 0 };
  cbor_item_t *top = edn_parse(text, len, &e);
  oscore_wipe(text, cap);
  free(text);
  if (!top)
    return store_fail(diag, STORE_ERR_MALFORMED, "%s:%zu:%zu: not valid "
                      "diagnostic notation: %s", path, e.line, e.column,
                      e.what ? e.what : "?");
  err = convert(path, top, out, diag);
  edn_item_free_wiped(&top);
  return err;
}
