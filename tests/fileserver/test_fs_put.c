/* PUT and DELETE: --write, preconditions, block-wise assembly keyed per
 * client and Request-Tag, limits, atomic replacement, never writing
 * outside the root. */
#include "fs_testutil.h"

#include <dirent.h>
#include "fs_block.h"
#include "fs_etag.h"

static char root[600];
static char top[512];
static fs_reply r;

static uint8_t send_req(fs_server *s, const fs_caller *c, treq *q,
                        uint64_t now) {
  fs_serve(s, c, &q->m, now, &r, NULL);
  return r.msg.code;
}

static uint8_t put(fs_server *s, const char *path, const char *body) {
  treq q;
  treq_init(&q, OSCORE_CODE_PUT, path);
  treq_payload(&q, body, strlen(body));
  return send_req(s, &tu_anon, &q, 0);
}

static bool content_is(const char *rel, const char *want) {
  size_t n;
  char *b = tu_read(root, rel, &n);
  bool ok = b && n == strlen(want) && memcmp(b, want, n) == 0;
  free(b);
  return ok;
}

/* Temporary upload files left in |dir| (relative to the root). */
static int leftovers(const char *dir) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", root, dir);
  DIR *d = opendir(p);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strncmp(e->d_name, ".oscore-fs-upload-", 18) == 0)
      n++;
  if (d)
    closedir(d);
  return n;
}

static bool etag_of_file(const char *rel, uint8_t out[8]) {
  char p[1024];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", root, rel);
  return stat(p, &st) == 0 && fs_etag_of_stat(&st, 8, out) == 8;
}

static void test_readonly(void) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  fs_server *s = tu_server(&cfg);
  tu_write(root, "keep.txt", "keep", 4);
  CHECK_EQ_INT(put(s, "/keep.txt", "changed"), OSCORE_CODE(4, 3));
  CHECK(content_is("keep.txt", "keep"));
  treq q;
  treq_init(&q, OSCORE_CODE_DELETE, "/keep.txt");
  CHECK_EQ_INT(send_req(s, &tu_anon, &q, 0), OSCORE_CODE(4, 3));
  CHECK(tu_exists(root, "keep.txt"));
  treq_init(&q, OSCORE_CODE_POST, "/keep.txt");
  CHECK_EQ_INT(send_req(s, &tu_anon, &q, 0), OSCORE_CODE(4, 5));
  fs_server_free(s);
}

static void test_put_simple(fs_server *s) {
  CHECK_EQ_INT(put(s, "/new.txt", "abc"), OSCORE_CODE(2, 4));
  CHECK(content_is("new.txt", "abc"));
  const oscore_opt *o = reply_opt(&r, OSCORE_OPT_ETAG);
  uint8_t want[8];
  CHECK(etag_of_file("new.txt", want));
  CHECK(o && o->value.len == 8 && memcmp(o->value.ptr, want, 8) == 0);
  CHECK(reply_opt(&r, OSCORE_OPT_BLOCK1) == NULL);
  CHECK_EQ_INT(leftovers(""), 0);

  /* Replacing keeps the old file's mode. */
  char p[1024];
  snprintf(p, sizeof p, "%s/new.txt", root);
  chmod(p, 0640);
  CHECK_EQ_INT(put(s, "/new.txt", "abcd"), OSCORE_CODE(2, 4));
  struct stat st;
  stat(p, &st);
  CHECK_EQ_INT(st.st_mode & 0777, 0640);
  CHECK(content_is("new.txt", "abcd"));

  CHECK_EQ_INT(put(s, "/empty.txt", ""), OSCORE_CODE(2, 4));
  CHECK(content_is("empty.txt", ""));

  /* Directories. */
  CHECK_EQ_INT(put(s, "/sub/", "x"), OSCORE_CODE(4, 0));
  CHECK_EQ_INT(put(s, "/", "x"), OSCORE_CODE(4, 0));
  CHECK_EQ_INT(put(s, "/sub", "x"), OSCORE_CODE(4, 0));
  CHECK_EQ_INT(put(s, "/nodir/x.txt", "x"), OSCORE_CODE(4, 4));
  CHECK_EQ_INT(put(s, "/sub/in.txt", "in"), OSCORE_CODE(2, 4));
  CHECK(content_is("sub/in.txt", "in"));

  /* Never outside the root: not through "..", not through a link to a
   * directory outside, and a link to a file outside is replaced itself,
   * the file it pointed to stays untouched. */
  CHECK_EQ_INT(put(s, "/../pwned.txt", "x"), OSCORE_CODE(4, 0));
  CHECK(!tu_exists(top, "pwned.txt"));
  CHECK_EQ_INT(put(s, "/outdir/pwned.txt", "x"), OSCORE_CODE(4, 3));
  CHECK(!tu_exists(top, "elsewhere/pwned.txt"));
  CHECK_EQ_INT(put(s, "/escape", "overwritten"), OSCORE_CODE(2, 4));
  size_t n;
  char *b = tu_read(top, "outside.txt", &n);
  CHECK(b && n == 7 && memcmp(b, "outside", 7) == 0);
  free(b);
  struct stat lst;
  snprintf(p, sizeof p, "%s/escape", root);
  CHECK(lstat(p, &lst) == 0 && S_ISREG(lst.st_mode));

  /* Hidden names are not writable without --hidden. */
  CHECK_EQ_INT(put(s, "/.profile", "x"), OSCORE_CODE(4, 4));
  CHECK(!tu_exists(root, ".profile"));
  /* Nor are special files replaced. */
  CHECK_EQ_INT(put(s, "/pipe", "x"), OSCORE_CODE(4, 3));
}

