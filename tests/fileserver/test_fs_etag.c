/* ETags: derived from the stat of the descriptor that is read, truncated to
 * --etag-length, changing with the file, 2.03 Valid on a match. */
#include "fs_testutil.h"

#include <sys/time.h>
#include "fs_etag.h"

static void test_of_stat(void) {
  struct stat a;
  memset(&a, 0, sizeof a);
  a.st_mtim.tv_sec = 1700000000;
  a.st_mtim.tv_nsec = 123456789;
  a.st_ctim = a.st_mtim;
  a.st_size = 42;
  a.st_ino = 1000;
  uint8_t e1[8], e2[8];
  CHECK_EQ_INT(fs_etag_of_stat(&a, 8, e1), 8);
  CHECK_EQ_INT(fs_etag_of_stat(&a, 8, e2), 8);
  CHECK(memcmp(e1, e2, 8) == 0);
  /* Shorter ETags are prefixes of the long one. */
  for (size_t n = 1; n < 8; n++) {
    uint8_t e[8];
    CHECK_EQ_INT(fs_etag_of_stat(&a, n, e), n);
    CHECK(memcmp(e, e1, n) == 0);
  }
  CHECK_EQ_INT(fs_etag_of_stat(&a, 0, e2), 0);
  CHECK_EQ_INT(fs_etag_of_stat(&a, 99, e2), 8);
  /* Each input matters. */
  struct stat b = a;
  b.st_mtim.tv_nsec++;
  fs_etag_of_stat(&b, 8, e2);
  CHECK(memcmp(e1, e2, 8) != 0);
  b = a;
  b.st_ctim.tv_sec++;
  fs_etag_of_stat(&b, 8, e2);
  CHECK(memcmp(e1, e2, 8) != 0);
  b = a;
  b.st_size++;
  fs_etag_of_stat(&b, 8, e2);
  CHECK(memcmp(e1, e2, 8) != 0);
  b = a;
  b.st_ino++;
  fs_etag_of_stat(&b, 8, e2);
  CHECK(memcmp(e1, e2, 8) != 0);
  /* Known answer: SHA-256("(1700000000123456789, 1700000000123456789, 42,
   * 1000)") starts with these bytes (computed with sha256sum). */
  uint8_t want[8];
  CHECK_EQ_INT(unit_hex("b52be7c1747d205c", want, 8), 8);
  CHECK(memcmp(e1, want, 8) == 0);

  CHECK_EQ_INT(fs_etag_of_bytes("abc", 3, 8, e1), 8);
  CHECK_EQ_INT(fs_etag_of_bytes("abd", 3, 8, e2), 8);
  CHECK(memcmp(e1, e2, 8) != 0);
  /* SHA-256("abc") = ba7816bf 8f01cfea ... */
  uint8_t abc[8] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea};
  CHECK(memcmp(e1, abc, 8) == 0);
}

static fs_reply r;

static void get_with_etag(fs_server *s, const char *path, const void *etag,
                          size_t len) {
  treq q;
  treq_init(&q, OSCORE_CODE_GET, path);
  if (etag)
    treq_opt(&q, OSCORE_OPT_ETAG, etag, len);
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
}

static void test_serve(const char *root) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  fs_server *s = tu_server(&cfg);
  tu_write(root, "f.txt", "version one", 11);

  /* Asking with some ETag gets the current one back. */
  get_with_etag(s, "/f.txt", "zzzzzzzz", 8);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 5));
  const oscore_opt *o = reply_opt(&r, OSCORE_OPT_ETAG);
  CHECK(o && o->value.len == 8);
  uint8_t cur[8] = {0};
  if (o)
    memcpy(cur, o->value.ptr, 8);

  /* It matches what the file's stat gives. */
  char p[1024];
  snprintf(p, sizeof p, "%s/f.txt", root);
  struct stat st;
  stat(p, &st);
  uint8_t mine[8];
  fs_etag_of_stat(&st, 8, mine);
  CHECK(memcmp(mine, cur, 8) == 0);

  /* The current ETag: 2.03 Valid with the ETag and no payload. */
  get_with_etag(s, "/f.txt", cur, 8);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 3));
  CHECK_EQ_INT(r.msg.payload.len, 0);
  o = reply_opt(&r, OSCORE_OPT_ETAG);
  CHECK(o && o->value.len == 8 && memcmp(o->value.ptr, cur, 8) == 0);

  /* Several ETags, one of them current. */
  treq q;
  treq_init(&q, OSCORE_CODE_GET, "/f.txt");
  treq_opt(&q, OSCORE_OPT_ETAG, "old1", 4);
  treq_opt(&q, OSCORE_OPT_ETAG, cur, 8);
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 3));

  /* Replace the file the way our PUT does (new inode) with the same size
   * and the same mtime: the ETag still changes. */
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s/.tmp", root);
  FILE *f = fopen(tmp, "wb");
  fwrite("version two", 1, 11, f);
  fclose(f);
  struct timespec ts[2] = {st.st_atim, st.st_mtim};
  utimensat(AT_FDCWD, tmp, ts, 0);
  rename(tmp, p);
  get_with_etag(s, "/f.txt", cur, 8);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "version two"));
  o = reply_opt(&r, OSCORE_OPT_ETAG);
  CHECK(o && memcmp(o->value.ptr, cur, 8) != 0);
  fs_server_free(s);

  /* --etag-length 3 and 0. */
  cfg.etag_length = 3;
  s = tu_server(&cfg);
  get_with_etag(s, "/f.txt", "x", 1);
  o = reply_opt(&r, OSCORE_OPT_ETAG);
  CHECK(o && o->value.len == 3);
  fs_server_free(s);
  cfg.etag_length = 0;
  s = tu_server(&cfg);
  get_with_etag(s, "/f.txt", "x", 1);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 5));
  CHECK(reply_opt(&r, OSCORE_OPT_ETAG) == NULL);
  get_with_etag(s, "/", NULL, 0);
  CHECK(reply_opt(&r, OSCORE_OPT_ETAG) == NULL);
  fs_server_free(s);

  /* Directory ETags follow the listing. */
  cfg.etag_length = 8;
  s = tu_server(&cfg);
  get_with_etag(s, "/", NULL, 0);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 5));
  o = reply_opt(&r, OSCORE_OPT_ETAG);
  CHECK(o != NULL);
  uint8_t d1[8] = {0};
  if (o)
    memcpy(d1, o->value.ptr, 8);
  get_with_etag(s, "/", d1, 8);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 3));
  tu_write(root, "g.txt", "new", 3);
  get_with_etag(s, "/", d1, 8);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 5));
  o = reply_opt(&r, OSCORE_OPT_ETAG);
  CHECK(o && memcmp(o->value.ptr, d1, 8) != 0);
  fs_server_free(s);
}

int main(void) {
  test_of_stat();
  const char *root = tu_mkdtemp();
  test_serve(root);
  tu_rmtree(root);
  return unit_summary("test_fs_etag");
}
