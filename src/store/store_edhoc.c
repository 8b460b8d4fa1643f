/* OSCORE contexts established by EDHOC (store_edhoc.h). */
#include <cbor.h>
#include <cjson/cJSON.h>
#include "oscore_secret.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_cosekey.h"
#include "store_diag.h"
#include "store_edhoc.h"
#include "store_json.h"

store_err store_context_from_edhoc(const edhoc_oscore *o, const char *name,
                                   store_diag *diag, store_context **out) {
  oscore_ctx_params p = {
    .aead_cose = o->aead_cose,
    .hkdf = OSCORE_HASH_SHA256,
    .master_secret = OSCORE_BYTES(o->master_secret,
                                  oscore_aead_by_cose(o->aead_cose)
                                      ? oscore_aead_by_cose(o->aead_cose)->key_len
                                      : 0),
    .master_salt = OSCORE_BYTES(o->master_salt, sizeof o->master_salt),
    .sender_id = OSCORE_BYTES(o->sender_id, o->sender_id_len),
    .recipient_id = OSCORE_BYTES(o->recipient_id, o->recipient_id_len),
    .has_id_context = false,
  };
  store_err err = store_context_new_in_memory(&p, name, diag, out);
  oscore_wipe(&p, sizeof p);
  return err;
}

/* ---- "edhoc-oscore" entries of credentials maps ---- */

/* Member names compare with "-" and "_" alike (aiocoap replaces "-"). */
static bool member_is(const char *have, size_t len, const char *want) {
  if (strlen(want) != len)
    return false;
  for (size_t i = 0; i < len; i++) {
    char a = have[i] == '-' ? '_' : have[i];
    if (a != want[i])
      return false;
  }
  return true;
}

static bool is_unauthenticated(const cbor_item_t *v) {
  if (!cbor_isa_map(v) || cbor_map_size(v) != 1)
    return false;
  struct cbor_pair *p = cbor_map_handle(v);
  return cbor_isa_string(p[0].key) && cbor_string_length(p[0].key) == 15 &&
         memcmp(cbor_string_handle(p[0].key), "unauthenticated", 15) == 0 &&
         cbor_typeof(p[0].value) == CBOR_TYPE_FLOAT_CTRL &&
         cbor_float_get_width(p[0].value) == CBOR_FLOAT_0 &&
         cbor_is_bool(p[0].value) && cbor_get_bool(p[0].value);
}

/* {14: CCS} -> the CCS canonically encoded, checked to be one. */
static store_err read_cred(const cbor_item_t *v, const char *what,
                           const char *label, const char *map_path,
                           uint8_t **out, size_t *out_len, store_diag *diag) {
  if (!cbor_isa_map(v) || cbor_map_size(v) != 1 ||
      !cbor_isa_uint(cbor_map_handle(v)[0].key) ||
      cbor_get_int(cbor_map_handle(v)[0].key) != 14)
    return store_fail(diag, STORE_ERR_UNSUPPORTED,
                      "%s: entry \"%.100s\": %s must be {14: {...}} (a CWT "
                      "claims set, as oscore-keygen prints it) or "
                      "{\"unauthenticated\": true}", map_path, label, what);
  uint8_t *buf = malloc(EDHOC_MAX_CRED);
  if (!buf)
    return store_fail(diag, STORE_ERR_NO_MEMORY, "out of memory");
  edhoc_w w;
  edhoc_w_init(&w, buf, EDHOC_MAX_CRED);
  edhoc_cred c;
  if (edhoc_cbor_write_canonical(cbor_map_handle(v)[0].value, &w) != EDHOC_OK ||
      edhoc_cred_from_ccs(OSCORE_BYTES(buf, w.len), &c) != EDHOC_OK) {
    free(buf);
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": %s is not a usable CWT claims "
                      "set ({2: subject, 8: {1: COSE_Key}} with kty, crv, x "
                      "(and y for P-256) of a supported curve)", map_path,
                      label, what);
  }
  edhoc_cred_clear(&c);
  *out = buf;
  *out_len = w.len;
  return STORE_OK;
}

/* The key file path: relative ones beside the map. Its errors name the
 * map, the entry and the member too: the key file alone does not say
 * which entry of which map wanted it. */
