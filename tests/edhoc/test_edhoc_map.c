/* "edhoc-oscore" entries inside credentials maps (store_credentials_load):
 * a valid entry is parsed and kept, warned about once, and a request that
 * needs it fails saying EDHOC over CoAP is not supported yet; a broken one
 * (suite, key file, key not matching own_cred, bad credential) refuses the
 * whole map at load, naming the map file, the entry and the member. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "../scratch.h"
#include "../unit.h"
#include "edhoc_testutil.h"
#include "store.h"
#include "store_cosekey.h"
#include "store_edhoc.h"

static char dir[] = "/tmp/edhoc-map-XXXXXX";
static char own_hex[600], peer_hex[600];
static char own_edn[400], peer_edn[400];   /* {14: ...} as EDN */
static char warned[1024];
static int n_warned;

static void on_warn(void *arg, const char *msg) {
  (void)arg;
  snprintf(warned, sizeof warned, "%s", msg);
  n_warned++;
}

/* {14: CCS} of |k| with kid |kid|, as hex for the JSON form. */
static void cred_hex(const edhoc_key *k, uint8_t kid, char *hex) {
  uint8_t buf[300];
  edhoc_w w;
  edhoc_w_init(&w, buf, sizeof buf);
  edhoc_w_map(&w, 1);
  edhoc_w_int(&w, 14);
  CHECK_EQ_INT(edhoc_ccs_write(k, OSCORE_BYTES(&kid, 1), NULL, &w), EDHOC_OK);
  for (size_t i = 0; i < w.len; i++)
    snprintf(hex + 2 * i, 3, "%02x", buf[i]);
}

/* {14: CCS} of |k| in diagnostic notation, as oscore-keygen prints it. */
static void cred_edn(const edhoc_key *k, uint8_t kid, char *out, size_t cap) {
  uint8_t x[32], y[32];
  char xh[65], yh[65];
  CHECK_EQ_INT(edhoc_key_public(k, x, y), EDHOC_OK);
  for (size_t i = 0; i < 32; i++) {
    snprintf(xh + 2 * i, 3, "%02x", x[i]);
    snprintf(yh + 2 * i, 3, "%02x", y[i]);
  }
  snprintf(out, cap, "{14: {2: \"\", 8: {1: {1: 2, 2: h'%02x', -1: 1, "
           "-2: h'%s', -3: h'%s'}}}}", kid, xh, yh);
}

/* Writes |text| as |name| in the scratch directory and loads it. */
static store_err load(const char *name, const char *text, store_diag *diag,
                      store_credentials **c, char *path, size_t cap) {
  snprintf(path, cap, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f)
    return STORE_ERR_IO;
  fputs(text, f);
  fclose(f);
  chmod(path, 0600);   /* maps with DTLS keys readable by others warn */
  n_warned = 0;
  warned[0] = '\0';
  diag->msg[0] = '\0';
  return store_credentials_load(path, diag, c);
}

/* Derived contexts (EDHOC's, in memory) join the map's server look-up
 * under an identity, bounded: the oldest is handed back when full. */
static store_context *derived(uint8_t rid) {
  edhoc_oscore o = { .sender_id = { 0x77 }, .sender_id_len = 1,
                     .recipient_id = { rid }, .recipient_id_len = 1,
                     .aead_cose = 10 };
  store_context *sc = NULL;
  CHECK_EQ_INT(store_context_from_edhoc(&o, "test", NULL, &sc), STORE_OK);
  return sc;
}

static void test_derived(store_credentials *c) {
  store_credentials_set_max_derived(c, 2);
  store_context *a = derived(0x20), *b = derived(0x21), *d = derived(0x22);
  store_context *gone = NULL;
  const char *who = NULL;
  CHECK_EQ_INT(store_credentials_add_derived(c, a, ":ourclient", &gone),
               STORE_OK);
  CHECK(gone == NULL);
  CHECK_EQ_INT(store_credentials_add_derived(c, b, ":ourclient", &gone),
               STORE_OK);
  CHECK(store_credentials_find(c, (const uint8_t *)"\x20", 1, false, NULL, 0,
                               &who) == a);
  CHECK(who && strcmp(who, ":ourclient") == 0);
  CHECK(store_credentials_find(c, (const uint8_t *)"\x20", 1, true,
                               (const uint8_t *)"", 0, NULL) == NULL);
  CHECK_EQ_INT(store_credentials_add_derived(c, d, ":ourclient", &gone),
               STORE_OK);
  CHECK(gone == a);   /* the oldest, for the caller to end and close */
  CHECK_EQ_INT(store_credentials_derived_count(c), 2);
  CHECK(store_credentials_find(c, (const uint8_t *)"\x20", 1, false, NULL, 0,
                               NULL) == NULL);
  CHECK(store_credentials_find(c, (const uint8_t *)"\x22", 1, false, NULL, 0,
                               NULL) == d);
  store_context_close(gone, NULL);
  /* b and d are closed with the map. */
}

