/* Directory listings and their URL rules, exactly as aiocoap-fileserver
 * writes them (COMPAT.md §5), plus what we leave out on purpose. */
#include "fs_testutil.h"

#include "fs_block.h"
#include "fs_listing.h"

static fs_reply r;

static uint8_t get(fs_server *s, const char *path) {
  treq q;
  treq_init(&q, OSCORE_CODE_GET, path);
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
  return r.msg.code;
}

static void expect_body(const char *want) {
  if (!reply_text_is(&r, want))
    fprintf(stderr, "  got  '%.*s'\n  want '%s'\n", (int)r.msg.payload.len,
            (const char *)r.msg.payload.ptr, want);
  CHECK(reply_text_is(&r, want));
}

static void test_listing(const char *top) {
  char root[512];
  snprintf(root, sizeof root, "%s/root", top);
  tu_write(top, "outside.txt", "o", 1);
  tu_mkdir(top, "root");
  tu_write(root, "b.txt", "b", 1);
  tu_write(root, "a.json", "{}", 2);
  tu_mkdir(root, "sub");
  tu_mkdir(root, "sub/deeper");
  tu_write(root, "sub/c.txt", "c", 1);
  tu_write(root, ".hidden", "h", 1);
  tu_symlink("../outside.txt", root, "escape");
  tu_symlink("sub", root, "alias");
  tu_symlink("b.txt", root, "b-link");
  tu_write(root, "we,ird;<name> %.txt", "w", 1);
  char p[1024];
  snprintf(p, sizeof p, "%s/pipe", root);
  mkfifo(p, 0644);

  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  fs_server *s = tu_server(&cfg);

  CHECK_EQ_INT(get(s, "/"), OSCORE_CODE(2, 5));
  CHECK_EQ_INT(reply_uint(&r, OSCORE_OPT_CONTENT_FORMAT), 40);
  CHECK(reply_opt(&r, OSCORE_OPT_ETAG) != NULL);
  CHECK(reply_opt(&r, OSCORE_OPT_BLOCK2) == NULL);
  expect_body("</a.json>,</alias/>;ct=40,</b-link>,</b.txt>,</sub/>;ct=40,"
              "</we%2Cird%3B%3Cname%3E%20%25.txt>");

  CHECK_EQ_INT(get(s, "/sub/"), OSCORE_CODE(2, 5));
  expect_body("</sub/c.txt>,</sub/deeper/>;ct=40");
  CHECK_EQ_INT(get(s, "/alias/"), OSCORE_CODE(2, 5));
  expect_body("</alias/c.txt>,</alias/deeper/>;ct=40");
  CHECK_EQ_INT(get(s, "/sub/deeper/"), OSCORE_CODE(2, 5));
  expect_body("");

  /* Trailing-slash rules and texts. */
  CHECK_EQ_INT(get(s, "/sub"), OSCORE_CODE(4, 0));
  expect_body("Error: Not a file (add trailing slash)");
  CHECK_EQ_INT(get(s, "/b.txt/"), OSCORE_CODE(4, 0));
  expect_body("Error: Not a directory (strip the trailing slash)");
  CHECK_EQ_INT(get(s, "/nothing/"), OSCORE_CODE(4, 4));
  expect_body("Error: File not found!");
  CHECK_EQ_INT(get(s, "/../"), OSCORE_CODE(4, 0));

  /* Discovery. */
  CHECK_EQ_INT(get(s, "/.well-known/core"), OSCORE_CODE(2, 5));
  expect_body("</>;ct=40;rt=\"tag:chrysn@fsfe.org,2022:fileserver\"");
  CHECK_EQ_INT(reply_uint(&r, OSCORE_OPT_CONTENT_FORMAT), 40);
  treq q;
  treq_init(&q, OSCORE_CODE_PUT, "/.well-known/core");
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(4, 3));  /* read-only server */
  fs_server_free(s);

  /* --hidden lists hidden names too. */
  cfg.hidden = true;
  s = tu_server(&cfg);
  CHECK_EQ_INT(get(s, "/"), OSCORE_CODE(2, 5));
  expect_body("</.hidden>,</a.json>,</alias/>;ct=40,</b-link>,</b.txt>,"
              "</sub/>;ct=40,</we%2Cird%3B%3Cname%3E%20%25.txt>");
  fs_server_free(s);

  /* --follow-symlinks lists the link out of the root. */
  cfg.hidden = false;
  cfg.follow_symlinks = true;
  s = tu_server(&cfg);
  CHECK_EQ_INT(get(s, "/"), OSCORE_CODE(2, 5));
  expect_body("</a.json>,</alias/>;ct=40,</b-link>,</b.txt>,</escape>,"
              "</sub/>;ct=40,</we%2Cird%3B%3Cname%3E%20%25.txt>");
  fs_server_free(s);
}

/* A listing longer than a block is served block-wise, consistently. */
static void test_big_listing(const char *top) {
  char root[512];
  snprintf(root, sizeof root, "%s/many", top);
  tu_mkdir(top, "many");
  char name[64];
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "file-%04d.txt", i);
    tu_write(root, name, "", 0);
  }
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  fs_server *s = tu_server(&cfg);

  static char body[32768];
  size_t have = 0;
  uint8_t etag0[8] = {0};
  bool more = true;
  for (uint32_t num = 0; more && num < 100; num++) {
    treq q;
    treq_init(&q, OSCORE_CODE_GET, "/");
    if (num)
      treq_block2(&q, num, 5);
    fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
    CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 5));
    const oscore_opt *b2 = reply_opt(&r, OSCORE_OPT_BLOCK2);
    const oscore_opt *et = reply_opt(&r, OSCORE_OPT_ETAG);
    CHECK(b2 && et && et->value.len == 8);
    if (!b2 || !et)
      break;
    if (num == 0)
      memcpy(etag0, et->value.ptr, 8);
    else
      CHECK(memcmp(etag0, et->value.ptr, 8) == 0);
    fs_block blk;
    fs_block_decode(b2->value, &blk);
    /* The first answer uses 1024-byte blocks; the client then asked for
     * 512 from block 1 on, which is offset 512: overlapping by design of
     * this test, so only take the bytes past what we have. */
    uint64_t off = fs_block_offset(blk);
    CHECK(off <= have);
    size_t skip = (size_t)(have - off);
    if (skip < r.msg.payload.len) {
      memcpy(body + have, r.msg.payload.ptr + skip, r.msg.payload.len - skip);
      have += r.msg.payload.len - skip;
    }
    more = blk.more;
  }
  CHECK(!more);
  /* 300 entries "</file-0000.txt>" (16 bytes) joined by ','. */
  CHECK_EQ_INT(have, 300 * 16 + 299);
  CHECK(memcmp(body, "</file-0000.txt>,</file-0001.txt>", 33) == 0);
  CHECK(memcmp(body + have - 16, "</file-0299.txt>", 16) == 0);
  fs_server_free(s);
}

int main(void) {
  const char *top = tu_mkdtemp();
  test_listing(top);
  test_big_listing(top);
  tu_rmtree(top);
  return unit_summary("test_fs_listing");
}