static uint8_t put_cond(fs_server *s, const char *path, const char *body,
                        bool inm, const void *if_match, size_t im_len) {
  treq q;
  treq_init(&q, OSCORE_CODE_PUT, path);
  if (if_match)
    treq_opt(&q, OSCORE_OPT_IF_MATCH, if_match, im_len);
  if (inm)
    treq_opt(&q, OSCORE_OPT_IF_NONE_MATCH, NULL, 0);
  treq_payload(&q, body, strlen(body));
  return send_req(s, &tu_anon, &q, 0);
}

static void test_conditions(fs_server *s) {
  tu_write(root, "c.txt", "one", 3);
  CHECK_EQ_INT(put_cond(s, "/c.txt", "two", true, NULL, 0),
               OSCORE_CODE(4, 12));
  CHECK(content_is("c.txt", "one"));
  CHECK_EQ_INT(put_cond(s, "/c-new.txt", "fresh", true, NULL, 0),
               OSCORE_CODE(2, 4));
  CHECK(content_is("c-new.txt", "fresh"));

  CHECK_EQ_INT(put_cond(s, "/c.txt", "two", false, "wrongtag", 8),
               OSCORE_CODE(4, 12));
  CHECK(content_is("c.txt", "one"));
  uint8_t et[8];
  CHECK(etag_of_file("c.txt", et));
  CHECK_EQ_INT(put_cond(s, "/c.txt", "two", false, et, 8), OSCORE_CODE(2, 4));
  CHECK(content_is("c.txt", "two"));
  /* The old ETag is stale now. */
  CHECK_EQ_INT(put_cond(s, "/c.txt", "three", false, et, 8),
               OSCORE_CODE(4, 12));
  CHECK(content_is("c.txt", "two"));
  /* If-Match on an absent file fails, also the empty "must exist" one. */
  CHECK_EQ_INT(put_cond(s, "/absent.txt", "x", false, et, 8),
               OSCORE_CODE(4, 12));
  CHECK_EQ_INT(put_cond(s, "/absent.txt", "x", false, "", 0),
               OSCORE_CODE(4, 12));
  CHECK(!tu_exists(root, "absent.txt"));
  CHECK_EQ_INT(put_cond(s, "/c.txt", "four", false, "", 0),
               OSCORE_CODE(2, 4));
  CHECK(content_is("c.txt", "four"));
  CHECK_EQ_INT(leftovers(""), 0);
}

/* One block of a block-wise PUT. */
static uint8_t put_block(fs_server *s, const fs_caller *c, const char *path,
                         uint32_t num, bool more, unsigned szx,
                         const void *data, size_t len, const char *tag,
                         uint64_t now) {
  treq q;
  treq_init(&q, OSCORE_CODE_PUT, path);
  treq_uint(&q, OSCORE_OPT_BLOCK1, num << 4 | (more ? 8u : 0u) | szx);
  if (tag)
    treq_opt(&q, OSCORE_OPT_REQUEST_TAG, tag, strlen(tag));
  treq_payload(&q, data, len);
  return send_req(s, c, &q, now);
}