static void test_valid(void) {
  char map[2048], path[512];
  snprintf(map, sizeof map,
           "{\"coap://[::1]/*\": {\"edhoc-oscore\": {\"suite\": 2, "
           "\"method\": 3, \"own_cred_style\": \"by-key-id\", \"own_cred\": "
           "{\"hex\": \"%s\"}, \"private_key_file\": \"server.cosekey\"}},\n"
           " \":ourclient\": {\"edhoc-oscore\": {\"suite\": 2, \"method\": 3,"
           " \"peer_cred\": {\"hex\": \"%s\"}}}}\n", own_hex, peer_hex);
  store_diag diag = { .warn = on_warn };
  store_credentials *c = NULL;
  CHECK_EQ_INT(load("ok.json", map, &diag, &c, path, sizeof path), STORE_OK);
  CHECK_EQ_INT(n_warned, 0);   /* EDHOC entries are usable */
  /* A client asks for the EDHOC entry first; the OSCORE look-up names
   * the entry as needing EDHOC. */
  store_uri_creds u;
  CHECK_EQ_INT(store_credentials_resolve(c, "coap://[::1]/x", &diag, &u),
               STORE_OK);
  const store_edhoc_entry *e = u.edhoc;
  const char *key = u.edhoc_entry;
  CHECK(e != NULL && e->has_own && !e->has_peer);
  CHECK(key && strcmp(key, "coap://[::1]/*") == 0);
  CHECK(u.oscore == NULL && !u.has_dtls && !u.tlscert_file);
  CHECK_EQ_INT(store_credentials_resolve(c, "coap://other/x", &diag, &u),
               STORE_OK);
  CHECK(u.edhoc == NULL);
  store_context *sc = (store_context *)&sc;
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://[::1]/x", &diag, &sc,
                                         &key), STORE_ERR_UNSUPPORTED);
  CHECK(sc == NULL);
  CHECK(strstr(diag.msg, "\"coap://[::1]/*\"") != NULL);
  CHECK(strstr(diag.msg, "needs EDHOC first") != NULL);
  CHECK(strstr(diag.msg, path) != NULL);
  /* A server walks the entries: the second is the peer :ourclient. */
  CHECK_EQ_INT(store_credentials_size(c), 2);
  CHECK(store_credentials_edhoc_at(c, 1, &key) != NULL);
  CHECK(strcmp(key, ":ourclient") == 0);
  CHECK(store_credentials_edhoc_at(c, 2, &key) == NULL);
  test_derived(c);
  CHECK_EQ_INT(store_credentials_open_all(c, &diag), STORE_OK);
  CHECK_EQ_INT(store_credentials_close(c, &diag), STORE_OK);
}

