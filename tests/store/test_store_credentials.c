/* Credentials maps: pattern specificity, references (depth, loops),
 * unsupported types named, oscore entries (basedir / contextfile),
 * relative basedirs (beside the file, cwd fallback with a warning), server
 * lookup by kid and kid context with the entry key as identity, and one
 * open per directory. */
#include "../unit.h"
#include "store_json.h"
#include "store_pattern.h"
#include "store_testutil.h"

static void test_patterns(void) {
  static const struct { const char *pat, *s; bool match; } cases[] = {
    { "coap://localhost/*", "coap://localhost/a/b", true },
    { "coap://localhost/*", "coap://localhost/", true },
    { "coap://localhost/*", "coap://localhost", false },
    { "coap://localhost/*", "coap://localhost.evil/x", false },
    { "coap://localhost:*", "coap://localhost:5683/x", true },
    { "coap://[::1]/*", "coap://[::1]/x?y=1", true },
    { "*", "", true },
    { "*", "anything", true },
    { "", "", true },
    { "", "x", false },
    { "a*b*c", "aXXbYYc", true },
    { "a*b*c", "aXXbYY", false },
    { "a*b*c", "abcbc", true },
    { "a**c", "ac", true },
    { "*/core", "coap://h/.well-known/core", true },
    /* Everything but '*' is literal (aiocoap re.escape()s the pattern). */
    { "coap://h/a.b", "coap://h/aXb", false },
    { "coap://h/a?", "coap://h/ab", false },
    { "coap://h/[ab]", "coap://h/a", false },
    { "coap://h/x", "coap://h/x", true },
    { "coap://h/x", "coap://h/xy", false },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    unit_checks++;
    if (store_pattern_match(cases[i].pat, cases[i].s) != cases[i].match) {
      unit_failures++;
      fprintf(stderr, "pattern \"%s\" vs \"%s\": expected %d\n", cases[i].pat,
              cases[i].s, cases[i].match);
    }
  }
  /* Worst case stays quick (quadratic, not exponential). */
  char pat[200], s[2000];
  memset(pat, 0, sizeof pat);
  for (int i = 0; i < 99; i++)
    strcat(pat, "*a");
  memset(s, 'a', sizeof s - 2);
  s[sizeof s - 2] = 'b';
  s[sizeof s - 1] = '\0';
  double t0 = tu_now();
  CHECK(!store_pattern_match(pat, s));
  CHECK(tu_now() - t0 < 0.5);
}

static void test_binary_values(void) {
  static const struct { const char *json, *hex; } ok[] = {
    { "{\"hex\": \"0102\"}", "0102" },
    { "{\"hex\": \"01-02:03 0A\"}", "0102030a" },   /* aiocoap drops - : space */
    { "{\"ascii\": \"ab\"}", "6162" },
    { "{\"hex\": \"\"}", "" },
  };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    cJSON *j = cJSON_Parse(ok[i].json);
    uint8_t got[16], want[16];
    size_t len = 0;
    const char *why = NULL;
    CHECK(store_json_binary(j, got, sizeof got, &len, &why));
    long n = unit_hex(ok[i].hex, want, sizeof want);
    CHECK_MEM(got, len, want, (size_t)n);
    cJSON_Delete(j);
  }
  static const char *bad[] = {
    "{\"hex\": \"012\"}", "{\"hex\": \"0g\"}", "{\"hex\": \"01\", \"ascii\": \"x\"}",
    "{\"base64\": \"AQ==\"}", "{\"ascii\": \"\xc3\xa9\"}", "{\"hex\": 1}", "\"01\"",
    "{}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cJSON *j = cJSON_Parse(bad[i]);
    uint8_t got[16];
    size_t len = 0;
    const char *why = NULL;
    CHECK(j && !store_json_binary(j, got, sizeof got, &len, &why) && why);
    cJSON_Delete(j);
  }
  uint8_t small[2];
  size_t len;
  const char *why;
  cJSON *j = cJSON_Parse("{\"hex\": \"010203\"}");
  CHECK(!store_json_binary(j, small, sizeof small, &len, &why));
  cJSON_Delete(j);
}

/* A context directory |name| under |parent| made from plugtest |which|. */
static void make_ctx(const char *parent, const char *name, const char *which) {
  char rel[512];
  snprintf(rel, sizeof rel, "%s/%s", parent + strlen(tu_scratch()) + 1, name);
  tu_plugtest(which, rel);
}

static store_credentials *load(const char *path, tu_warnings *w, store_err want,
                               const char *needle1, const char *needle2) {
  store_diag d = tu_diag(w);
  store_credentials *c = NULL;
  store_err err = store_credentials_load(path, &d, &c);
  unit_checks++;
  if (err != want) {
    unit_failures++;
    fprintf(stderr, "load %s: got %s (%s), expected %s\n", path,
            store_strerror(err), d.msg, store_strerror(want));
  }
  if (want != STORE_OK) {
    CHECK(c == NULL);
    CHECK_CONTAINS(d.msg, path);
    if (needle1)
      CHECK_CONTAINS(d.msg, needle1);
    if (needle2)
      CHECK_CONTAINS(d.msg, needle2);
    if (getenv("STORE_TEST_VERBOSE"))
      fprintf(stderr, "  %s\n", d.msg);
  }
  return c;
}