static void test_blockwise(fs_server *s) {
  static uint8_t data[64 * 3 + 10];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)(i * 31);
  tu_write(root, "bw.bin", "old", 3);
  for (uint32_t i = 0; i < 3; i++) {
    CHECK_EQ_INT(put_block(s, &tu_anon, "/bw.bin", i, true, 2, data + 64 * i,
                           64, NULL, 0), OSCORE_CODE(2, 31));
    long b1 = reply_uint(&r, OSCORE_OPT_BLOCK1);
    CHECK_EQ_INT(b1, (long)(i << 4 | 8 | 2));
    /* Readers still see the old file while the upload runs. */
    CHECK(content_is("bw.bin", "old"));
    CHECK_EQ_INT(leftovers(""), 1);
  }
  CHECK_EQ_INT(put_block(s, &tu_anon, "/bw.bin", 3, false, 2, data + 192, 10,
                         NULL, 0), OSCORE_CODE(2, 4));
  CHECK_EQ_INT(reply_uint(&r, OSCORE_OPT_BLOCK1), 3 << 4 | 2);
  CHECK(reply_opt(&r, OSCORE_OPT_ETAG) != NULL);
  size_t n;
  char *b = tu_read(root, "bw.bin", &n);
  CHECK(b && n == sizeof data && memcmp(b, data, n) == 0);
  free(b);
  CHECK_EQ_INT(leftovers(""), 0);

  /* Two clients uploading to the same path at once do not mix; neither do
   * one client's two uploads with different Request-Tags. */
  const fs_caller other = {"127.0.0.1:6000", "127.0.0.1", ":client2", true};
  uint8_t A[64], B[64];
  memset(A, 'A', 64);
  memset(B, 'B', 64);
  CHECK_EQ_INT(put_block(s, &tu_anon, "/mix", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &other, "/mix", 0, true, 2, B, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/mix", 0, true, 2, B, 64, "t2", 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &other, "/mix", 1, false, 2, "b", 1, NULL, 0),
               OSCORE_CODE(2, 4));
  b = tu_read(root, "mix", &n);
  CHECK(b && n == 65 && memcmp(b, B, 64) == 0 && b[64] == 'b');
  free(b);
  CHECK_EQ_INT(put_block(s, &tu_anon, "/mix", 1, false, 2, "a", 1, NULL, 0),
               OSCORE_CODE(2, 4));
  b = tu_read(root, "mix", &n);
  CHECK(b && n == 65 && memcmp(b, A, 64) == 0 && b[64] == 'a');
  free(b);
  CHECK_EQ_INT(put_block(s, &tu_anon, "/mix", 1, false, 2, "t", 1, "t2", 0),
               OSCORE_CODE(2, 4));
  b = tu_read(root, "mix", &n);
  CHECK(b && n == 65 && memcmp(b, B, 64) == 0 && b[64] == 't');
  free(b);

  /* Out of order, never started, short middle block. */
  CHECK_EQ_INT(put_block(s, &tu_anon, "/ooo", 1, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(4, 8));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/ooo", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/ooo", 2, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(4, 8));
  CHECK(!tu_exists(root, "ooo"));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/ooo", 0, true, 2, A, 10, NULL, 0),
               OSCORE_CODE(4, 0));
  /* A block sent twice (its answer was lost) is accepted again. */
  CHECK_EQ_INT(put_block(s, &tu_anon, "/dup", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/dup", 1, true, 2, B, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/dup", 1, true, 2, B, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/dup", 2, false, 2, "z", 1, NULL, 0),
               OSCORE_CODE(2, 4));
  b = tu_read(root, "dup", &n);
  CHECK(b && n == 129 && memcmp(b + 64, B, 64) == 0);
  free(b);
  CHECK_EQ_INT(leftovers(""), 0);

  /* Preconditions hold at the end too: the file changed under the upload. */
  tu_write(root, "race.txt", "v1", 2);
  uint8_t et[8];
  etag_of_file("race.txt", et);
  treq q;
  treq_init(&q, OSCORE_CODE_PUT, "/race.txt");
  treq_uint(&q, OSCORE_OPT_BLOCK1, 0 << 4 | 8 | 2);
  treq_opt(&q, OSCORE_OPT_IF_MATCH, et, 8);
  treq_payload(&q, A, 64);
  CHECK_EQ_INT(send_req(s, &tu_anon, &q, 0), OSCORE_CODE(2, 31));
  char p[1024], t[1024];
  snprintf(t, sizeof t, "%s/.x", root);
  snprintf(p, sizeof p, "%s/race.txt", root);
  FILE *f = fopen(t, "wb");
  fputs("v2", f);
  fclose(f);
  rename(t, p);
  CHECK_EQ_INT(put_block(s, &tu_anon, "/race.txt", 1, false, 2, "x", 1, NULL,
                         0), OSCORE_CODE(4, 12));
  CHECK(content_is("race.txt", "v2"));
  /* ... and If-None-Match when someone created the file meanwhile. */
  treq_init(&q, OSCORE_CODE_PUT, "/late.txt");
  treq_uint(&q, OSCORE_OPT_BLOCK1, 0 << 4 | 8 | 2);
  treq_opt(&q, OSCORE_OPT_IF_NONE_MATCH, NULL, 0);
  treq_payload(&q, A, 64);
  CHECK_EQ_INT(send_req(s, &tu_anon, &q, 0), OSCORE_CODE(2, 31));
  tu_write(root, "late.txt", "first", 5);
  CHECK_EQ_INT(put_block(s, &tu_anon, "/late.txt", 1, false, 2, "x", 1, NULL,
                         0), OSCORE_CODE(4, 12));
  CHECK(content_is("late.txt", "first"));
  CHECK_EQ_INT(leftovers(""), 0);
}

