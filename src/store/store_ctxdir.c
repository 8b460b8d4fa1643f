/* settings.json + secret.json: the static parameters of a context. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "oscore_secret.h"
#include "store_ctxdir.h"
#include "store_diag.h"
#include "store_json.h"

#define DEFAULT_ALGORITHM "AES-CCM-16-64-128"
#define DEFAULT_HASH      "sha256"

typedef enum { KIND_BYTES, KIND_STRING, KIND_INT } key_kind;
typedef enum { ENC_PLAIN, ENC_HEX, ENC_ASCII } key_enc;

/* The keys aiocoap reads (oscore.py FilesystemSecurityContext._load), then
 * ours for draft-08 mode (DRAFT08.md "Settings keys"), which aiocoap
 * ignores: such a context must not be given to aiocoap. */
enum { K_SENDER, K_RECIPIENT, K_SECRET, K_SALT, K_IDCTX, K_ALG, K_HASH,
       K_WINDOW, K_VERSION, K_OPTION, K_IVID, K_COUNT };
static const struct {
  const char *name;
  key_kind kind;
} known[K_COUNT] = {
  [K_SENDER] = { "sender-id", KIND_BYTES },
  [K_RECIPIENT] = { "recipient-id", KIND_BYTES },
  [K_SECRET] = { "secret", KIND_BYTES },
  [K_SALT] = { "salt", KIND_BYTES },
  [K_IDCTX] = { "id-context", KIND_BYTES },
  [K_ALG] = { "algorithm", KIND_STRING },
  [K_HASH] = { "kdf-hashfun", KIND_STRING },
  [K_WINDOW] = { "window", KIND_INT },
  [K_VERSION] = { "oscore-version", KIND_STRING },
  [K_OPTION] = { "option-number", KIND_INT },
  [K_IVID] = { "common-iv-id", KIND_STRING },
};

/* Where each key was found, for messages naming file and key. */
typedef struct {
  const char *file;       /* NULL: not given */
  const char *key;        /* as written, with suffix; points into the tree */
  const cJSON *value;
} found_key;

static bool ends_with(const char *s, size_t n, const char *suffix) {
  size_t l = strlen(suffix);
  return n >= l && memcmp(s + n - l, suffix, l) == 0;
}

/* Split "name_hex"/"name_ascii"/"name" and find the known key. */
static int classify(const char *key, key_enc *enc) {
  size_t n = strlen(key);
  *enc = ENC_PLAIN;
  if (ends_with(key, n, "_hex")) {
    *enc = ENC_HEX;
    n -= 4;
  } else if (ends_with(key, n, "_ascii")) {
    *enc = ENC_ASCII;
    n -= 6;
  }
  for (int i = 0; i < K_COUNT; i++)
    if (strlen(known[i].name) == n && memcmp(known[i].name, key, n) == 0)
      return i;
  return -1;
}

static store_err collect(const char *dir, const char *file, const cJSON *obj,
                         found_key *found, store_diag *diag) {
  for (const cJSON *m = obj->child; m; m = m->next) {
    key_enc enc;
    int k = classify(m->string, &enc);
    if (k < 0) {
      /* aiocoap ignores keys it does not know; so do we, but a typo in a
       * key name deserves a hint. */
      store_warn(diag, "%s/%s: unknown key \"%.64s\" ignored", dir, file,
                 m->string);
      continue;
    }
    if (found[k].file)
      return store_fail(diag, STORE_ERR_DUPLICATE,
                        "%s: key \"%s\" is given twice (\"%s\" in %s and \"%s\" "
                        "in %s); give it once", dir, known[k].name,
                        found[k].key, found[k].file, m->string, file);
    found[k].file = file;
    found[k].key = m->string;
    found[k].value = m;
  }
  return STORE_OK;
}