/* Write |text| as |top|/creds.json (|mode|) and load it, expecting
 * success; the path goes to |path|. */
static store_credentials *load_map(const char *top, const char *text,
                                   int mode, tu_warnings *w, char *path,
                                   size_t cap) {
  tu_write(top, "creds.json", text, mode);
  snprintf(path, cap, "%s/creds.json", top);
  return load(path, w, STORE_OK, NULL, NULL);
}


static void test_client_lookup(void) {
  const char *top = tu_mkdir("client");
  make_ctx(top, "ctx-a", "a");
  make_ctx(top, "ctx-a2", "c");
  make_ctx(top, "ctx-c", "a");
  tu_write(top, "creds.json",
           "{\n"
           "  \"coap://localhost/*\": \":general\",\n"
           "  \"coap://localhost/secret/*\": \":special\",\n"
           "  \"coap://other/*\": {\"oscore\": {\"basedir\": \"ctx-c/\"}},\n"
           "  \"coap://h/a*\": \":general\",\n"
           "  \"coap://h/*b\": \":special\",\n"
           "  \":general\": {\"oscore\": {\"basedir\": \"ctx-a\"}},\n"
           "  \":special\": \":special2\",\n"
           "  \":special2\": {\"oscore\": {\"contextfile\": \"ctx-a2\"}},\n"
           "  \"*\": null\n"
           "}\n", 0600);
  char path[1024], ctx_a[1024], ctx_a2[1024], ctx_c[1024];
  snprintf(path, sizeof path, "%s/creds.json", top);
  snprintf(ctx_a, sizeof ctx_a, "%s/ctx-a", top);
  snprintf(ctx_a2, sizeof ctx_a2, "%s/ctx-a2", top);
  snprintf(ctx_c, sizeof ctx_c, "%s/ctx-c", top);
  tu_warnings w;
  store_credentials *c = load(path, &w, STORE_OK, NULL, NULL);
  if (!c)
    return;
  CHECK_EQ_INT(w.count, 1);   /* the older spelling "contextfile" */
  CHECK_CONTAINS(w.last, "contextfile");
  CHECK_CONTAINS(w.last, ":special2");
  CHECK(!tu_exists(ctx_a, "lock"));   /* nothing opened at load */

  store_diag d = tu_diag(NULL);
  store_context *sc = NULL;
  const char *key = NULL;
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://localhost/secret/x", &d, &sc,
                                         &key), STORE_OK);
  CHECK(sc && !strcmp(store_context_dir(sc), ctx_a2));
  CHECK(key && !strcmp(key, ":special2"));
  store_context *special = sc;

  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://localhost/x", &d, &sc, &key),
               STORE_OK);
  CHECK(sc && !strcmp(store_context_dir(sc), ctx_a));
  CHECK(key && !strcmp(key, ":general"));
  store_context *general = sc;
  CHECK(!tu_exists(ctx_c, "lock"));   /* only what was asked for is opened */

  /* Equal length: the earlier entry wins. */
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://h/ab", &d, &sc, &key),
               STORE_OK);
  CHECK(sc == general);
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://h/xb", &d, &sc, &key),
               STORE_OK);
  CHECK(sc == special);   /* same directory: the same open context */

  /* A pattern entry holding the credential itself; the trailing slash of
   * the basedir is not doubled in messages. */
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://other/y", &d, &sc, &key),
               STORE_OK);
  CHECK(sc && !strcmp(store_context_dir(sc), ctx_c));
  CHECK(key && !strcmp(key, "coap://other/*"));

  /* No match (the "*" entry was removed by null, as in aiocoap). */
  sc = (store_context *)&d;
  key = "x";
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://nowhere/", &d, &sc, &key),
               STORE_OK);
  CHECK(sc == NULL);
  CHECK(key == NULL);
  /* Labels are not patterns. */
  CHECK_EQ_INT(store_credentials_for_uri(c, ":general", &d, &sc, &key), STORE_OK);
  CHECK(sc == NULL);

  CHECK_EQ_INT(store_credentials_close(c, &d), STORE_OK);
  CHECK(!tu_exists(ctx_a, "lock"));
  CHECK(!tu_exists(ctx_a2, "lock"));
  CHECK(tu_exists(ctx_a, "sequence.json"));   /* closed cleanly */
}

