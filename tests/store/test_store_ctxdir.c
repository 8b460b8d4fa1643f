/* Loading context directories: aiocoap's plugtest contexts derive the RFC
 * 8613 Appendix C keys; every load error names directory, file and key,
 * never shows a secret, and leaves the directory exactly as it was. */
#include <cjson/cJSON.h>
#include "../unit.h"
#include "store_testutil.h"

/* ---- RFC 8613 C.1 / C.3 through aiocoap's own context files ---- */

static cJSON *vectors;

static const cJSON *vector(const char *id) {
  const cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(vectors, "vectors")) {
    const cJSON *i = cJSON_GetObjectItem(v, "id");
    if (cJSON_IsString(i) && strcmp(i->valuestring, id) == 0)
      return v;
  }
  fprintf(stderr, "vector %s not found\n", id);
  exit(1);
}

static void check_hex_field(const cJSON *v, const char *field, const uint8_t *got,
                            size_t got_len) {
  uint8_t want[64];
  long n = unit_hex(cJSON_GetObjectItem(v, field)->valuestring, want, sizeof want);
  CHECK(n >= 0);
  CHECK_MEM(got, got_len, want, (size_t)n);
}

static void test_plugtest_vectors(void) {
  static const struct { const char *ctx, *vec; } cases[] = {
    { "a", "C.1.1" }, { "b", "C.1.2" }, { "c", "C.3.1" }, { "d", "C.3.2" },
  };
  for (size_t i = 0; i < 4; i++) {
    char name[32];
    snprintf(name, sizeof name, "plugtest-%s", cases[i].ctx);
    const char *dir = tu_plugtest(cases[i].ctx, name);
    tu_warnings w;
    store_diag d = tu_diag(&w);
    store_context *sc = NULL;
    store_err err = store_context_open(dir, &d, &sc);
    CHECK_EQ_INT(err, STORE_OK);
    if (err) {
      fprintf(stderr, "  %s\n", d.msg);
      continue;
    }
    CHECK_EQ_INT(w.count, 0);   /* 0600 files, only known keys */
    const oscore_ctx *o = store_context_oscore(sc);
    const cJSON *v = vector(cases[i].vec);
    CHECK_EQ_INT(o->alg->cose, 10);
    check_hex_field(v, "sender_id", o->sender_id, o->sender_id_len);
    check_hex_field(v, "recipient_id", o->recipient_id, o->recipient_id_len);
    check_hex_field(v, "sender_key", o->sender_key, o->alg->key_len);
    check_hex_field(v, "recipient_key", o->recipient_key, o->alg->key_len);
    check_hex_field(v, "common_iv", o->common_iv, o->alg->nonce_len);
    CHECK_EQ_INT(o->has_id_context, cases[i].ctx[0] >= 'c');
    if (o->has_id_context)
      check_hex_field(v, "id_context", o->id_context, o->id_context_len);
    /* Fresh context: seq 0, nothing reserved, empty initialised window. */
    CHECK_EQ_INT(o->sender_seq, 0);
    CHECK_EQ_INT(o->seq_limit, 0);
    CHECK(o->replay.initialised);
    CHECK_EQ_INT(o->replay.size, 32);
    CHECK_EQ_INT(o->replay.index, 0);
    CHECK_EQ_INT(o->replay.bitfield, 0);
    CHECK(tu_exists(dir, "lock"));
    CHECK(!tu_exists(dir, "sequence.json"));   /* opening writes nothing */
    CHECK_EQ_INT(store_context_close(sc, &d), STORE_OK);
    CHECK(!tu_exists(dir, "lock"));
  }
}

/* ---- accepted variants ---- */

static store_context *open_ok(const char *dir, tu_warnings *w) {
  store_diag d = tu_diag(w);
  store_context *sc = NULL;
  store_err err = store_context_open(dir, &d, &sc);
  CHECK_EQ_INT(err, STORE_OK);
  if (err)
    fprintf(stderr, "  unexpected error: %s\n", d.msg);
  return sc;
}

