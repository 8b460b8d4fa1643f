/* Access rules: parsing, longest-prefix decisions, and what fs_serve
 * answers (--require-oscore, 4.01 for anonymous, 4.03 for identities,
 * listings filtered). */
#include "fs_testutil.h"

#include "fs_access.h"

static void test_parse_errors(void) {
  fs_access *a = NULL;
  char why[256];
  const char *bad[] = {
    "[]", "not json", "{\"client1\": {\"/\": \"r\"}}",
    "{\":c\": {\"/\": \"x\"}}", "{\":c\": {\"/\": \"rr\"}}",
    "{\":c\": {\"nolead\": \"r\"}}", "{\":c\": {\"/a/../b\": \"r\"}}",
    "{\":c\": {\"/a//b\": \"r\"}}", "{\":c\": \"r\"}", "{\":c\": {\"/\": 1}}",
    "{\":\": {\"/\": \"r\"}}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    why[0] = 0;
    fs_err e = fs_access_parse(bad[i], &a, why, sizeof why);
    if (e != FS_ERR_ACCESS_FILE)
      fprintf(stderr, "  accepted: %s\n", bad[i]);
    CHECK_EQ_INT(e, FS_ERR_ACCESS_FILE);
    CHECK(why[0] != 0);
  }
  CHECK_EQ_INT(fs_access_parse("{}", &a, why, sizeof why), FS_OK);
  /* An empty rule set denies everything. */
  CHECK_EQ_INT(fs_access_rights(a, ":c", ""), 0);
  CHECK_EQ_INT(fs_access_rights(a, "anonymous", "x"), 0);
  fs_access_free(a);
  CHECK_EQ_INT(fs_access_rights(NULL, "anonymous", "x"),
               FS_RIGHT_READ | FS_RIGHT_WRITE);
  CHECK_EQ_INT(fs_access_load("/nonexistent/rules.json", &a, why, sizeof why),
               FS_ERR_ACCESS_FILE);
}