static void test_load_errors(void) {
  const char *top = tu_mkdir("errors");
  static const struct {
    const char *json;
    store_err err;
    const char *n1, *n2;
  } cases[] = {
    { "{\"coap://x/*\": \":nope\"}", STORE_ERR_REFERENCE, "coap://x/*", ":nope" },
    { "{\"coap://x/*\": \"nolabel\"}", STORE_ERR_REFERENCE, "coap://x/*", "':'" },
    { "{\":a\": \":b\", \":b\": \":a\"}", STORE_ERR_REFERENCE, ":a", "loop" },
    { "{\":a\": \":a\"}", STORE_ERR_REFERENCE, ":a", "loop" },
    { "{\"k\": {\"unprotected\": true}}", STORE_ERR_UNSUPPORTED, "\"k\"",
      "unknown credential type \"unprotected\"" },
    { "{\"k\": {\"oscore\": {\"basedir\": \"a\"}, \"dtls\": {}}}",
      STORE_ERR_MALFORMED, "\"k\"", "exactly one" },
    { "{\"k\": {}}", STORE_ERR_MALFORMED, "\"k\"", "exactly one" },
    { "{\"k\": 5}", STORE_ERR_MALFORMED, "\"k\"", NULL },
    { "{\"k\": {\"oscore\": {\"basedir\": \"a\", \"contextfile\": \"a\"}}}",
      STORE_ERR_DUPLICATE, "\"k\"", "contextfile" },
    { "{\"k\": {\"oscore\": {}}}", STORE_ERR_MISSING, "\"k\"", "basedir" },
    { "{\"k\": {\"oscore\": {\"basedir\": \"a\", \"x\": 1}}}", STORE_ERR_MALFORMED,
      "\"k\"", "\"x\"" },
    { "{\"k\": {\"oscore\": \"a\"}}", STORE_ERR_MALFORMED, "\"k\"", "object" },
    { "{\"k\": {\"oscore\": {\"basedir\": {\"hex\": \"61\"}}}}", STORE_ERR_MALFORMED,
      "\"k\"", "basedir" },
    { "{\"k\": {\"oscore\": {\"basedir\": \"\"}}}", STORE_ERR_MALFORMED, "\"k\"",
      "basedir" },
    { "{\"k\": \":x\", \"k\": \":x\", \":x\": {\"oscore\": {\"basedir\": \"a\"}}}",
      STORE_ERR_DUPLICATE, "\"k\"", "twice" },
    { "{\"k\": ", STORE_ERR_MALFORMED, "not valid JSON", NULL },
    { "[]", STORE_ERR_MALFORMED, "object", NULL },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char name[32], path[1024];
    snprintf(name, sizeof name, "c%zu.json", i);
    tu_write(top, name, cases[i].json, 0600);
    snprintf(path, sizeof path, "%s/%s", top, name);
    load(path, NULL, cases[i].err, cases[i].n1, cases[i].n2);
  }

  /* Reference chains: 16 in a row are fine, 17 are not. */
  for (int len = 16; len <= 17; len++) {
    char json[4096] = "{";
    for (int i = 0; i < len; i++)
      snprintf(json + strlen(json), sizeof json - strlen(json),
               "\":r%d\": \":r%d\", ", i, i + 1);
    snprintf(json + strlen(json), sizeof json - strlen(json),
             "\":r%d\": {\"oscore\": {\"basedir\": \"d\"}}}", len);
    char path[1024];
    tu_write(top, "chain.json", json, 0600);
    snprintf(path, sizeof path, "%s/chain.json", top);
    store_credentials *c = load(path, NULL, len == 16 ? STORE_OK : STORE_ERR_REFERENCE,
                                ":r0", "more than 16");
    store_credentials_close(c, NULL);
  }

  char path[1024];
  snprintf(path, sizeof path, "%s/absent.json", top);
  load(path, NULL, STORE_ERR_IO, "No such file", NULL);

  /* A context that fails to open: the message leads with the credentials
   * file and entry, then the directory's own complaint. */
  tu_write(top, "gone.json", "{\"coap://x/*\": {\"oscore\": {\"basedir\": "
           "\"no-such-dir\"}}}", 0600);
  snprintf(path, sizeof path, "%s/gone.json", top);
  store_credentials *c = load(path, NULL, STORE_OK, NULL, NULL);
  store_diag d = tu_diag(NULL);
  store_context *sc;
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://x/y", &d, &sc, NULL),
               STORE_ERR_IO);
  CHECK_CONTAINS(d.msg, path);
  CHECK_CONTAINS(d.msg, "coap://x/*");
  CHECK_CONTAINS(d.msg, "no-such-dir");
  CHECK_EQ_INT(store_credentials_open_all(c, &d), STORE_ERR_IO);
  CHECK_CONTAINS(d.msg, "no-such-dir");
  store_credentials_close(c, NULL);
}

/* aiocoap maps that also hold types this build cannot use load; one
 * warning names those entries; only a URI that needs one fails, naming
 * it; the server opens the oscore entries only. */