static void test_limits(void) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  cfg.write = true;
  cfg.uploads.max_uploads = 2;
  cfg.uploads.max_size = 100;
  cfg.uploads.timeout_ms = 1000;
  fs_server *s = tu_server(&cfg);
  uint8_t A[64];
  memset(A, 'A', 64);

  treq q;
  treq_init(&q, OSCORE_CODE_PUT, "/big");
  treq_uint(&q, OSCORE_OPT_BLOCK1, 8 | 2);
  treq_uint(&q, OSCORE_OPT_SIZE1, 101);
  treq_payload(&q, A, 64);
  CHECK_EQ_INT(send_req(s, &tu_anon, &q, 0), OSCORE_CODE(4, 13));
  CHECK_EQ_INT(reply_uint(&r, OSCORE_OPT_SIZE1), 100);
  CHECK_EQ_INT(put_block(s, &tu_anon, "/big", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/big", 1, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(4, 13));
  CHECK(!tu_exists(root, "big"));

  CHECK_EQ_INT(put_block(s, &tu_anon, "/u1", 0, true, 2, A, 64, NULL, 10),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/u2", 0, true, 2, A, 64, NULL, 20),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/u3", 0, true, 2, A, 64, NULL, 30),
               OSCORE_CODE(5, 3));
  /* A whole-body PUT needs no slot. */
  CHECK_EQ_INT(put(s, "/whole", "w"), OSCORE_CODE(2, 4));
  CHECK(leftovers("") >= 2);
  /* Idle uploads expire, and their temporary files go with them. */
  fs_server_tick(s, 5000);
  CHECK_EQ_INT(leftovers(""), 0);
  CHECK_EQ_INT(put_block(s, &tu_anon, "/u1", 1, false, 2, "x", 1, NULL, 5000),
               OSCORE_CODE(4, 8));
  CHECK_EQ_INT(put_block(s, &tu_anon, "/u3", 0, true, 2, A, 64, NULL, 5000),
               OSCORE_CODE(2, 31));
  /* Shutting down drops uploads in progress. */
  fs_server_free(s);
  CHECK_EQ_INT(leftovers(""), 0);
}

/* One identity must not be able to block everyone's uploads: slots per
 * owner, a byte budget shared fairly, and expiry that resending a block
 * cannot postpone. */