static store_err load_key(const char *file, const char *label,
                          const char *map_path, edhoc_key **out,
                          store_diag *diag) {
  char path[4096];
  const char *slash = strrchr(map_path, '/');
  if (file[0] == '/' || !slash)
    snprintf(path, sizeof path, "%s", file);
  else
    snprintf(path, sizeof path, "%.*s/%s", (int)(slash - map_path), map_path,
             file);
  store_err err = store_cosekey_load(path, out, diag);
  if (err && diag) {
    char inner[sizeof diag->msg];
    memcpy(inner, diag->msg, sizeof inner);
    /* Truncation is fine: the inner message starts with the culprit. */
    if (snprintf(diag->msg, sizeof diag->msg, "%s: entry \"%.100s\": "
                 "private_key_file: %s", map_path, label, inner) < 0)
      memcpy(diag->msg, inner, sizeof inner);
  }
  return err;
}

typedef struct {
  const cbor_item_t *suite, *method, *own_cred, *own_style, *key_file,
      *peer_cred, *combined;
} members;

static store_err collect(const cbor_item_t *obj, const char *label,
                         const char *map_path, members *m, store_diag *diag) {
  memset(m, 0, sizeof *m);
  if (!cbor_isa_map(obj))
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                      "\"edhoc-oscore\" takes an object", map_path, label);
  struct cbor_pair *p = cbor_map_handle(obj);
  for (size_t i = 0; i < cbor_map_size(obj); i++) {
    if (!cbor_isa_string(p[i].key))
      return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                        "\"edhoc-oscore\" members are named by text",
                        map_path, label);
    const char *k = (const char *)cbor_string_handle(p[i].key);
    size_t kl = cbor_string_length(p[i].key);
    const cbor_item_t **slot =
        member_is(k, kl, "suite") ? &m->suite
      : member_is(k, kl, "method") ? &m->method
      : member_is(k, kl, "own_cred") ? &m->own_cred
      : member_is(k, kl, "own_cred_style") ? &m->own_style
      : member_is(k, kl, "private_key_file") ? &m->key_file
      : member_is(k, kl, "peer_cred") ? &m->peer_cred
      : member_is(k, kl, "use_combined_edhoc") ? &m->combined : NULL;
    if (!slot)
      return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                        "unexpected member \"%.*s\" in \"edhoc-oscore\"",
                        map_path, label, (int)(kl > 64 ? 64 : kl), k);
    if (*slot)
      return store_fail(diag, STORE_ERR_DUPLICATE, "%s: entry \"%.100s\": "
                        "\"%.*s\" given twice", map_path, label,
                        (int)(kl > 64 ? 64 : kl), k);
    *slot = p[i].value;
  }
  return STORE_OK;
}

static bool small_int(const cbor_item_t *v, int *out) {
  if (!v || !cbor_isa_uint(v) || cbor_get_int(v) > 255)
    return false;
  *out = (int)cbor_get_int(v);
  return true;
}

static bool text_is(const cbor_item_t *v, const char *s) {
  return cbor_isa_string(v) && cbor_string_length(v) == strlen(s) &&
         memcmp(cbor_string_handle(v), s, strlen(s)) == 0;
}

static store_err parse_own(const members *m, const char *label,
                           const char *map_path, store_edhoc_entry *out,
                           store_diag *diag) {
  if (m->own_cred && is_unauthenticated(m->own_cred)) {
    if (m->key_file || (m->own_style && !text_is(m->own_style, "by-value")))
      return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                        "an unauthenticated own_cred takes no key and only "
                        "own_cred_style \"by-value\"", map_path, label);
    out->has_own = out->own_unauthenticated = true;
    out->own_style = EDHOC_IDCRED_KCCS;
    return STORE_OK;
  }
  if (!m->own_cred && !m->own_style && !m->key_file)
    return STORE_OK;
  if (!m->own_cred || !m->own_style || !m->key_file)
    return store_fail(diag, STORE_ERR_MISSING, "%s: entry \"%.100s\": own_cred, "
                      "own_cred_style and private_key_file come together",
                      map_path, label);
  if (text_is(m->own_style, "by-key-id"))
    out->own_style = EDHOC_IDCRED_KID;
  else if (text_is(m->own_style, "by-value"))
    out->own_style = EDHOC_IDCRED_KCCS;
  else
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                      "own_cred_style is \"by-key-id\" or \"by-value\"",
                      map_path, label);
  if (!cbor_isa_string(m->key_file) || cbor_string_length(m->key_file) == 0 ||
      cbor_string_length(m->key_file) > 1024)
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                      "private_key_file must be a file name", map_path, label);
  store_err err = read_cred(m->own_cred, "own_cred", label, map_path,
                            &out->own_ccs, &out->own_ccs_len, diag);
  if (err)
    return err;
  char file[1025];
  snprintf(file, sizeof file, "%.*s", (int)cbor_string_length(m->key_file),
           (const char *)cbor_string_handle(m->key_file));
  if ((err = load_key(file, label, map_path, &out->own_key, diag)))
    return err;
  /* The key must be the one the credential names. */
  edhoc_cred c;
  uint8_t a[32], b[32];
  bool match = edhoc_cred_from_ccs(OSCORE_BYTES(out->own_ccs, out->own_ccs_len),
                                   &c) == EDHOC_OK &&
               edhoc_key_curve(c.pub) == edhoc_key_curve(out->own_key) &&
               edhoc_key_public(c.pub, a, NULL) == EDHOC_OK &&
               edhoc_key_public(out->own_key, b, NULL) == EDHOC_OK &&
               memcmp(a, b, 32) == 0;
  if (match && out->own_style == EDHOC_IDCRED_KID && !c.has_kid)
    match = false;
  edhoc_cred_clear(&c);
  if (!match)
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                      "private_key_file %s is not the key of own_cred (or "
                      "own_cred has no kid for \"by-key-id\")", map_path,
                      label, file);
  out->has_own = true;
  return STORE_OK;
}