static void test_mixed_types(void) {
  const char *top = tu_mkdir("mixed");
  make_ctx(top, "ctx", "a");
  char path[1024];
  tu_warnings w;
  static const char map[] =
           "{\n"
           "  \"coaps://*\": {\"dtls\": {\"psk\": {\"ascii\": \"x\"}, "
           "\"client-identity\": {\"hex\": \"01\"}}},\n"
           "  \"coap+tcp://*\": {\"tlscert\": {\"certfile\": \"x.pem\"}},\n"
           "  \"coap://edhoc/*\": \":edhoc\",\n"
           "  \":edhoc\": {\"edhoc-oscore\": {\"suite\": 2, \"method\": 3}},\n"
           "  \":any\": {\"any-of\": [{\"oscore\": {\"basedir\": \"ctx\"}}]},\n"
           "  \":all\": {\"all-of\": []},\n"
           "  \"coap://h/*\": {\"oscore\": {\"basedir\": \"ctx\"}}\n"
           "}\n";
  /* A program that did not enable EDHOC (oscore-client) learns of the
   * edhoc-oscore entry before any entry is parsed: nothing warned about
   * yet (the any-of and all-of entries would be), so the program it
   * hands the map to says it all once. */
  tu_write(top, "creds.json", map, 0600);
  snprintf(path, sizeof path, "%s/creds.json", top);
  load(path, &w, STORE_ERR_NEEDS_EDHOC, "\":edhoc\"", "store_enable_edhoc");
  CHECK_EQ_INT(w.count, 0);
  store_enable_edhoc();
  store_credentials *c = load_map(top, map, 0600, &w, path, sizeof path);
  if (!c)
    return;
  CHECK_EQ_INT(w.count, 1);
  /* dtls and edhoc-oscore entries are usable: not named. */
  CHECK_CONTAINS(w.last, "ignoring 2 entries");
  CHECK_CONTAINS(w.last, "\":all\" (all-of)");
  CHECK(strstr(w.last, "(tlscert)") == NULL);
  CHECK(strstr(w.last, "edhoc-oscore)") == NULL);
  CHECK(strstr(w.last, "(dtls)") == NULL);
  store_diag d = tu_diag(NULL);
  store_context *sc = NULL;
  const char *key = NULL;
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://h/x", &d, &sc, &key),
               STORE_OK);
  CHECK(sc != NULL);
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://edhoc/x", &d, &sc, &key),
               STORE_ERR_UNSUPPORTED);
  CHECK_CONTAINS(d.msg, "\":edhoc\"");
  CHECK_CONTAINS(d.msg, "\"edhoc-oscore\"");
  CHECK_CONTAINS(d.msg, "coap://edhoc/x");
  CHECK_CONTAINS(d.msg, "needs EDHOC first");
  CHECK_EQ_INT(store_credentials_for_uri(c, "coaps://h/x", &d, &sc, &key),
               STORE_ERR_UNSUPPORTED);
  CHECK_CONTAINS(d.msg, "\"dtls\"");
  /* tlscert: for (D)TLS only; resolve hands out the file (none beside
   * the map: as given). */
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap+tcp://h/x", &d, &sc, &key),
               STORE_ERR_UNSUPPORTED);
  CHECK_CONTAINS(d.msg, "\"tlscert\"");
  store_uri_creds u;
  CHECK_EQ_INT(store_credentials_resolve(c, "coap+tcp://h/x", &d, &u),
               STORE_OK);
  CHECK(u.tlscert_file && strcmp(u.tlscert_file, "x.pem") == 0);
  CHECK(u.tlscert_entry && strcmp(u.tlscert_entry, "coap+tcp://*") == 0);
  CHECK(!u.has_dtls && !u.oscore);
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://nothing/", &d, &sc, &key),
               STORE_OK);
  CHECK(sc == NULL);
  CHECK_EQ_INT(store_credentials_open_all(c, &d), STORE_OK);
  CHECK_EQ_INT(store_credentials_close(c, &d), STORE_OK);

  /* Only usable entries: no warning. */
  tu_write(top, "plain.json", "{\"coap://h/*\": {\"oscore\": {\"basedir\": "
           "\"ctx\"}}}", 0600);
  snprintf(path, sizeof path, "%s/plain.json", top);
  c = load(path, &w, STORE_OK, NULL, NULL);
  CHECK_EQ_INT(w.count, 0);
  store_credentials_close(c, NULL);
}