static void test_variants(void) {
  tu_warnings w;
  /* secrets.json (the seed documents' name), _ascii keys, a binary object
   * for a plain key, upper-case hex, everything in one file. */
  const char *dir = tu_mkdir("variant-secrets");
  tu_write(dir, "secrets.json",
           "{\"secret_ascii\": \"correct horse\", \"salt_hex\": \"9E7CA922\","
           " \"sender-id\": {\"hex\": \"01\"}, \"recipient-id_ascii\": \"srv\","
           " \"algorithm\": \"A128GCM\", \"kdf-hashfun\": \"sha384\","
           " \"window\": 64, \"id-context_hex\": \"\"}", 0600);
  store_context *sc = open_ok(dir, &w);
  if (sc) {
    const oscore_ctx *o = store_context_oscore(sc);
    CHECK_EQ_INT(o->alg->cose, 1);
    CHECK_EQ_INT(o->hkdf, OSCORE_HASH_SHA384);
    CHECK_MEM(o->sender_id, o->sender_id_len, "\x01", 1);
    CHECK_MEM(o->recipient_id, o->recipient_id_len, "srv", 3);
    CHECK(o->has_id_context);             /* empty is not absent */
    CHECK_EQ_INT(o->id_context_len, 0);
    CHECK_EQ_INT(o->replay.size, 64);
    /* Both are read, but neither works with aiocoap: each is warned of. */
    CHECK_EQ_INT(w.count, 2);
    CHECK_CONTAINS(w.all, "secrets.json: aiocoap reads only secret.json");
    CHECK_CONTAINS(w.all, "\"sender-id\": a {\"hex\"}/{\"ascii\"} object "
                   "cannot be read by aiocoap; write \"sender-id_hex\"");
    store_context_close(sc, NULL);
  }

  /* draft-08 mode: TV1 of the draft's Appendix C, both Common IV ids; an
   * ID context is no KDF input there. */
  static const char *ivs[][2] = {
    { "\"null\", \"option-number\": 9", "01727733ab49ead385b18f7d91" },
    { "\"empty\"", "9091b60715f92b3de49a011911" },
  };
  for (int i = 0; i < 2; i++) {
    char settings[400];
    snprintf(settings, sizeof settings,
             "{\"sender-id_hex\": \"\", \"recipient-id_hex\": \"01\","
             " \"salt_hex\": \"9e7ca92223786340\", \"id-context_hex\": \"aa\","
             " \"oscore-version\": \"draft-08\", \"common-iv-id\": %s}",
             ivs[i][0]);
    dir = tu_mkdir(i ? "variant-draft08-empty" : "variant-draft08-null");
    tu_write(dir, "settings.json", settings, 0600);
    tu_write(dir, "secret.json",
             "{\"secret_hex\": \"0102030405060708090a0b0c0d0e0f10\"}", 0600);
    sc = open_ok(dir, &w);
    if (!sc) continue;
    const oscore_ctx *o = store_context_oscore(sc);
    uint8_t k[16], iv[13];
    unit_hex("7230aab3b549d94c9224aacc744e93ab", k, sizeof k);
    unit_hex(ivs[i][1], iv, sizeof iv);
    CHECK_MEM(o->sender_key, 16, k, 16);
    CHECK_MEM(o->common_iv, 13, iv, 13);
    CHECK_EQ_INT(o->profile.version, OSCORE_VERSION_DRAFT08);
    CHECK_EQ_INT(oscore_profile_option(&o->profile), i ? 21 : 9);
    CHECK_EQ_INT(w.count, 0);
    store_context_close(sc, NULL);
  }
  /* Said explicitly, RFC 8613 is what every other directory gets. */
  dir = tu_plugtest("a", "variant-rfc8613");
  tu_write(dir, "settings.json",
           "{\"sender-id_hex\": \"\", \"recipient-id_hex\": \"01\","
           " \"oscore-version\": \"rfc8613\"}", 0600);
  sc = open_ok(dir, &w);
  if (sc) {
    CHECK_EQ_INT(store_context_oscore(sc)->profile.version,
                 OSCORE_VERSION_RFC8613);
    CHECK_EQ_INT(w.count, 0);
    store_context_close(sc, NULL);
  }

  /* Unknown keys: ignored as aiocoap does, with a warning naming them. */
  dir = tu_plugtest("a", "variant-unknown");
  tu_write(dir, "settings.json",
           "{\"sender-id_hex\": \"\", \"recipient-id_hex\": \"01\","
           " \"comment\": \"hello\"}", 0600);
  sc = open_ok(dir, &w);
  CHECK_EQ_INT(w.count, 1);
  CHECK_CONTAINS(w.last, "settings.json");
  CHECK_CONTAINS(w.last, "\"comment\"");
  store_context_close(sc, NULL);

  /* The file holding the master secret readable by others: warn, load. */
  dir = tu_plugtest("a", "variant-mode");
  tu_chmod(dir, "secret.json", 0644);
  sc = open_ok(dir, &w);
  CHECK_EQ_INT(w.count, 1);
  CHECK_CONTAINS(w.last, "secret.json");
  CHECK_CONTAINS(w.last, "master secret");
  CHECK_CONTAINS(w.last, "others");
  CHECK(!strstr(w.last, "0102030405"));
  store_context_close(sc, NULL);

  /* ... also when the secret sits in settings.json (group-readable). */
  dir = tu_mkdir("variant-mode-settings");
  tu_write(dir, "settings.json",
           "{\"secret_hex\": \"0102030405060708090a0b0c0d0e0f10\","
           " \"sender-id_hex\": \"\", \"recipient-id_hex\": \"01\"}", 0640);
  tu_write(dir, "secret.json", "{\"salt_hex\": \"9e7ca92223786340\"}", 0644);
  sc = open_ok(dir, &w);
  CHECK_EQ_INT(w.count, 1);
  CHECK_CONTAINS(w.last, "settings.json");
  CHECK_CONTAINS(w.last, "group");
  store_context_close(sc, NULL);

  /* A window written as null (what aiocoap writes when it closes a context
   * whose window never got recovered) reads as "unknown". */
  dir = tu_plugtest("b", "variant-null-window");
  tu_write(dir, "sequence.json",
           "{\"next-to-send\": 7, \"received\": {\"index\": null, \"bitfield\": null}}",
           0600);
  sc = open_ok(dir, &w);
  if (sc) {
    CHECK(!store_context_oscore(sc)->replay.initialised);
    CHECK_EQ_INT(store_context_oscore(sc)->sender_seq, 7);
    CHECK_EQ_INT(w.count, 1);
    CHECK_CONTAINS(w.last, "sequence.json");
    store_context_close(sc, NULL);
  }
  char *text = tu_read(dir, "sequence.json");
  CHECK_CONTAINS(text, "\"received\": \"unknown\"");
  free(text);

  /* An empty master secret is allowed (aiocoap takes it) but warned of. */
  dir = tu_mkdir("variant-empty-secret");
  tu_write(dir, "settings.json", "{\"sender-id_hex\": \"\", "
           "\"recipient-id_hex\": \"01\"}", 0600);
  tu_write(dir, "secret.json", "{\"secret_hex\": \"\"}", 0600);
  w = (tu_warnings){ 0 };
  sc = open_ok(dir, &w);
  CHECK_EQ_INT(w.count, 1);
  CHECK_CONTAINS(w.last, "secret.json");
  CHECK_CONTAINS(w.last, "\"secret_hex\" is empty");
  store_context_close(sc, NULL);
}