store_err store_edhoc_entry_parse(const cbor_item_t *obj, const char *label,
                                  const char *map_path, store_edhoc_entry *out,
                                  store_diag *diag) {
  memset(out, 0, sizeof *out);
  out->combined = -1;
  members m;
  store_err err = collect(obj, label, map_path, &m, diag);
  if (err)
    return err;
  if (!small_int(m.suite, &out->suite) || !edhoc_suite_by_id(out->suite))
    return store_fail(diag, m.suite ? STORE_ERR_UNSUPPORTED : STORE_ERR_MISSING,
                      "%s: entry \"%.100s\": suite must be 0, 1, 2, 3 or 6",
                      map_path, label);
  if (!small_int(m.method, &out->method) || out->method > 3)
    return store_fail(diag, m.method ? STORE_ERR_UNSUPPORTED : STORE_ERR_MISSING,
                      "%s: entry \"%.100s\": method must be 0, 1, 2 or 3",
                      map_path, label);
  if (m.combined) {
    if (cbor_typeof(m.combined) != CBOR_TYPE_FLOAT_CTRL ||
        cbor_float_get_width(m.combined) != CBOR_FLOAT_0 ||
        !cbor_is_bool(m.combined))
      return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                        "use_combined_edhoc is true or false", map_path, label);
    out->combined = cbor_get_bool(m.combined);
  }
  if ((err = parse_own(&m, label, map_path, out, diag)) == STORE_OK &&
      m.peer_cred) {
    out->has_peer = true;
    if (is_unauthenticated(m.peer_cred))
      out->peer_unauthenticated = true;
    else
      err = read_cred(m.peer_cred, "peer_cred", label, map_path,
                      &out->peer_ccs, &out->peer_ccs_len, diag);
  }
  if (err)
    store_edhoc_entry_clear(out);
  return err;
}

void store_edhoc_entry_clear(store_edhoc_entry *e) {
  if (!e)
    return;
  free(e->own_ccs);
  free(e->peer_ccs);
  edhoc_key_free(e->own_key);
  memset(e, 0, sizeof *e);
}

/* JSON -> libcbor, with {"hex": ...} credentials decoded as CBOR. */
static cbor_item_t *from_json(const cJSON *j, bool cred, const char **why) {
  if (cred && cJSON_IsObject(j) && j->child && !j->child->next &&
      strcmp(j->child->string, "hex") == 0 && cJSON_IsString(j->child)) {
    uint8_t buf[EDHOC_MAX_CRED + 16];
    size_t n;
    if (!store_hex_decode(j->child->valuestring, buf, sizeof buf, &n, why))
      return NULL;
    struct cbor_load_result res;
    cbor_item_t *it = cbor_load(buf, n, &res);
    if (!it || res.read != n) {
      if (it)
        cbor_decref(&it);
      *why = "the hex is not one CBOR item";
      return NULL;
    }
    return it;
  }
  if (cJSON_IsBool(j))
    return cbor_build_bool(cJSON_IsTrue(j));
  if (cJSON_IsNumber(j)) {
    if (j->valuedouble < 0 || j->valuedouble > 255 ||
        j->valuedouble != (double)(int)j->valuedouble) {
      *why = "numbers here are small non-negative integers";
      return NULL;
    }
    return cbor_build_uint8((uint8_t)j->valueint);
  }
  if (cJSON_IsString(j))
    return cbor_build_string(j->valuestring);
  if (cJSON_IsObject(j)) {
    size_t n = 0;
    for (const cJSON *c = j->child; c; c = c->next)
      n++;
    cbor_item_t *map = cbor_new_definite_map(n);
    for (const cJSON *c = j->child; map && c; c = c->next) {
      bool is_cred = !cred && (member_is(c->string, strlen(c->string),
                                         "own_cred") ||
                               member_is(c->string, strlen(c->string),
                                         "peer_cred"));
      cbor_item_t *k = cbor_build_string(c->string);
      cbor_item_t *v = from_json(c, is_cred, why);
      bool ok = k && v && cbor_map_add(map, (struct cbor_pair){ k, v });
      if (k)
        cbor_decref(&k);
      if (v)
        cbor_decref(&v);
      if (!ok) {
        cbor_decref(&map);
        if (!*why)
          *why = "out of memory";
        return NULL;
      }
    }
    return map;
  }
  *why = "arrays and null have no place here";
  return NULL;
}