static void test_relative_basedir(void) {
  const char *top = tu_mkdir("rel");
  char sub[1024], cwd_dir[1024], path[1024], old_cwd[1024];
  snprintf(sub, sizeof sub, "%s/creds", top);
  snprintf(cwd_dir, sizeof cwd_dir, "%s/cwd", top);
  mkdir(sub, 0700);
  mkdir(cwd_dir, 0700);
  make_ctx(sub, "beside", "a");
  make_ctx(cwd_dir, "only-cwd", "a");
  make_ctx(sub, "both", "a");
  make_ctx(cwd_dir, "both", "c");
  tu_write(sub, "creds.json",
           "{\"coap://beside/*\": {\"oscore\": {\"basedir\": \"beside\"}},\n"
           " \"coap://cwd/*\": {\"oscore\": {\"basedir\": \"only-cwd/\"}},\n"
           " \"coap://both/*\": {\"oscore\": {\"basedir\": \"both\"}}}\n", 0600);
  tu_join(path, sizeof path, sub, "creds.json");
  if (!getcwd(old_cwd, sizeof old_cwd) || chdir(cwd_dir) != 0)
    tu_die("chdir");

  tu_warnings w;
  store_credentials *c = load(path, &w, STORE_OK, NULL, NULL);
  CHECK_EQ_INT(w.count, 2);
  CHECK_CONTAINS(w.all, "\"coap://cwd/*\"");
  CHECK_CONTAINS(w.all, "current directory");
  CHECK_CONTAINS(w.all, "\"coap://both/*\"");
  CHECK_CONTAINS(w.all, "aiocoap would use");
  CHECK(!strstr(w.all, "coap://beside/*"));

  store_diag d = tu_diag(NULL);
  store_context *sc = NULL;
  char want[1100];
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://beside/x", &d, &sc, NULL),
               STORE_OK);
  snprintf(want, sizeof want, "%s/beside", sub);
  CHECK(sc && !strcmp(store_context_dir(sc), want));
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://cwd/x", &d, &sc, NULL), STORE_OK);
  CHECK(sc && !strcmp(store_context_dir(sc), "only-cwd"));
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://both/x", &d, &sc, NULL),
               STORE_OK);
  snprintf(want, sizeof want, "%s/both", sub);
  CHECK(sc && !strcmp(store_context_dir(sc), want));
  CHECK(sc && !store_context_oscore(sc)->has_id_context);   /* "a", not "c" */
  store_credentials_close(c, NULL);

  /* From another working directory the cwd reading is gone: the path
   * beside the file is what opening then complains about. */
  if (chdir(top) != 0)
    tu_die("chdir");
  c = load(path, &w, STORE_OK, NULL, NULL);
  CHECK_EQ_INT(w.count, 0);
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://cwd/x", &d, &sc, NULL),
               STORE_ERR_IO);
  snprintf(want, sizeof want, "%s/only-cwd", sub);
  CHECK_CONTAINS(d.msg, want);
  store_credentials_close(c, NULL);

  /* Absolute basedirs are taken as they are. */
  char json[2048];
  snprintf(json, sizeof json, "{\"*\": {\"oscore\": {\"basedir\": \"%s/beside\"}}}",
           sub);
  tu_write(cwd_dir, "abs.json", json, 0600);
  tu_join(path, sizeof path, cwd_dir, "abs.json");
  c = load(path, &w, STORE_OK, NULL, NULL);
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://any/", &d, &sc, NULL), STORE_OK);
  snprintf(want, sizeof want, "%s/beside", sub);
  CHECK(sc && !strcmp(store_context_dir(sc), want));
  store_credentials_close(c, NULL);
  if (chdir(old_cwd) != 0)
    tu_die("chdir back");
}

static void test_server(void) {
  const char *top = tu_mkdir("server");
  make_ctx(top, "srv-b", "b");   /* recipient "" , no ID context */
  make_ctx(top, "srv-d", "d");   /* recipient "" , ID context 37cbf3210017a2d3 */
  char x[1024];
  snprintf(x, sizeof x, "%s/srv-x", top);
  mkdir(x, 0700);
  /* srv-x speaks draft-08 on option 21 (DRAFT08.md). */
  tu_write(x, "settings.json", "{\"sender-id_hex\": \"01\", \"recipient-id_hex\": "
           "\"0a\", \"oscore-version\": \"draft-08\"}", 0600);
  tu_write(x, "secret.json", "{\"secret_ascii\": \"hunter2hunter2\"}", 0600);
  tu_write(top, "server.json",
           "{\n"
           "  \":client1\": {\"oscore\": {\"basedir\": \"srv-b\"}},\n"
           "  \":client2\": {\"oscore\": {\"basedir\": \"srv-d\"}},\n"
           "  \"coap://*\": \":client1\",\n"
           "  \"coap://x/*\": {\"oscore\": {\"basedir\": \"srv-x\"}},\n"
           "  \":alias\": {\"oscore\": {\"basedir\": \"srv-b/\"}}\n"
           "}\n", 0600);
  char path[1024];
  snprintf(path, sizeof path, "%s/server.json", top);
  tu_warnings w;
  store_credentials *c = load(path, &w, STORE_OK, NULL, NULL);
  if (!c)
    return;
  store_diag d = tu_diag(&w);
  /* srv-b is named twice: opened once, else its own flock would block. */
  double t0 = tu_now();
  CHECK_EQ_INT(store_credentials_open_all(c, &d), STORE_OK);
  CHECK(tu_now() - t0 < 0.5);
  CHECK_EQ_INT(w.count, 0);

  static const uint8_t idctx[] = { 0x37, 0xcb, 0xf3, 0x21, 0x00, 0x17, 0xa2, 0xd3 };
  const char *who = NULL;
  store_context *sc = store_credentials_find(c, (const uint8_t *)"", 0, false, NULL,
                                             0, &who);
  CHECK(sc && strstr(store_context_dir(sc), "/srv-b"));
  CHECK(who && !strcmp(who, ":client1"));   /* first entry naming it */
  store_context *b = sc;
  sc = store_credentials_find(c, (const uint8_t *)"", 0, true, idctx, sizeof idctx,
                              &who);
  CHECK(sc && strstr(store_context_dir(sc), "/srv-d"));
  CHECK(who && !strcmp(who, ":client2"));
  sc = store_credentials_find(c, (const uint8_t *)"\x0a", 1, false, NULL, 0, &who);
  CHECK(sc && strstr(store_context_dir(sc), "/srv-x"));
  CHECK(who && !strcmp(who, "coap://x/*"));   /* no label: the pattern */
  /* Strict, as aiocoap: kid context must be present exactly when the
   * context has an ID context, and equal. */
  CHECK(store_credentials_find(c, (const uint8_t *)"\x0a", 1, true, idctx,
                               sizeof idctx, &who) == NULL);
  CHECK(who == NULL);
  CHECK(store_credentials_find(c, (const uint8_t *)"", 0, true, idctx, 7, NULL) == NULL);
  CHECK(store_credentials_find(c, (const uint8_t *)"", 0, true, NULL, 0, NULL) == NULL);
  CHECK(store_credentials_find(c, (const uint8_t *)"\x0b", 1, false, NULL, 0,
                               NULL) == NULL);
  CHECK(store_credentials_find(c, (const uint8_t *)"\x0a\x00", 2, false, NULL, 0,
                               NULL) == NULL);

  /* Every context once, in opening order; option 21 because of srv-x. */
  size_t n = 0;
  while (store_credentials_context(c, n)) n++;
  CHECK_EQ_INT(n, 3);
  CHECK(store_credentials_uses_option(c, 9));
  CHECK(store_credentials_uses_option(c, 21));
  CHECK(!store_credentials_uses_option(c, 11));
  CHECK(!store_credentials_uses_option(NULL, 9));

  /* The client view of the same map agrees: ":alias" shares srv-b. */
  CHECK_EQ_INT(store_credentials_for_uri(c, "coap://y/", &d, &sc, &who), STORE_OK);
  CHECK(sc == b);
  CHECK_EQ_INT(store_credentials_close(c, &d), STORE_OK);
  char dir[1100];
  static const char *names[] = { "srv-b", "srv-d", "srv-x" };
  for (int i = 0; i < 3; i++) {
    snprintf(dir, sizeof dir, "%s/%s", top, names[i]);
    CHECK(!tu_exists(dir, "lock"));
    CHECK(tu_exists(dir, "sequence.json"));
  }

  /* Two directories that accept the same kid: warned about. */
  make_ctx(top, "srv-b2", "b");
  tu_write(top, "dup.json", "{\":one\": {\"oscore\": {\"basedir\": \"srv-b\"}},"
           " \":two\": {\"oscore\": {\"basedir\": \"srv-b2\"}}}", 0600);
  snprintf(path, sizeof path, "%s/dup.json", top);
  c = load(path, &w, STORE_OK, NULL, NULL);
  d = tu_diag(&w);
  CHECK_EQ_INT(store_credentials_open_all(c, &d), STORE_OK);
  CHECK_EQ_INT(w.count, 1);
  CHECK_CONTAINS(w.last, "srv-b2");
  CHECK(store_credentials_find(c, (const uint8_t *)"", 0, false, NULL, 0, &who));
  CHECK(who && !strcmp(who, ":one"));
  store_credentials_close(c, NULL);
}