static store_err decode_bytes(const char *dir, const found_key *f,
                              store_param *out, store_diag *diag) {
  key_enc enc;
  classify(f->key, &enc);
  const char *why = NULL;
  bool ok;
  if (enc == ENC_PLAIN) {
    /* aiocoap would take a plain string as text and fail later in the
     * derivation; a binary object is the credentials-map spelling. */
    if (cJSON_IsString(f->value))
      return store_fail(diag, STORE_ERR_MALFORMED,
                        "%s/%s: key \"%s\" needs an encoding: write it as "
                        "\"%s_hex\" or \"%s_ascii\"", dir, f->file, f->key,
                        f->key, f->key);
    ok = store_json_binary(f->value, out->buf, sizeof out->buf, &out->len, &why);
    /* Our extension (the credentials-map spelling): aiocoap's context
     * loader would take the object itself as the value and fail. */
    if (ok)
      store_warn(diag, "%s/%s: key \"%s\": a {\"hex\"}/{\"ascii\"} object "
                 "cannot be read by aiocoap; write \"%s_hex\" instead", dir,
                 f->file, f->key, f->key);
  } else if (!cJSON_IsString(f->value)) {
    return store_fail(diag, STORE_ERR_MALFORMED, "%s/%s: key \"%s\": expected a string",
                      dir, f->file, f->key);
  } else if (enc == ENC_HEX) {
    ok = store_hex_decode(f->value->valuestring, out->buf, sizeof out->buf,
                          &out->len, &why);
  } else {
    ok = store_ascii_decode(f->value->valuestring, out->buf, sizeof out->buf,
                            &out->len, &why);
  }
  if (!ok) {
    oscore_wipe(out->buf, sizeof out->buf);
    return store_fail(diag, STORE_ERR_MALFORMED, "%s/%s: key \"%s\": %s%s", dir,
                      f->file, f->key, enc == ENC_HEX ? "bad hex: " : "", why);
  }
  out->present = true;
  return STORE_OK;
}

static store_err plain_only(const char *dir, const found_key *f, store_diag *diag) {
  key_enc enc;
  classify(f->key, &enc);
  if (enc != ENC_PLAIN)
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s/%s: key \"%s\": this key takes a plain value, "
                      "without _hex or _ascii", dir, f->file, f->key);
  return STORE_OK;
}

static store_err check_id_len(const char *dir, const found_key *f,
                              const store_param *p, const oscore_aead_info *alg,
                              store_diag *diag) {
  size_t max = alg->nonce_len - 6;   /* RFC 8613 §5.2 */
  if (p->len > max)
    return store_fail(diag, STORE_ERR_ID_TOO_LONG,
                      "%s/%s: key \"%s\": ID too long (%zu bytes, at most %zu "
                      "for %s)", dir, f->file, f->key, p->len, max, alg->name);
  return STORE_OK;
}

/* The IDs and the secret, once decoded: lengths for the algorithm, two
 * different IDs, a warning for an empty secret. */
static store_err check_ids(const char *dir, const found_key *found,
                           store_ctxdir *out, store_diag *diag) {
  store_err err;
  /* Equal IDs derive equal sender and recipient keys, and both directions
   * would then build the same nonces from the same numbers (RFC 8613
   * §3.3 requires distinct IDs). */
  if (out->sender_id.len == out->recipient_id.len &&
      memcmp(out->sender_id.buf, out->recipient_id.buf, out->sender_id.len) == 0)
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: keys \"%s\" (%s) and \"%s\" (%s) are equal; a "
                      "context needs two different IDs", dir,
                      found[K_SENDER].key, found[K_SENDER].file,
                      found[K_RECIPIENT].key, found[K_RECIPIENT].file);
  if (out->secret.len == 0)
    store_warn(diag, "%s/%s: key \"%s\" is empty: the keys derive from the "
               "salt and IDs alone (RFC 8613 §3.2.1 wants a random secret)",
               dir, found[K_SECRET].file, found[K_SECRET].key);
  if ((err = check_id_len(dir, &found[K_SENDER], &out->sender_id, out->alg, diag)) ||
      (err = check_id_len(dir, &found[K_RECIPIENT], &out->recipient_id, out->alg,
                          diag)))
    return err;
  if (out->id_context.present && out->id_context.len > OSCORE_MAX_IDCTX_LEN)
    return store_fail(diag, STORE_ERR_ID_TOO_LONG,
                      "%s/%s: key \"%s\": ID context too long (%zu bytes, at "
                      "most %d)", dir, found[K_IDCTX].file, found[K_IDCTX].key,
                      out->id_context.len, OSCORE_MAX_IDCTX_LEN);
  return STORE_OK;
}

/* A plain string key among |allowed| (NULL-terminated); *out is its index,
 * |dflt| when the key is absent. */
static store_err string_choice(const char *dir, const found_key *f,
                               const char *const *allowed, int dflt, int *out,
                               store_diag *diag) {
  *out = dflt;
  if (!f->file)
    return STORE_OK;
  store_err err = plain_only(dir, f, diag);
  if (err)
    return err;
  for (int i = 0; cJSON_IsString(f->value) && allowed[i]; i++)
    if (strcmp(f->value->valuestring, allowed[i]) == 0) {
      *out = i;
      return STORE_OK;
    }
  return store_fail(diag, STORE_ERR_MALFORMED,
                    "%s/%s: key \"%s\": expected \"%s\" or \"%s\"", dir,
                    f->file, f->key, allowed[0], allowed[1]);
}