static void test_owner_limits(void) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  cfg.write = true;
  cfg.uploads.lifetime_ms = 300000;
  fs_server *s = tu_server(&cfg);
  uint8_t A[64];
  memset(A, 'A', 64);
  const fs_caller hog = {"[::1]:7000", "::/64", ":hog", true};
  const fs_caller c3 = {"[::1]:7001", "::/64", ":client3", true};
  char path[32];
  /* Slots: the default four per identity, whatever the total. */
  for (int i = 0; i < 16; i++) {
    snprintf(path, sizeof path, "/hog%d", i);
    uint8_t code = put_block(s, &hog, path, 0, true, 2, A, 64, NULL, 0);
    CHECK_EQ_INT(code, i < FS_UPLOADS_PER_OWNER_DEFAULT ? OSCORE_CODE(2, 31)
                                                        : OSCORE_CODE(5, 3));
  }
  CHECK(reply_uint(&r, OSCORE_OPT_MAX_AGE) > 0);
  CHECK_EQ_INT(put_block(s, &tu_client1, "/mine", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  /* Unprotected callers are counted per address: new ports do not help. */
  for (int i = 0; i < 6; i++) {
    char peer[32];
    snprintf(peer, sizeof peer, "127.0.0.9:%d", 5000 + i);
    const fs_caller anon = {peer, "127.0.0.9", "anonymous", false};
    snprintf(path, sizeof path, "/anon%d", i);
    CHECK_EQ_INT(put_block(s, &anon, path, 0, true, 2, A, 64, NULL, 0),
                 i < FS_UPLOADS_PER_OWNER_DEFAULT ? OSCORE_CODE(2, 31)
                                                  : OSCORE_CODE(5, 3));
  }
  const fs_caller other_host = {"127.0.0.10:5000", "127.0.0.10", "anonymous",
                                false};
  CHECK_EQ_INT(put_block(s, &other_host, "/anonx", 0, true, 2, A, 64, NULL,
                         0), OSCORE_CODE(2, 31));
  /* IPv6: per /64, the block one host usually has. */
  for (int i = 0; i < 6; i++) {
    char peer[64];
    snprintf(peer, sizeof peer, "[2001:db8:1:2::%x]:%d", i + 1, 6000 + i);
    const fs_caller anon = {peer, "2001:db8:1:2::/64", "anonymous", false};
    snprintf(path, sizeof path, "/anon6-%d", i);
    CHECK_EQ_INT(put_block(s, &anon, path, 0, true, 2, A, 64, NULL, 0),
                 i < FS_UPLOADS_PER_OWNER_DEFAULT ? OSCORE_CODE(2, 31)
                                                  : OSCORE_CODE(5, 3));
  }
  const fs_caller other_net = {"[2001:db8:1:3::1]:6000", "2001:db8:1:3::/64",
                               "anonymous", false};
  CHECK_EQ_INT(put_block(s, &other_net, "/anon6x", 0, true, 2, A, 64, NULL,
                         0), OSCORE_CODE(2, 31));
  fs_server_free(s);
  CHECK_EQ_INT(leftovers(""), 0);

  /* Bytes: 512 in all, at most 256 for one owner. */
  cfg.uploads.budget = 512;
  s = tu_server(&cfg);
  for (uint32_t i = 0; i < 5; i++)
    CHECK_EQ_INT(put_block(s, &hog, "/fat", i, true, 2, A, 64, NULL, 0),
                 i < 4 ? OSCORE_CODE(2, 31) : OSCORE_CODE(5, 3));
  CHECK_EQ_INT(put_block(s, &hog, "/fat2", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(5, 3));
  for (uint32_t i = 0; i < 4; i++)
    CHECK_EQ_INT(put_block(s, &tu_client1, "/lean", i, true, 2, A, 64, NULL,
                           0), OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &c3, "/late", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(5, 3));
  /* Finishing needs no room, and whole-body PUTs hold nothing. */
  CHECK_EQ_INT(put_block(s, &hog, "/fat", 4, false, 2, "end", 3, NULL, 0),
               OSCORE_CODE(2, 4));
  CHECK(tu_exists(root, "fat"));
  CHECK_EQ_INT(put_block(s, &c3, "/late", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  fs_server_free(s);

  /* Resending the same block is not activity: idle expiry still comes. */
  cfg.uploads.budget = FS_UPLOAD_BUDGET_DEFAULT;
  s = tu_server(&cfg);
  CHECK_EQ_INT(put_block(s, &hog, "/slow", 0, true, 2, A, 64, NULL, 0),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &hog, "/slow", 1, true, 2, A, 64, NULL, 50000),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &hog, "/slow", 1, true, 2, A, 64, NULL, 100000),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &hog, "/slow", 1, true, 2, A, 64, NULL, 150000),
               OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &hog, "/slow", 1, true, 2, A, 64, NULL, 200000),
               OSCORE_CODE(4, 8));
  /* Progress keeps an upload alive, but not past its lifetime. */
  uint32_t i = 0;
  for (uint64_t t = 0; t < 300000; t += 50000, i++)
    CHECK_EQ_INT(put_block(s, &hog, "/steady", i, true, 2, A, 64, NULL,
                           1000000 + t), OSCORE_CODE(2, 31));
  CHECK_EQ_INT(put_block(s, &hog, "/steady", i, true, 2, A, 64, NULL,
                         1300000), OSCORE_CODE(4, 8));
  CHECK_EQ_INT(leftovers(""), 0);
  fs_server_free(s);
}