/* Many clients: every one is found by its kid (and kid context), with its
 * own identity, through the sorted index; kids between and around them
 * are not found; the first of two contexts with the same IDs wins. */
static void test_server_many(void) {
  enum { N = 300 };
  const char *top = tu_mkdir("many");
  size_t cap = 64 + N * 96;
  char *map = malloc(cap);
  if (!map)
    tu_die("malloc");
  size_t len = (size_t)snprintf(map, cap, "{");
  for (int i = 0; i < N; i++) {
    char name[32], dir[1024], settings[200];
    snprintf(name, sizeof name, "c%03d", i);
    snprintf(dir, sizeof dir, "%s/%s", top, name);
    mkdir(dir, 0700);
    /* Kids of one and two bytes; every third also has an ID context, and
     * c000 and c001 share IDs (c001 is shadowed). */
    int kid = i == 1 ? 0 : i;
    snprintf(settings, sizeof settings,
             "{\"sender-id_hex\": \"01\", \"recipient-id_hex\": \"%0*x\"%s}",
             kid < 256 ? 2 : 4, kid,
             i % 3 == 2 ? ", \"id-context_hex\": \"abcd\"" : "");
    tu_write(dir, "settings.json", settings, 0600);
    tu_write(dir, "secret.json", "{\"secret_ascii\": \"s\"}", 0600);
    len += (size_t)snprintf(map + len, cap - len,
                            "%s\":%s\": {\"oscore\": {\"basedir\": \"%s\"}}",
                            i ? "," : "", name, name);
  }
  snprintf(map + len, cap - len, "}");
  tu_write(top, "many.json", map, 0600);
  free(map);
  char path[1024];
  snprintf(path, sizeof path, "%s/many.json", top);
  tu_warnings w;
  store_credentials *c = load(path, &w, STORE_OK, NULL, NULL);
  if (!c)
    return;
  store_diag d = tu_diag(&w);
  CHECK_EQ_INT(store_credentials_open_all(c, &d), STORE_OK);
  int found = 0, right = 0;
  for (int i = 0; i < N; i++) {
    if (i == 1)
      continue;
    uint8_t kid[2] = { (uint8_t)(i >> 8), (uint8_t)i };
    size_t kl = i < 256 ? 1 : 2;
    const char *who = NULL;
    store_context *sc = store_credentials_find(
        c, i < 256 ? kid + 1 : kid, kl, i % 3 == 2,
        (const uint8_t *)"\xab\xcd", i % 3 == 2 ? 2 : 0, &who);
    char want[16];
    snprintf(want, sizeof want, ":c%03d", i);
    found += sc != NULL;
    right += sc && who && strcmp(who, want) == 0 &&
             strcmp(store_context_dir(sc) + strlen(store_context_dir(sc)) - 4,
                    want + 1) == 0;
    /* The same kid with the other kid-context state: not this one. */
    const char *who2 = NULL;
    store_context *other = store_credentials_find(
        c, i < 256 ? kid + 1 : kid, kl, i % 3 != 2,
        (const uint8_t *)"\xab\xcd", i % 3 != 2 ? 2 : 0, &who2);
    CHECK(other != sc || other == NULL);
  }
  CHECK_EQ_INT(found, N - 1);
  CHECK_EQ_INT(right, N - 1);
  const char *who = NULL;
  CHECK(store_credentials_find(c, (const uint8_t *)"\x00", 1, false, NULL, 0,
                               &who) != NULL);
  CHECK(who && strcmp(who, ":c000") == 0);   /* c001 has the same IDs */
  CHECK(store_credentials_find(c, (const uint8_t *)"\x01\x2d", 2, false, NULL,
                               0, NULL) == NULL);   /* 301: none */
  CHECK(store_credentials_find(c, (const uint8_t *)"", 0, false, NULL, 0,
                               NULL) == NULL);
  CHECK(store_credentials_find(c, (const uint8_t *)"\xff\xff\xff", 3, false,
                               NULL, 0, NULL) == NULL);
  CHECK(store_credentials_find(c, (const uint8_t *)"\x05", 1, true,
                               (const uint8_t *)"\xab\xce", 2, NULL) == NULL);
  store_credentials_close(c, NULL);
}