/* "oscore-version", and the two open choices of draft-08 mode. */
static store_err interpret_profile(const char *dir, const found_key *found,
                                   store_ctxdir *out, store_diag *diag) {
  static const char *const versions[] = { "rfc8613", "draft-08", NULL };
  static const char *const iv_ids[] = { "empty", "null", NULL };
  int version, iv_id;
  store_err err = string_choice(dir, &found[K_VERSION], versions, 0, &version,
                                diag);
  if (!err)
    err = string_choice(dir, &found[K_IVID], iv_ids, 0, &iv_id, diag);
  if (err)
    return err;
  memset(&out->profile, 0, sizeof out->profile);
  if (version == 0) {
    for (int k = K_OPTION; k <= K_IVID; k++)
      if (found[k].file)
        return store_fail(diag, STORE_ERR_MALFORMED,
                          "%s/%s: key \"%s\" only applies with "
                          "\"oscore-version\": \"draft-08\"", dir,
                          found[k].file, found[k].key);
    return STORE_OK;
  }
  uint64_t option = OSCORE_DRAFT08_OPTION;
  if (found[K_OPTION].file && (err = plain_only(dir, &found[K_OPTION], diag)))
    return err;
  /* The core accepts 21 and 9 only. */
  if ((found[K_OPTION].file &&
       !store_json_uint(found[K_OPTION].value, 0xFFFF, &option)) ||
      oscore_profile_draft08((uint16_t)option, iv_id == 1, &out->profile))
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s/%s: key \"option-number\": expected 21 or 9", dir,
                      found[K_OPTION].file);
  return STORE_OK;
}

static store_err interpret(const char *dir, const found_key *found,
                           store_ctxdir *out, store_diag *diag) {
  store_err err;
  static const char *required[] = { "sender-id", "recipient-id", "secret" };
  for (int k = K_SENDER; k <= K_SECRET; k++)
    if (!found[k].file)
      return store_fail(diag, STORE_ERR_MISSING,
                        "%s: key \"%s\" is missing (expected \"%s_hex\" or "
                        "\"%s_ascii\" in settings.json or secret.json)", dir,
                        required[k], required[k], required[k]);

  store_param *bytes[K_COUNT] = {
    [K_SENDER] = &out->sender_id, [K_RECIPIENT] = &out->recipient_id,
    [K_SECRET] = &out->secret, [K_SALT] = &out->salt,
    [K_IDCTX] = &out->id_context,
  };
  for (int k = K_SENDER; k <= K_IDCTX; k++)
    if (found[k].file && (err = decode_bytes(dir, &found[k], bytes[k], diag)))
      return err;

  const char *alg_name = DEFAULT_ALGORITHM;
  if (found[K_ALG].file) {
    if ((err = plain_only(dir, &found[K_ALG], diag)))
      return err;
    if (!cJSON_IsString(found[K_ALG].value))
      return store_fail(diag, STORE_ERR_MALFORMED,
                        "%s/%s: key \"algorithm\": expected a string such as \"%s\"",
                        dir, found[K_ALG].file, DEFAULT_ALGORITHM);
    alg_name = found[K_ALG].value->valuestring;
  }
  out->alg = oscore_aead_by_name(alg_name);
  if (!out->alg)
    return store_fail(diag, STORE_ERR_UNKNOWN_ALG,
                      "%s/%s: key \"algorithm\": unknown AEAD algorithm \"%.40s\"",
                      dir, found[K_ALG].file, alg_name);

  const char *hash_name = DEFAULT_HASH;
  if (found[K_HASH].file) {
    if ((err = plain_only(dir, &found[K_HASH], diag)))
      return err;
    if (!cJSON_IsString(found[K_HASH].value))
      return store_fail(diag, STORE_ERR_MALFORMED,
                        "%s/%s: key \"kdf-hashfun\": expected \"sha256\", "
                        "\"sha384\" or \"sha512\"", dir, found[K_HASH].file);
    hash_name = found[K_HASH].value->valuestring;
  }
  if (oscore_hash_by_name(hash_name, &out->hash) != OSCORE_OK)
    return store_fail(diag, STORE_ERR_UNKNOWN_ALG,
                      "%s/%s: key \"kdf-hashfun\": unknown hash function \"%.40s\" "
                      "(expected sha256, sha384 or sha512)", dir,
                      found[K_HASH].file, hash_name);

  out->window = OSCORE_REPLAY_DEFAULT_SIZE;
  if (found[K_WINDOW].file) {
    uint64_t w;
    if ((err = plain_only(dir, &found[K_WINDOW], diag)))
      return err;
    if (!store_json_uint(found[K_WINDOW].value, UINT64_C(1) << 53, &w))
      return store_fail(diag, STORE_ERR_MALFORMED,
                        "%s/%s: key \"window\": non-integer replay window "
                        "(expected an integer 1..%d)", dir, found[K_WINDOW].file,
                        OSCORE_REPLAY_MAX_SIZE);
    if (w < 1 || w > OSCORE_REPLAY_MAX_SIZE)
      return store_fail(diag, STORE_ERR_MALFORMED,
                        "%s/%s: key \"window\": replay window %" PRIu64 " out "
                        "of range (we support 1..%d)", dir, found[K_WINDOW].file,
                        w, OSCORE_REPLAY_MAX_SIZE);
    out->window = (unsigned)w;
  }

  if ((err = check_ids(dir, found, out, diag)))
    return err;
  return interpret_profile(dir, found, out, diag);
}