static void test_broken(void) {
  static const struct {
    const char *members;  /* %s: own_hex */
    const char *says;
  } bad[] = {
    { "\"suite\": 9, \"method\": 3", "suite must be" },
    { "\"method\": 3", "suite must be" },
    { "\"suite\": 2, \"method\": 7", "method must be" },
    { "\"suite\": 2, \"method\": 3, \"own_cred_style\": \"by-key-id\", "
      "\"own_cred\": {\"hex\": \"%s\"}, \"private_key_file\": \"absent.cosekey\"",
      "private_key_file: " },
    { "\"suite\": 2, \"method\": 3, \"own_cred_style\": \"by-key-id\", "
      "\"own_cred\": {\"hex\": \"%s\"}, \"private_key_file\": \"other.cosekey\"",
      "is not the key of own_cred" },
    { "\"suite\": 2, \"method\": 3, \"own_cred\": {\"hex\": \"%s\"}",
      "come together" },
    { "\"suite\": 2, \"method\": 3, \"peer_cred\": {\"hex\": \"zz\"}",
      "\"edhoc-oscore\": " },
    { "\"suite\": 2, \"method\": 3, \"peer_cred\": {\"hex\": \"a10e01\"}",
      "peer_cred is not a usable CWT" },
    { "\"suite\": 2, \"method\": 3, \"frobnicate\": 1", "\"frobnicate\"" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char members[1200], map[2048], path[512];
    snprintf(members, sizeof members, bad[i].members, own_hex);
    snprintf(map, sizeof map,
             "{\"coap://ok/*\": {\"edhoc-oscore\": {\"suite\": 2, "
             "\"method\": 3}},\n \"coap://bad/*\": {\"edhoc-oscore\": {%s}}}\n",
             members);
    store_diag diag = { .warn = on_warn };
    store_credentials *c = (store_credentials *)&c;
    CHECK_EQ_INT(load("bad.json", map, &diag, &c, path, sizeof path) != 0, 1);
    CHECK(c == NULL);
    CHECK(strstr(diag.msg, path) != NULL);
    CHECK(strstr(diag.msg, "entry \"coap://bad/*\"") != NULL);
    CHECK(strstr(diag.msg, bad[i].says) != NULL);
    if (!strstr(diag.msg, bad[i].says))
      fprintf(stderr, "case %zu said: %s\n", i, diag.msg);
  }
}

/* aiocoap's EDHOC example maps (doc/stateofedhoc.rst), comments and
 * trailing commas included, in the .diag form. */
static void test_diag(void) {
  char map[4096], path[512];
  snprintf(map, sizeof map,
           "{\n"
           "  \"coap://[::1]/*\": {                   # replace with own\n"
           "    \"edhoc-oscore\": {                   # or leave\n"
           "      \"suite\": 2,\n"
           "      \"method\": 3,\n"
           "      \"own_cred_style\": \"by-key-id\",\n"
           "      \"own_cred\": %s,\n"
           "      \"private_key_file\": \"server.cosekey\",\n"
           "    }\n"
           "  },\n"
           "  \":ourclient\": { \"edhoc-oscore\": {\n"
           "      \"suite\": 2,\n"
           "      \"method\": 3,\n"
           "      \"peer_cred\": %s,         # the client's own_cred\n"
           "  }}\n"
           "}\n", own_edn, peer_edn);
  store_diag diag = { .warn = on_warn };
  store_credentials *c = NULL;
  CHECK_EQ_INT(load("fileserver.cred.diag", map, &diag, &c, path,
                    sizeof path), STORE_OK);
  CHECK_EQ_INT(n_warned, 0);
  store_context *sc = NULL;
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://[::1]/", &diag, &sc,
                                         NULL), STORE_ERR_UNSUPPORTED);
  CHECK(strstr(diag.msg, "needs EDHOC first") != NULL);
  store_credentials_close(c, &diag);

  /* Other types with byte strings, arrays and null, as aiocoap writes
   * them: they load like their JSON spelling (dtls used, the others not). */
  CHECK_EQ_INT(load("mixed.diag",
                    "{\"coaps://*\": {\"dtls\": {\"psk\": h'6869', "
                    "\"client-identity\": h'01'}},\n"
                    " \":any\": {\"any-of\": [{\"oscore\": {\"basedir\": "
                    "\"d\"}}, \":x\"]}, /* a comment */\n"
                    " \":x\": {\"all-of\": []}, \"coap://gone/*\": null}",
                    &diag, &c, path, sizeof path), STORE_OK);
  CHECK(strstr(warned, "ignoring 2 entries") != NULL);
  store_credentials_close(c, &diag);

  /* The same text named .json is JSON, and not valid JSON. */
  CHECK_EQ_INT(load("fileserver.json", map, &diag, &c, path, sizeof path),
               STORE_ERR_MALFORMED);
  CHECK(strstr(diag.msg, "not valid JSON") != NULL);

  static const struct {
    const char *text, *says;
  } bad[] = {
    { "{\n  \"coap://x/*\": {\"oscore\": {\"basedir\": \"d\"}\n", ":3:1: " },
    { "{\"coap://x/*\": {\"edhoc-oscore\": {\"suite\": 9, \"method\": 3}}}",
      "entry \"coap://x/*\": suite must be" },
    { "{\"coap://x/*\": {\"edhoc-oscore\": {\"suite\": 2, \"method\": 3,"
      " \"peer_cred\": 1(0)}}}", "entry \"coap://x/*\": tags have no place" },
    { "{\"coap://x/*\": {\"edhoc-oscore\": {\"suite\": 2, \"method\": 3,"
      " \"peer_cred\": {14: {}}}}}", "entry \"coap://x/*\": peer_cred is not" },
    { "[1]", "expected a map with text keys" },
    { "{1: \"x\"}", "expected a map with text keys" },
    { "{\"coap://x/*\": {\"oscore\": {\"basedir\": h'00'}}}",
      "\"basedir\" must be a non-empty string" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    c = (store_credentials *)&c;
    CHECK(load("bad.diag", bad[i].text, &diag, &c, path, sizeof path) != 0);
    CHECK(c == NULL);
    CHECK(strstr(diag.msg, path) != NULL);
    CHECK(strstr(diag.msg, bad[i].says) != NULL);
    if (!strstr(diag.msg, bad[i].says))
      fprintf(stderr, "diag case %zu said: %s\n", i, diag.msg);
  }
}

int main(void) {
  CHECK(mkdtemp(dir) != NULL);
  store_enable_edhoc();
  store_diag diag = { .msg = "" };
  edhoc_key *k = NULL, *peer = NULL;
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_P256, &k), EDHOC_OK);
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_P256, &peer), EDHOC_OK);
  char key_path[300];
  snprintf(key_path, sizeof key_path, "%s/server.cosekey", dir);
  CHECK_EQ_INT(store_cosekey_create(key_path, k, &diag), STORE_OK);
  snprintf(key_path, sizeof key_path, "%s/other.cosekey", dir);
  CHECK_EQ_INT(store_cosekey_create(key_path, peer, &diag), STORE_OK);
  cred_hex(k, 0x0a, own_hex);
  cred_hex(peer, 0x01, peer_hex);
  cred_edn(k, 0x0a, own_edn, sizeof own_edn);
  cred_edn(peer, 0x01, peer_edn, sizeof peer_edn);

  test_valid();
  test_broken();
  test_diag();

  edhoc_key_free(k);
  edhoc_key_free(peer);
  scratch_rmtree(dir);
  return unit_summary("edhoc_map");
}