static void test_rights(void) {
  fs_access *a = NULL;
  char why[256];
  const char *rules =
    "{ \":client1\": { \"/upload/\": \"rw\", \"/private\": \"r\" },"
    "  \":client2\": { \"/\": \"\" },"
    "  \"anonymous\": { \"/private/\": \"none\" },"
    "  \"*\": { \"/\": \"r\", \"/private\": \"\" } }";
  CHECK_EQ_INT(fs_access_parse(rules, &a, why, sizeof why), FS_OK);
  const unsigned R = FS_RIGHT_READ, W = FS_RIGHT_WRITE;
  struct { const char *id, *rel; unsigned want; } cases[] = {
    {":client1", "upload", R | W},
    {":client1", "upload/x/y", R | W},
    {":client1", "uploads", R},         /* segment-wise, not string prefix */
    {":client1", "", R},
    {":client1", "private/p", R},       /* own rule beats "*" at same depth */
    {":client2", "a", 0},               /* own "/" beats "*" "/" */
    {":client3", "a", R},
    {":client3", "upload/x", R},
    {":client3", "private", 0},
    {"anonymous", "a", R},
    {"anonymous", "private/x", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    unsigned got = fs_access_rights(a, cases[i].id, cases[i].rel);
    if (got != cases[i].want)
      fprintf(stderr, "  %s %s: %u\n", cases[i].id, cases[i].rel, got);
    CHECK_EQ_INT(got, cases[i].want);
  }
  fs_access_free(a);
}

static fs_reply r;

static uint8_t req(fs_server *s, const fs_caller *c, uint8_t code,
                   const char *path, const char *body) {
  treq q;
  treq_init(&q, code, path);
  if (body)
    treq_payload(&q, body, strlen(body));
  fs_serve(s, c, &q.m, 0, &r, NULL);
  return r.msg.code;
}

static void test_serve(const char *top) {
  char root[512], rules[512];
  snprintf(root, sizeof root, "%s/root", top);
  snprintf(rules, sizeof rules, "%s/rules.json", top);
  tu_mkdir(top, "root");
  tu_mkdir(root, "upload");
  tu_mkdir(root, "private");
  tu_write(root, "pub.txt", "pub", 3);
  tu_write(root, "private/p.txt", "p", 1);
  const char *text =
    "{ \":client1\": { \"/upload/\": \"rw\", \"/private/\": \"r\" },"
    "  \"*\": { \"/\": \"r\", \"/private/\": \"\" } }";
  tu_write(top, "rules.json", text, strlen(text));

  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  cfg.write = true;
  cfg.access_file = rules;
  fs_server *s = tu_server(&cfg);
  const fs_caller c2 = {"[::1]:7", "::/64", ":client2", true};

  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_GET, "/pub.txt", NULL),
               OSCORE_CODE(2, 5));
  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_PUT, "/upload/a", "x"),
               OSCORE_CODE(4, 1));
  CHECK_EQ_INT(req(s, &c2, OSCORE_CODE_PUT, "/upload/a", "x"),
               OSCORE_CODE(4, 3));
  CHECK(!tu_exists(root, "upload/a"));
  CHECK_EQ_INT(req(s, &tu_client1, OSCORE_CODE_PUT, "/upload/a", "x"),
               OSCORE_CODE(2, 4));
  CHECK(tu_exists(root, "upload/a"));
  CHECK_EQ_INT(req(s, &tu_client1, OSCORE_CODE_PUT, "/pub.txt", "x"),
               OSCORE_CODE(4, 3));
  CHECK_EQ_INT(req(s, &c2, OSCORE_CODE_DELETE, "/upload/a", NULL),
               OSCORE_CODE(4, 3));
  CHECK_EQ_INT(req(s, &tu_client1, OSCORE_CODE_DELETE, "/upload/a", NULL),
               OSCORE_CODE(2, 2));

  CHECK_EQ_INT(req(s, &c2, OSCORE_CODE_GET, "/private/p.txt", NULL),
               OSCORE_CODE(4, 3));
  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_GET, "/private/p.txt", NULL),
               OSCORE_CODE(4, 1));
  CHECK_EQ_INT(req(s, &tu_client1, OSCORE_CODE_GET, "/private/p.txt", NULL),
               OSCORE_CODE(2, 5));
  /* Listings leave out what the caller may not read. */
  CHECK_EQ_INT(req(s, &c2, OSCORE_CODE_GET, "/", NULL), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "</pub.txt>,</upload/>;ct=40"));
  CHECK_EQ_INT(req(s, &tu_client1, OSCORE_CODE_GET, "/", NULL),
               OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "</private/>;ct=40,</pub.txt>,</upload/>;ct=40"));
  /* Discovery stays open. */
  CHECK_EQ_INT(req(s, &c2, OSCORE_CODE_GET, "/.well-known/core", NULL),
               OSCORE_CODE(2, 5));
  fs_server_free(s);

  /* --require-oscore */
  cfg.access_file = NULL;
  cfg.require_oscore = true;
  s = tu_server(&cfg);
  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_GET, "/pub.txt", NULL),
               OSCORE_CODE(4, 1));
  CHECK(!reply_text_is(&r, "pub"));
  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_GET, "/.well-known/core", NULL),
               OSCORE_CODE(4, 1));
  CHECK_EQ_INT(req(s, &tu_client1, OSCORE_CODE_GET, "/pub.txt", NULL),
               OSCORE_CODE(2, 5));
  fs_server_free(s);

  /* A broken rules file stops the start, with a reason. */
  tu_write(top, "bad.json", "{\"x\": 1}", 8);
  snprintf(rules, sizeof rules, "%s/bad.json", top);
  cfg.access_file = rules;
  fs_server *bad = NULL;
  char why[256] = "";
  CHECK_EQ_INT(fs_server_new(&cfg, &bad, why, sizeof why), FS_ERR_ACCESS_FILE);
  CHECK(bad == NULL);
  CHECK(strstr(why, "\"x\"") != NULL);
}

int main(void) {
  test_parse_errors();
  test_rights();
  const char *top = tu_mkdtemp();
  test_serve(top);
  tu_rmtree(top);
  return unit_summary("test_fs_access");
}