/* ---- errors: culprit named, secret not shown, nothing written ---- */

#define SECRET "\"secret_hex\": \"0102030405060708090a0b0c0d0e0f10\""
#define IDS "\"sender-id_hex\": \"\", \"recipient-id_hex\": \"01\""

typedef struct {
  const char *label;
  const char *settings;      /* NULL: no such file */
  const char *secret;        /* NULL: no such file */
  const char *secret_name;   /* default secret.json */
  const char *sequence;      /* NULL: no such file */
  store_err err;
  const char *needles[4];    /* besides the directory */
} error_case;

static const error_case error_cases[] = {
  { "missing sender-id", "{\"recipient-id_hex\": \"01\"}", "{" SECRET "}", NULL,
    NULL, STORE_ERR_MISSING, { "\"sender-id\"", "missing" } },
  { "missing recipient-id", "{\"sender-id_hex\": \"01\"}", "{" SECRET "}", NULL,
    NULL, STORE_ERR_MISSING, { "\"recipient-id\"", "missing" } },
  { "missing secret", "{" IDS "}", "{\"salt_hex\": \"00\"}", NULL, NULL,
    STORE_ERR_MISSING, { "\"secret\"", "missing" } },
  { "no files", NULL, NULL, NULL, NULL, STORE_ERR_MISSING,
    { "settings.json", "secret.json" } },
  { "key in both files", "{" IDS ", \"salt_hex\": \"01\"}",
    "{" SECRET ", \"salt_ascii\": \"x\"}", NULL, NULL, STORE_ERR_DUPLICATE,
    { "\"salt\"", "settings.json", "secret.json", "salt_ascii" } },
  { "key twice in one file", "{" IDS ", \"sender-id_ascii\": \"a\"}", "{" SECRET "}",
    NULL, NULL, STORE_ERR_DUPLICATE, { "\"sender-id\"", "settings.json" } },
  { "secret.json and secrets.json", "{" IDS "}", "{" SECRET "}", "both", NULL,
    STORE_ERR_DUPLICATE, { "secret.json", "secrets.json" } },
  { "bad hex", "{" IDS "}", "{\"secret_hex\": \"01020304zz060708\"}", NULL, NULL,
    STORE_ERR_MALFORMED, { "secret.json", "\"secret_hex\"", "bad hex" } },
  { "odd hex", "{\"sender-id_hex\": \"\", \"recipient-id_hex\": \"012\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "settings.json", "\"recipient-id_hex\"", "odd" } },
  { "hex not a string", "{\"sender-id_hex\": 1, \"recipient-id_hex\": \"01\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "settings.json", "\"sender-id_hex\"", "string" } },
  { "plain string for bytes", "{\"sender-id\": \"abc\", \"recipient-id_hex\": \"01\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "settings.json", "\"sender-id\"", "sender-id_hex" } },
  { "non-ASCII _ascii", "{" IDS "}", "{\"secret_ascii\": \"caf\xc3\xa9\"}", NULL,
    NULL, STORE_ERR_MALFORMED, { "secret.json", "\"secret_ascii\"", "ASCII" } },
  { "unknown algorithm", "{" IDS ", \"algorithm\": \"AES-CCM-99\"}", "{" SECRET "}",
    NULL, NULL, STORE_ERR_UNKNOWN_ALG,
    { "settings.json", "\"algorithm\"", "AES-CCM-99" } },
  { "A128CBC is not an AEAD", "{" IDS ", \"algorithm\": \"A128CBC\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_UNKNOWN_ALG, { "\"algorithm\"" } },
  { "suffix on algorithm", "{" IDS ", \"algorithm_ascii\": \"A128GCM\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "settings.json", "\"algorithm_ascii\"", "plain" } },
  { "unknown hash", "{" IDS ", \"kdf-hashfun\": \"md5\"}", "{" SECRET "}", NULL,
    NULL, STORE_ERR_UNKNOWN_ALG, { "settings.json", "\"kdf-hashfun\"", "md5" } },
  { "sender ID too long", "{\"sender-id_hex\": \"0102030405060708\", "
    "\"recipient-id_hex\": \"01\"}", "{" SECRET "}", NULL, NULL,
    STORE_ERR_ID_TOO_LONG, { "settings.json", "\"sender-id_hex\"", "at most 7" } },
  { "recipient ID too long for 7-byte nonce",
    "{\"sender-id_hex\": \"\", \"recipient-id_hex\": \"0102\", "
    "\"algorithm\": \"AES-CCM-64-64-128\"}", "{" SECRET "}", NULL, NULL,
    STORE_ERR_ID_TOO_LONG, { "\"recipient-id_hex\"", "at most 1" } },
  { "ID context too long", "{" IDS ", \"id-context_hex\": "
    "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_ID_TOO_LONG,
    { "settings.json", "\"id-context_hex\"" } },
  { "window a string", "{" IDS ", \"window\": \"32\"}", "{" SECRET "}", NULL, NULL,
    STORE_ERR_MALFORMED, { "settings.json", "\"window\"", "non-integer" } },
  { "window fractional", "{" IDS ", \"window\": 2.5}", "{" SECRET "}", NULL, NULL,
    STORE_ERR_MALFORMED, { "\"window\"", "non-integer" } },
  { "window too large", "{" IDS ", \"window\": 65}", "{" SECRET "}", NULL, NULL,
    STORE_ERR_MALFORMED, { "\"window\"", "65" } },
  { "window zero", "{" IDS ", \"window\": 0}", "{" SECRET "}", NULL, NULL,
    STORE_ERR_MALFORMED, { "\"window\"" } },
  { "not JSON", "{" IDS ",\n \"algorithm\": }", "{" SECRET "}", NULL, NULL,
    STORE_ERR_MALFORMED, { "settings.json", "line 2" } },
  { "secret file not JSON", "{" IDS "}", "{\"secret_hex\": \"0102030405\"", NULL,
    NULL, STORE_ERR_MALFORMED, { "secret.json", "not valid JSON" } },
  { "top level array", "[1, 2]", "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "settings.json", "object" } },
  /* draft-08 mode (DRAFT08.md "Settings keys") */
  { "unknown OSCORE version", "{" IDS ", \"oscore-version\": \"draft-07\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "\"oscore-version\"", "draft-08" } },
  { "option number outside draft-08", "{" IDS ", \"option-number\": 21}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "\"option-number\"", "only applies" } },
  { "option number not 21 or 9",
    "{" IDS ", \"oscore-version\": \"draft-08\", \"option-number\": 11}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "\"option-number\"", "21 or 9" } },
  { "common IV id unknown",
    "{" IDS ", \"oscore-version\": \"draft-08\", \"common-iv-id\": \"nil\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "\"common-iv-id\"", "\"empty\" or \"null\"" } },
  { "version with _hex", "{" IDS ", \"oscore-version_hex\": \"00\"}",
    "{" SECRET "}", NULL, NULL, STORE_ERR_MALFORMED,
    { "\"oscore-version_hex\"", "plain value" } },
  /* sequence.json */
  { "sequence not JSON", "{" IDS "}", "{" SECRET "}", NULL, "{\"next-to-send\": ",
    STORE_ERR_MALFORMED, { "sequence.json", "not valid JSON" } },
  { "sequence without next-to-send", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"received\": \"unknown\"}", STORE_ERR_MISSING,
    { "sequence.json", "\"next-to-send\"" } },
  { "next-to-send a string", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": \"12\", \"received\": \"unknown\"}", STORE_ERR_MALFORMED,
    { "sequence.json", "\"next-to-send\"" } },
  { "next-to-send negative", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": -1, \"received\": \"unknown\"}", STORE_ERR_MALFORMED,
    { "sequence.json", "\"next-to-send\"" } },
  { "next-to-send beyond 2^40", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": 1099511627777, \"received\": \"unknown\"}",
    STORE_ERR_MALFORMED, { "sequence.json", "\"next-to-send\"" } },
  { "sequence without received", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": 5}", STORE_ERR_MISSING, { "sequence.json", "\"received\"" } },
  { "received a strange string", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": 5, \"received\": \"known\"}", STORE_ERR_MALFORMED,
    { "sequence.json", "\"received\"" } },
  { "received without bitfield", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": 5, \"received\": {\"index\": 3}}", STORE_ERR_MISSING,
    { "sequence.json", "\"bitfield\"" } },
  { "bitfield beyond the window", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": 5, \"received\": {\"index\": 3, \"bitfield\": 8589934592}}",
    STORE_ERR_MALFORMED, { "sequence.json", "bitfield", "window of 32" } },
  /* Issue 13: what aiocoap reads differently, or what is unsafe. */
  { "sequence key twice", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": 100, \"received\": \"unknown\", \"next-to-send\": 5}",
    STORE_ERR_DUPLICATE, { "sequence.json", "\"next-to-send\"", "twice" } },
  { "nested key twice", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": 5, \"received\": {\"index\": 3, \"bitfield\": 0, "
    "\"index\": 0}}", STORE_ERR_DUPLICATE, { "sequence.json", "\"index\"" } },
  { "unknown key twice", "{" IDS ", \"note\": 1, \"note\": 2}", "{" SECRET "}",
    NULL, NULL, STORE_ERR_DUPLICATE, { "settings.json", "\"note\"" } },
  { "NUL in an ascii ID", "{\"sender-id_ascii\": \"a\\u0000b\", "
    "\"recipient-id_hex\": \"01\"}", "{" SECRET "}", NULL, NULL,
    STORE_ERR_MALFORMED, { "settings.json", "\"sender-id_ascii\"", "u0000" } },
  { "sender ID equals recipient ID", "{\"sender-id_hex\": \"01\", "
    "\"recipient-id_ascii\": \"\\u0001\"}", "{" SECRET "}", NULL, NULL,
    STORE_ERR_MALFORMED, { "\"sender-id_hex\"", "\"recipient-id_ascii\"", "equal" } },
  { "negative index", "{" IDS "}", "{" SECRET "}", NULL,
    "{\"next-to-send\": 5, \"received\": {\"index\": -3, \"bitfield\": 0}}",
    STORE_ERR_MALFORMED, { "sequence.json", "index" } },
};