store_err store_edhoc_entry_parse_json(const cJSON *obj, const char *label,
                                       const char *map_path,
                                       store_edhoc_entry *out,
                                       store_diag *diag) {
  memset(out, 0, sizeof *out);
  const char *why = NULL;
  cbor_item_t *it = cJSON_IsObject(obj) ? from_json(obj, false, &why) : NULL;
  if (!it)
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: entry \"%.100s\": "
                      "\"edhoc-oscore\": %s", map_path, label,
                      why ? why : "takes an object");
  store_err err = store_edhoc_entry_parse(it, label, map_path, out, diag);
  cbor_decref(&it);
  return err;
}

/* ---- using an entry in an EDHOC session ---- */

edhoc_err store_edhoc_peer_match(const store_edhoc_entry *e,
                                 const edhoc_id_cred *id, edhoc_cred *out) {
  if (!e || !e->has_peer)
    return EDHOC_ERR_UNKNOWN_CRED;
  if (e->peer_ccs) {
    edhoc_err err = edhoc_cred_from_ccs(
        OSCORE_BYTES(e->peer_ccs, e->peer_ccs_len), out);
    if (err != EDHOC_OK)
      return err;
    if (edhoc_id_cred_matches(id, out))
      return EDHOC_OK;
    edhoc_cred_clear(out);
    return EDHOC_ERR_UNKNOWN_CRED;
  }
  /* Anyone, as long as the credential itself came along (by value). */
  if (e->peer_unauthenticated && id->kind == EDHOC_IDCRED_KCCS)
    return edhoc_cred_from_ccs(id->value, out);
  return EDHOC_ERR_UNKNOWN_CRED;
}

bool store_edhoc_own_fits(const store_edhoc_entry *e, const edhoc_suite *suite,
                          bool sign) {
  if (!e || !e->has_own || !suite)
    return false;
  if (e->own_unauthenticated)
    return true;   /* a key of the right curve is made on the spot */
  return e->own_key && edhoc_key_curve(e->own_key) ==
                           (sign ? suite->sig : suite->dh);
}

edhoc_err store_edhoc_own(const store_edhoc_entry *e, const edhoc_suite *suite,
                          bool sign, edhoc_cred *cred, edhoc_key **key) {
  *key = NULL;
  if (!e || !e->has_own || !suite)
    return EDHOC_ERR_INVALID_ARG;
  if (!e->own_unauthenticated) {
    edhoc_err err = edhoc_cred_from_ccs(
        OSCORE_BYTES(e->own_ccs, e->own_ccs_len), cred);
    if (err == EDHOC_OK)
      err = edhoc_key_ref(e->own_key, key);
    if (err != EDHOC_OK)
      edhoc_cred_clear(cred);
    return err;
  }
  edhoc_err err = edhoc_key_generate(sign ? suite->sig : suite->dh, key);
  uint8_t ccs[256];
  edhoc_w w;
  edhoc_w_init(&w, ccs, sizeof ccs);
  if (err == EDHOC_OK)
    err = edhoc_ccs_write(*key, OSCORE_BYTES(NULL, 0), NULL, &w);
  if (err == EDHOC_OK)
    err = edhoc_cred_from_ccs(OSCORE_BYTES(ccs, w.len), cred);
  if (err != EDHOC_OK) {
    edhoc_key_free(*key);
    *key = NULL;
  }
  return err;
}
