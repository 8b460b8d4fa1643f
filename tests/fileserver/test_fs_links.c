/* Symlinks inside the root cannot be used to get around the access rules
 * or --hidden: the file a link leads to must be allowed as well as the
 * path that was asked for, for GET, listings, PUT (whole and block-wise)
 * and DELETE, with openat2 and with the walk for old kernels alike. */
#include "fs_testutil.h"

#include "fs_access.h"

static char top[512];
static char root[600];
static char rules_file[700];
static fs_reply r;

static uint8_t req(fs_server *s, const fs_caller *c, uint8_t code,
                   const char *path, const char *body, int block1) {
  treq q;
  treq_init(&q, code, path);
  if (block1 >= 0)
    treq_uint(&q, OSCORE_OPT_BLOCK1, (uint32_t)block1);
  if (body)
    treq_payload(&q, body, strlen(body));
  fs_serve(s, c, &q.m, 0, &r, NULL);
  return r.msg.code;
}

static bool payload_has(const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= r.msg.payload.len; i++)
    if (memcmp(r.msg.payload.ptr + i, needle, n) == 0)
      return true;
  return false;
}

static void build_tree(void) {
  snprintf(top, sizeof top, "%s", tu_mkdtemp());
  snprintf(root, sizeof root, "%s/root", top);
  tu_mkdir(top, "root");
  tu_mkdir(root, "public");
  tu_mkdir(root, "private");
  tu_mkdir(root, "upload");
  tu_mkdir(root, ".hiddendir");
  tu_write(root, "public/real.txt", "public", 6);
  tu_write(root, "private/secret.txt", "SECRET", 6);
  tu_write(root, ".hiddendir/x.txt", "HIDDEN", 6);
  tu_symlink("../private/secret.txt", root, "public/link");
  tu_symlink("real.txt", root, "public/inlink");
  tu_symlink("../private", root, "public/pdir");
  tu_symlink("../.hiddendir/x.txt", root, "public/hlink");
  tu_symlink("../private", root, "upload/privdir");
  tu_symlink("../public", root, "upload/pubdir");
  /* :client1 reads /public and writes /upload; nobody may touch /private
   * or read /upload/pubdir's target for writing. */
  const char *rules =
    "{ \":client1\": { \"/public/\": \"r\", \"/upload/\": \"rw\" } }";
  snprintf(rules_file, sizeof rules_file, "%s/rules.json", top);
  tu_write("", rules_file, rules, strlen(rules));
}

static fs_server *server(bool openat2, bool hidden, bool rules) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  cfg.write = true;
  cfg.hidden = hidden;
  cfg.access_file = rules ? rules_file : NULL;
  fs_server *s = tu_server(&cfg);
  fs_root *fr = (fs_root *)fs_server_root(s);
  if (!openat2)
    fr->use_openat2 = false;
  return s;
}

static void test_rules(bool openat2) {
  fs_server *s = server(openat2, false, true);
  const fs_caller *c = &tu_client1;
  /* Reading a private file through a link under /public. */
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_GET, "/public/link", NULL, -1),
               OSCORE_CODE(4, 3));
  CHECK(!payload_has("SECRET"));
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_GET, "/public/pdir/secret.txt", NULL,
                   -1), OSCORE_CODE(4, 3));
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_GET, "/public/pdir/", NULL, -1),
               OSCORE_CODE(4, 3));
  /* Links that stay where the rules allow keep working. */
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_GET, "/public/inlink", NULL, -1),
               OSCORE_CODE(2, 5));
  CHECK(payload_has("public"));
  /* A link retargeted after a GET (an observation's next notification is
   * that GET again) is checked afresh. */
  char lp[1024];
  snprintf(lp, sizeof lp, "%s/public/moving", root);
  unlink(lp);
  tu_symlink("real.txt", root, "public/moving");
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_GET, "/public/moving", NULL, -1),
               OSCORE_CODE(2, 5));
  unlink(lp);
  tu_symlink("../private/secret.txt", root, "public/moving");
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_GET, "/public/moving", NULL, -1),
               OSCORE_CODE(4, 3));
  CHECK(!payload_has("SECRET"));
  unlink(lp);
  /* Unprotected callers are told to authenticate, as for the path itself. */
  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_GET, "/public/link", NULL, -1),
               OSCORE_CODE(4, 1));
  /* The listing leaves out what a GET would refuse. */
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_GET, "/public/", NULL, -1),
               OSCORE_CODE(2, 5));
  CHECK(payload_has("</public/inlink>"));
  CHECK(payload_has("</public/real.txt>"));
  CHECK(!payload_has("</public/link>"));
  CHECK(!payload_has("pdir"));

  /* Writing into /private through a link under /upload. */
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_PUT, "/upload/privdir/new.txt", "x", -1),
               OSCORE_CODE(4, 3));
  CHECK(!tu_exists(root, "private/new.txt"));
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_PUT, "/upload/privdir/secret.txt",
                   "overwritten", -1), OSCORE_CODE(4, 3));
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_PUT, "/upload/pubdir/real.txt", "x",
                   -1), OSCORE_CODE(4, 3));
  /* Block-wise: refused at the first block, no temporary file left. */
  char block[65];
  memset(block, 'b', 64);
  block[64] = 0;
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_PUT, "/upload/privdir/big.bin", block,
                   0 << 4 | 8 | 2), OSCORE_CODE(4, 3));
  size_t n;
  char *text = tu_read(root, "private/secret.txt", &n);
  CHECK(text && n == 6 && memcmp(text, "SECRET", 6) == 0);
  free(text);
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_DELETE, "/upload/privdir/secret.txt",
                   NULL, -1), OSCORE_CODE(4, 3));
  CHECK(tu_exists(root, "private/secret.txt"));
  /* Writing in /upload itself still works, also replacing a link there
   * (the link is replaced, never written through). */
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_PUT, "/upload/ok.txt", "ok", -1),
               OSCORE_CODE(2, 4));
  CHECK(tu_exists(root, "upload/ok.txt"));
  CHECK_EQ_INT(req(s, c, OSCORE_CODE_DELETE, "/upload/ok.txt", NULL, -1),
               OSCORE_CODE(2, 2));
  fs_server_free(s);
}

static void test_hidden(bool openat2) {
  fs_server *s = server(openat2, false, false);
  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_GET, "/public/hlink", NULL, -1),
               OSCORE_CODE(4, 4));
  CHECK(!payload_has("HIDDEN"));
  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_GET, "/public/", NULL, -1),
               OSCORE_CODE(2, 5));
  CHECK(!payload_has("hlink"));
  CHECK(payload_has("</public/link>"));  /* no rules: everything readable */
  fs_server_free(s);
  s = server(openat2, true, false);
  CHECK_EQ_INT(req(s, &tu_anon, OSCORE_CODE_GET, "/public/hlink", NULL, -1),
               OSCORE_CODE(2, 5));
  CHECK(payload_has("HIDDEN"));
  fs_server_free(s);
}

int main(void) {
  build_tree();
  fs_root probe;
  CHECK_EQ_INT(fs_root_open(root, false, false, &probe), FS_OK);
  bool have_openat2 = probe.use_openat2;
  fs_root_close(&probe);
  if (!have_openat2)
    fprintf(stderr, "note: no openat2 here (valgrind?), walk mode only\n");
  for (int mode = have_openat2 ? 0 : 1; mode < 2; mode++) {
    test_rules(mode == 0);
    test_hidden(mode == 0);
  }
  tu_rmtree(top);
  return unit_summary("test_fs_links");
}