/* "dtls" entries (aiocoap's DTLS class): PSK and identity as ascii or
 * hex objects; the client gets them for a URI, alone or with OSCORE
 * through "all-of"; the server finds an identity's entry; a map holding
 * PSKs readable by others is warned about; no message quotes a PSK. */
/* Maps that must not load: each refused with its error, the message
 * naming |needle| and never quoting a value written SECRETVALUE. */
typedef struct {
  const char *json, *needle;
  store_err err;
} bad_map;

static void check_bad_maps(const char *top, const bad_map *bad, size_t n) {
  char path[1024];
  for (size_t i = 0; i < n; i++) {
    tu_write(top, "bad.json", bad[i].json, 0600);
    snprintf(path, sizeof path, "%s/bad.json", top);
    store_diag d = tu_diag(NULL);
    store_credentials *b = NULL;
    CHECK_EQ_INT(store_credentials_load(path, &d, &b), bad[i].err);
    CHECK_CONTAINS(d.msg, bad[i].needle);
    CHECK(strstr(d.msg, "SECRETVALUE") == NULL);
    store_credentials_close(b, NULL);
  }
}

static void test_dtls(void) {
  const char *top = tu_mkdir("dtls");
  make_ctx(top, "ctx", "a");
  char path[1024];
  tu_warnings w;
  store_credentials *c = load_map(top,
           "{\"coaps://d/*\": {\"dtls\": {\"psk\": {\"hex\": \"01:02-03\"}, "
           "\"client-identity\": {\"ascii\": \"me\"}}},\n"
           " \":d\": {\"dtls\": {\"psk\": {\"ascii\": \"k2\"}, "
           "\"client-identity\": {\"ascii\": \"me\"}}},\n"
           " \":o\": {\"oscore\": {\"basedir\": \"ctx\"}},\n"
           " \"coaps://both/*\": {\"all-of\": [\":d\", \":o\"]},\n"
           " \"coaps://two/*\": {\"all-of\": [\":o\", \":o\"]}}\n", 0644,
           &w, path, sizeof path);
  if (!c)
    return;
  CHECK_CONTAINS(w.all, "holds DTLS pre-shared keys and is readable");
  CHECK_CONTAINS(w.all, "\"coaps://two/*\" (all-of)");
  store_uri_creds u;
  store_diag d = tu_diag(NULL);
  CHECK_EQ_INT(store_credentials_resolve(c, "coaps://d/x", &d, &u), STORE_OK);
  CHECK(u.has_dtls && !u.oscore);
  CHECK(u.dtls.psk_len == 3 && memcmp(u.dtls.psk, "\x01\x02\x03", 3) == 0);
  CHECK(u.dtls.identity_len == 2 && memcmp(u.dtls.identity, "me", 2) == 0);
  CHECK_EQ_INT(store_credentials_resolve(c, "coaps://both/x", &d, &u),
               STORE_OK);
  CHECK(u.has_dtls && u.oscore != NULL);
  CHECK(strcmp(u.dtls.entry_key, ":d") == 0 &&
        strcmp(u.oscore_entry, ":o") == 0);
  CHECK_EQ_INT(store_credentials_resolve(c, "coaps://two/x", &d, &u),
               STORE_ERR_UNSUPPORTED);
  CHECK_EQ_INT(store_credentials_resolve(c, "coap://none/", &d, &u), STORE_OK);
  CHECK(!u.has_dtls && !u.oscore);
  /* The server: the first entry in file order with that identity. */
  const uint8_t *psk = NULL;
  size_t psk_len = 0;
  const char *who = store_credentials_dtls_find(c, (const uint8_t *)"me", 2,
                                                &psk, &psk_len);
  CHECK(who && strcmp(who, "coaps://d/*") == 0 && psk_len == 3);
  CHECK(store_credentials_dtls_find(c, (const uint8_t *)"you", 3, NULL,
                                    NULL) == NULL);
  CHECK(store_credentials_has_dtls(c));
  CHECK_EQ_INT(store_credentials_close(c, &d), STORE_OK);

  static const bad_map bad[] = {
    { "{\"k\": {\"dtls\": {\"psk\": {\"ascii\": \"SECRETVALUE\"}}}}",
      "lacks \"client-identity\"", STORE_ERR_MISSING },
    { "{\"k\": {\"dtls\": {\"psk\": \"SECRETVALUE\", "
      "\"client-identity\": {\"ascii\": \"i\"}}}}", "\"psk\"",
      STORE_ERR_MALFORMED },
    { "{\"k\": {\"dtls\": {\"psk\": {\"hex\": \"SECRETVALUE\"}, "
      "\"client-identity\": {\"ascii\": \"i\"}}}}", "\"psk\"",
      STORE_ERR_MALFORMED },
    { "{\"k\": {\"dtls\": {\"psk\": {\"ascii\": \"SECRETVALUE\"}, "
      "\"client-identity\": {\"ascii\": \"i\"}, \"hint\": 1}}}",
      "\"hint\"", STORE_ERR_MALFORMED },
    { "{\"k\": {\"dtls\": {\"psk\": {\"ascii\": \"SECRETVALUE\"}, "
      "\"client-identity\": {\"ascii\": \"0123456789012345678901234567890"
      "12345678901234567890123456789012345\"}}}}", "at most 64",
      STORE_ERR_MALFORMED },
    { "{\"k\": {\"all-of\": [\":gone\"]}}", "\":gone\"",
      STORE_ERR_REFERENCE },
  };
  check_bad_maps(top, bad, sizeof bad / sizeof bad[0]);
}

