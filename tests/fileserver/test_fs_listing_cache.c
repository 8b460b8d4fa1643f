/* Listings are built once for a block-wise download, not once per block,
 * and built again when the directory changes, when they grow old, and
 * separately for callers whose rules differ. Counted, not timed:
 * fs_server_listings_built(). */
#include "fs_testutil.h"

#include <time.h>
#include "fs_listing_cache.h"

static char top[512];
static char root[600];
static fs_reply r;

/* Block |num| (16-byte blocks) of |path| at |now|; the code. */
static uint8_t get_block(fs_server *s, const fs_caller *c, const char *path,
                         uint32_t num, uint64_t now) {
  treq q;
  treq_init(&q, OSCORE_CODE_GET, path);
  treq_block2(&q, num, 0);
  fs_serve(s, c, &q.m, now, &r, NULL);
  return r.msg.code;
}

/* The whole listing of |path| fetched in 16-byte blocks at |now| into
 * |out|; false if a block failed or the ETag changed between blocks. */
static bool download(fs_server *s, const fs_caller *c, const char *path,
                     uint64_t now, char *out, size_t cap, uint8_t etag[8]) {
  size_t len = 0;
  for (uint32_t num = 0;; num++) {
    if (get_block(s, c, path, num, now) != OSCORE_CODE(2, 5))
      return false;
    const oscore_opt *e = reply_opt(&r, OSCORE_OPT_ETAG);
    if (!e || e->value.len != 8)
      return false;
    if (num == 0)
      memcpy(etag, e->value.ptr, 8);
    else if (memcmp(etag, e->value.ptr, 8) != 0)
      return false;
    if (len + r.msg.payload.len >= cap)
      return false;
    memcpy(out + len, r.msg.payload.ptr, r.msg.payload.len);
    len += r.msg.payload.len;
    long b2 = reply_uint(&r, OSCORE_OPT_BLOCK2);
    if (b2 < 0 || !(b2 & 8))
      break;
  }
  out[len] = 0;
  return true;
}

/* Set the directory's mtime a minute back: settled, so listings of it
 * may be kept. */
static void settle(const char *rel) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  struct timespec ts[2];
  clock_gettime(CLOCK_REALTIME, &ts[0]);
  ts[0].tv_sec -= 60;
  ts[1] = ts[0];
  if (utimensat(AT_FDCWD, p, ts, 0) != 0) {
    perror(p);
    exit(2);
  }
}

static void test_blockwise_once(void) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  fs_server *s = tu_server(&cfg);
  char body[4096], again[4096];
  uint8_t etag[8], etag2[8];
  settle("many");
  CHECK(download(s, &tu_anon, "/many/", 1000, body, sizeof body, etag));
  CHECK(strstr(body, "</many/file-07.txt>") != NULL);
  /* Many blocks, one build. */
  CHECK(strlen(body) > 10 * 16);
  CHECK_EQ_INT(fs_server_listings_built(s), 1);
  CHECK(download(s, &tu_anon, "/many/", 2000, again, sizeof again, etag2));
  CHECK_EQ_INT(fs_server_listings_built(s), 1);
  CHECK(strcmp(body, again) == 0 && memcmp(etag, etag2, 8) == 0);

  /* A new name changes the mtime: built again, new ETag, new entry. */
  tu_write(root, "many/zz-new.txt", "n", 1);
  CHECK(download(s, &tu_anon, "/many/", 3000, again, sizeof again, etag2));
  CHECK(strstr(again, "</many/zz-new.txt>") != NULL);
  CHECK(memcmp(etag, etag2, 8) != 0);
  size_t built = fs_server_listings_built(s);
  CHECK(built >= 2);
  /* Just changed, so not trusted yet: every request builds... */
  CHECK_EQ_INT(get_block(s, &tu_anon, "/many/", 0, 3001), OSCORE_CODE(2, 5));
  CHECK_EQ_INT(fs_server_listings_built(s), built + 1);
  /* ...until it has settled. */
  settle("many");
  CHECK(download(s, &tu_anon, "/many/", 4000, again, sizeof again, etag2));
  built = fs_server_listings_built(s);
  CHECK(download(s, &tu_anon, "/many/", 5000, again, sizeof again, etag2));
  CHECK_EQ_INT(fs_server_listings_built(s), built);
  /* Old listings are built again even when the directory looks the same
   * (a link in it may lead elsewhere now). */
  CHECK_EQ_INT(get_block(s, &tu_anon, "/many/", 0,
                         4000 + FS_LISTING_MAX_AGE_MS), OSCORE_CODE(2, 5));
  CHECK_EQ_INT(fs_server_listings_built(s), built + 1);
  /* A removal is seen too. */
  char p[1024];
  snprintf(p, sizeof p, "%s/many/zz-new.txt", root);
  unlink(p);
  CHECK(download(s, &tu_anon, "/many/", 20000, again, sizeof again, etag2));
  CHECK(strstr(again, "zz-new") == NULL);
  CHECK(strcmp(body, again) == 0 && memcmp(etag, etag2, 8) == 0);
  fs_server_free(s);
}

/* With rules, each caller gets its own listing, never another's. */
static void test_per_caller(void) {
  char rules[700];
  snprintf(rules, sizeof rules, "%s/rules.json", top);
  const char *json = "{ \"*\": { \"/\": \"r\", \"/many/file-03.txt\": \"\" },"
                     "  \":client1\": { \"/many/file-03.txt\": \"r\" } }";
  tu_write("", rules, json, strlen(json));
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  cfg.access_file = rules;
  fs_server *s = tu_server(&cfg);
  settle("many");
  char body[4096];
  uint8_t etag[8];
  CHECK(download(s, &tu_client1, "/many/", 1000, body, sizeof body, etag));
  CHECK(strstr(body, "file-03") != NULL);
  CHECK(download(s, &tu_anon, "/many/", 1000, body, sizeof body, etag));
  CHECK(strstr(body, "file-03") == NULL);
  CHECK_EQ_INT(fs_server_listings_built(s), 2);
  CHECK(download(s, &tu_client1, "/many/", 1000, body, sizeof body, etag));
  CHECK(strstr(body, "file-03") != NULL);
  CHECK_EQ_INT(fs_server_listings_built(s), 2);
  fs_server_free(s);
}

int main(void) {
  snprintf(top, sizeof top, "%s", tu_mkdtemp());
  snprintf(root, sizeof root, "%s/root", top);
  tu_mkdir(top, "root");
  tu_mkdir(root, "many");
  for (int i = 0; i < 20; i++) {
    char name[64];
    snprintf(name, sizeof name, "many/file-%02d.txt", i);
    tu_write(root, name, "x", 1);
  }
  test_blockwise_once();
  test_per_caller();
  tu_rmtree(top);
  return unit_summary("test_fs_listing_cache");
}