/* A file's content, or "-" when absent, for "nothing was written". */
static void snapshot(const char *dir, char *buf, size_t cap) {
  static const char *names[] = { "settings.json", "secret.json", "secrets.json",
                                 "sequence.json" };
  char listing[1024];
  tu_count(dir, listing, sizeof listing);
  snprintf(buf, cap, "[%s]", listing);
  for (size_t i = 0; i < 4; i++) {
    char *t = tu_read(dir, names[i]);
    strncat(buf, t ? t : "-", cap - strlen(buf) - 1);
    free(t);
  }
}

static void test_errors(void) {
  for (size_t i = 0; i < sizeof error_cases / sizeof *error_cases; i++) {
    const error_case *c = &error_cases[i];
    char name[32];
    snprintf(name, sizeof name, "err-%zu", i);
    const char *dir = tu_mkdir(name);
    if (c->settings)
      tu_write(dir, "settings.json", c->settings, 0600);
    if (c->secret) {
      bool both = c->secret_name && !strcmp(c->secret_name, "both");
      tu_write(dir, both || !c->secret_name ? "secret.json" : c->secret_name,
               c->secret, 0600);
      if (both)
        tu_write(dir, "secrets.json", c->secret, 0600);
    }
    if (c->sequence)
      tu_write(dir, "sequence.json", c->sequence, 0600);
    char before[4096], after[4096];
    snapshot(dir, before, sizeof before);

    tu_warnings w;
    store_diag d = tu_diag(&w);
    store_context *sc = (store_context *)&d;   /* must be reset to NULL */
    store_err err = store_context_open(dir, &d, &sc);
    unit_checks++;
    if (err != c->err) {
      unit_failures++;
      fprintf(stderr, "case \"%s\": got %s (%s), expected %s\n", c->label,
              store_strerror(err), d.msg, store_strerror(c->err));
    }
    CHECK(sc == NULL);
    CHECK_CONTAINS(d.msg, dir);
    for (size_t k = 0; k < 4 && c->needles[k]; k++)
      CHECK_CONTAINS(d.msg, c->needles[k]);
    /* Never the secret (its hex, nor the broken bytes of the bad case). */
    CHECK(!strstr(d.msg, "0102030405"));
    CHECK(!strstr(d.msg, "zz06"));
    snapshot(dir, after, sizeof after);
    unit_checks++;
    if (strcmp(before, after) != 0) {
      unit_failures++;
      fprintf(stderr, "case \"%s\": directory changed:\n  %s\n  %s\n", c->label,
              before, after);
    }
    if (getenv("STORE_TEST_VERBOSE"))
      fprintf(stderr, "  %-40s %s\n", c->label, d.msg);
  }
}