/* The secret file: aiocoap reads secret.json; the seed documents say
 * secrets.json. Either is read (existing directories keep working), the
 * second with a warning since aiocoap ignores it; both would leave it
 * unclear which counts. */
static store_err load_secret_file(const char *dir, cJSON **tree, const char **name,
                                  struct stat *st, store_diag *diag) {
  cJSON *a = NULL, *b = NULL;
  bool a_absent, b_absent;
  struct stat sa, sb;
  store_err err = store_json_load(dir, "secret.json", STORE_JSON_MAX_CTX_FILE,
                                  &a_absent, &sa, &a, diag);
  if (err)
    return err;
  err = store_json_load(dir, "secrets.json", STORE_JSON_MAX_CTX_FILE, &b_absent,
                        &sb, &b, diag);
  if (err) {
    store_json_free_wiped(a);
    return err;
  }
  if (a && b) {
    store_json_free_wiped(a);
    store_json_free_wiped(b);
    return store_fail(diag, STORE_ERR_DUPLICATE,
                      "%s: both secret.json and secrets.json exist; keep one "
                      "(aiocoap reads secret.json)", dir);
  }
  if (b)
    store_warn(diag, "%s/secrets.json: aiocoap reads only secret.json; rename "
               "it for this directory to work with aiocoap too", dir);
  *tree = a ? a : b;
  *name = a ? "secret.json" : b ? "secrets.json" : NULL;
  *st = a ? sa : sb;
  return STORE_OK;
}

store_err store_ctxdir_load(const char *dir, store_ctxdir *out, store_diag *diag) {
  memset(out, 0, sizeof *out);
  cJSON *secret = NULL, *settings = NULL;
  const char *secret_name = NULL;
  struct stat secret_st, settings_st;
  bool settings_absent;
  found_key found[K_COUNT] = { 0 };

  store_err err = load_secret_file(dir, &secret, &secret_name, &secret_st, diag);
  if (err)
    goto out;
  err = store_json_load(dir, "settings.json", STORE_JSON_MAX_CTX_FILE,
                        &settings_absent, &settings_st, &settings, diag);
  if (err)
    goto out;
  if (!secret && !settings) {
    err = store_fail(diag, STORE_ERR_MISSING,
                     "%s: no settings.json or secret.json: not a security "
                     "context directory", dir);
    goto out;
  }
  /* aiocoap's order: the secret file first. */
  if (secret && (err = collect(dir, secret_name, secret, found, diag)))
    goto out;
  if (settings && (err = collect(dir, "settings.json", settings, found, diag)))
    goto out;
  if ((err = interpret(dir, found, out, diag)))
    goto out;

  const struct stat *st = found[K_SECRET].file == secret_name ? &secret_st
                                                               : &settings_st;
  if (st->st_mode & (S_IRGRP | S_IROTH))
    store_warn(diag, "%s/%s holds the master secret and is readable by %s "
               "(mode %03o); consider chmod 600", dir, found[K_SECRET].file,
               (st->st_mode & S_IROTH) ? "others" : "the group",
               (unsigned)(st->st_mode & 0777));
out:
  store_json_free_wiped(secret);
  store_json_free_wiped(settings);
  if (err)
    store_ctxdir_wipe(out);
  return err;
}

void store_ctxdir_params(const store_ctxdir *d, oscore_ctx_params *p) {
  memset(p, 0, sizeof *p);
  p->aead_cose = d->alg->cose;
  p->hkdf = d->hash;
  p->master_secret = OSCORE_BYTES(d->secret.buf, d->secret.len);
  p->master_salt = OSCORE_BYTES(d->salt.buf, d->salt.len);
  p->sender_id = OSCORE_BYTES(d->sender_id.buf, d->sender_id.len);
  p->recipient_id = OSCORE_BYTES(d->recipient_id.buf, d->recipient_id.len);
  p->has_id_context = d->id_context.present;
  p->id_context = OSCORE_BYTES(d->id_context.buf, d->id_context.len);
  p->replay_window = d->window;
  p->profile = &d->profile;
}

void store_ctxdir_wipe(store_ctxdir *d) {
  oscore_wipe(d, sizeof *d);
}