static uint8_t del(fs_server *s, const char *path, const void *if_match,
                   size_t len) {
  treq q;
  treq_init(&q, OSCORE_CODE_DELETE, path);
  if (if_match)
    treq_opt(&q, OSCORE_OPT_IF_MATCH, if_match, len);
  return send_req(s, &tu_anon, &q, 0);
}

static void test_delete(fs_server *s) {
  tu_write(root, "d.txt", "d", 1);
  CHECK_EQ_INT(del(s, "/nope.txt", NULL, 0), OSCORE_CODE(4, 4));
  CHECK(reply_text_is(&r, "Error: File not found!"));
  CHECK_EQ_INT(del(s, "/d.txt", "badetag!", 8), OSCORE_CODE(4, 12));
  CHECK(tu_exists(root, "d.txt"));
  CHECK_EQ_INT(del(s, "/nope.txt", "badetag!", 8), OSCORE_CODE(4, 4));
  uint8_t et[8];
  etag_of_file("d.txt", et);
  CHECK_EQ_INT(del(s, "/d.txt", et, 8), OSCORE_CODE(2, 2));
  CHECK(!tu_exists(root, "d.txt"));
  tu_write(root, "d2.txt", "d", 1);
  CHECK_EQ_INT(del(s, "/d2.txt", NULL, 0), OSCORE_CODE(2, 2));
  CHECK(!tu_exists(root, "d2.txt"));
  CHECK_EQ_INT(del(s, "/sub", NULL, 0), OSCORE_CODE(4, 0));
  CHECK_EQ_INT(del(s, "/sub/", NULL, 0), OSCORE_CODE(4, 0));
  CHECK(tu_exists(root, "sub"));
  CHECK_EQ_INT(del(s, "/../outside.txt", NULL, 0), OSCORE_CODE(4, 0));
  CHECK(tu_exists(top, "outside.txt"));
  CHECK_EQ_INT(del(s, "/outdir/target.txt", NULL, 0), OSCORE_CODE(4, 3));
  CHECK(tu_exists(top, "elsewhere/target.txt"));
  /* A link is removed itself, never what it points to. */
  tu_symlink("../outside.txt", root, "link2");
  CHECK_EQ_INT(del(s, "/link2", NULL, 0), OSCORE_CODE(2, 2));
  CHECK(!tu_exists(root, "link2"));
  CHECK(tu_exists(top, "outside.txt"));
}

int main(void) {
  snprintf(top, sizeof top, "%s", tu_mkdtemp());
  snprintf(root, sizeof root, "%s/root", top);
  tu_mkdir(top, "root");
  tu_mkdir(top, "elsewhere");
  tu_write(top, "elsewhere/target.txt", "t", 1);
  tu_write(top, "outside.txt", "outside", 7);
  tu_mkdir(root, "sub");
  tu_symlink("../elsewhere", root, "outdir");
  tu_symlink("../outside.txt", root, "escape");
  char p[1024];
  snprintf(p, sizeof p, "%s/pipe", root);
  mkfifo(p, 0644);

  test_readonly();
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  cfg.write = true;
  fs_server *s = tu_server(&cfg);
  test_put_simple(s);
  test_conditions(s);
  test_blockwise(s);
  test_delete(s);
  fs_server_free(s);
  test_limits();
  test_owner_limits();
  tu_rmtree(top);
  return unit_summary("test_fs_put");
}