static void test_io_errors(void) {
  tu_warnings w;
  store_diag d = tu_diag(&w);
  store_context *sc = NULL;

  /* The directory does not exist. */
  char missing[1024];
  snprintf(missing, sizeof missing, "%s/no-such-context", tu_scratch());
  CHECK_EQ_INT(store_context_open(missing, &d, &sc), STORE_ERR_IO);
  CHECK_CONTAINS(d.msg, missing);
  CHECK(!tu_exists(tu_scratch(), "no-such-context"));

  /* A file where the directory should be. */
  tu_write(tu_scratch(), "plainfile", "x", 0600);
  char file[1024];
  snprintf(file, sizeof file, "%s/plainfile", tu_scratch());
  CHECK_EQ_INT(store_context_open(file, &d, &sc), STORE_ERR_IO);
  CHECK_CONTAINS(d.msg, "not a directory");

  /* An unreadable secret file (a directory in its place: root ignores
   * permission bits, a directory cannot be read by anyone). */
  const char *dir = tu_mkdir("io-secret");
  tu_write(dir, "settings.json", "{" IDS "}", 0600);
  char sub[1024];
  snprintf(sub, sizeof sub, "%s/secret.json", dir);
  mkdir(sub, 0700);
  CHECK_EQ_INT(store_context_open(dir, &d, &sc), STORE_ERR_IO);
  CHECK_CONTAINS(d.msg, sub);
  CHECK_EQ_INT(tu_count(dir, NULL, 0), 2);

  /* A FIFO in place of the secret file: refused at once, no hang. */
  dir = tu_mkdir("io-fifo");
  tu_write(dir, "settings.json", "{" IDS "}", 0600);
  snprintf(sub, sizeof sub, "%s/secret.json", dir);
  if (mkfifo(sub, 0600) != 0)
    tu_die("mkfifo");
  double t0 = tu_now();
  CHECK_EQ_INT(store_context_open(dir, &d, &sc), STORE_ERR_IO);
  CHECK(tu_now() - t0 < 0.5);
  CHECK_CONTAINS(d.msg, sub);
  CHECK_CONTAINS(d.msg, "not a regular file");

  /* An unreadable sequence.json. */
  dir = tu_plugtest("a", "io-sequence");
  snprintf(sub, sizeof sub, "%s/sequence.json", dir);
  mkdir(sub, 0700);
  CHECK_EQ_INT(store_context_open(dir, &d, &sc), STORE_ERR_IO);
  CHECK_CONTAINS(d.msg, sub);
  CHECK_EQ_INT(tu_count(dir, NULL, 0), 3);
}

int main(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/vectors/rfc8613-appendix-c.json",
           getenv("SRCDIR") ? getenv("SRCDIR") : TEST_SRCDIR);
  FILE *f = fopen(path, "rb");
  if (!f)
    tu_die(path);
  static char text[1 << 16];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  vectors = cJSON_Parse(text);
  if (!vectors)
    tu_die("parsing vectors");

  test_plugtest_vectors();
  test_variants();
  test_errors();
  test_io_errors();
  cJSON_Delete(vectors);
  return unit_summary("store_ctxdir");
}