/* "tlscert": a certfile beside the map is taken there; with OSCORE in an
 * all-of; malformed ones refused naming the member. */
static void test_tlscert(void) {
  const char *top = tu_mkdir("tlscert");
  make_ctx(top, "ctx", "a");
  tu_write(top, "ca.pem", "not read at load\n", 0644);
  char path[1024];
  tu_warnings w;
  store_credentials *c = load_map(top,
           "{\"coaps+tcp://h/*\": {\"tlscert\": {\"certfile\": \"ca.pem\"}},\n"
           " \":t\": {\"tlscert\": {\"certfile\": \"/abs/ca.pem\"}},\n"
           " \":o\": {\"oscore\": {\"basedir\": \"ctx\"}},\n"
           " \"coaps://both/*\": {\"all-of\": [\":t\", \":o\"]}}\n", 0600,
           &w, path, sizeof path);
  if (!c)
    return;
  CHECK_EQ_INT(w.count, 0);
  store_uri_creds u;
  store_diag d = tu_diag(NULL);
  char want[1100];
  snprintf(want, sizeof want, "%s/ca.pem", top);
  CHECK_EQ_INT(store_credentials_resolve(c, "coaps+tcp://h/x", &d, &u),
               STORE_OK);
  CHECK(u.tlscert_file && strcmp(u.tlscert_file, want) == 0);
  CHECK_EQ_INT(store_credentials_resolve(c, "coaps://both/x", &d, &u),
               STORE_OK);
  CHECK(u.tlscert_file && strcmp(u.tlscert_file, "/abs/ca.pem") == 0);
  CHECK(u.oscore != NULL && !u.has_dtls);
  CHECK(strcmp(u.tlscert_entry, ":t") == 0);
  CHECK_EQ_INT(store_credentials_close(c, &d), STORE_OK);

  static const bad_map bad[] = {
    { "{\"k\": {\"tlscert\": {}}}", "lacks \"certfile\"", STORE_ERR_MISSING },
    { "{\"k\": {\"tlscert\": {\"certfile\": 1}}}", "\"certfile\"",
      STORE_ERR_MALFORMED },
    { "{\"k\": {\"tlscert\": {\"certfile\": \"a\", \"keyfile\": \"b\"}}}",
      "\"keyfile\"", STORE_ERR_MALFORMED },
    { "{\"k\": {\"tlscert\": \"a.pem\"}}", "takes an object",
      STORE_ERR_MALFORMED },
  };
  check_bad_maps(top, bad, sizeof bad / sizeof bad[0]);
}

int main(void) {
  test_dtls();
  test_tlscert();
  test_patterns();
  test_binary_values();
  test_client_lookup();
  test_load_errors();
  test_mixed_types();
  test_relative_basedir();
  test_server();
  test_server_many();
  return unit_summary("store_credentials");
}
