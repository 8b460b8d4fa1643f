/* Lookups kept between GETs (fs_lookup_cache): a kept file is used only
 * while inotify reported nothing, so every change a fresh lookup would see
 * is seen: the file rewritten in place (new content and new ETag on the
 * very next GET), replaced by rename, removed, chmod-ed, written through a
 * hard link in a directory that is not watched, its directory renamed and
 * another put in its place. Paths through a symbolic link and directories
 * are never kept; the tick closes idle entries. */
#include "fs_testutil.h"

#include <fcntl.h>
#include "fs_lookup_cache.h"
#include "fs_path.h"

static fs_reply r;

static uint8_t get(fs_server *s, const char *path) {
  return tu_get(s, path, &r);
}

static void path_of(char *out, size_t cap, const char *root, const char *rel) {
  snprintf(out, cap, "%s/%s", root, rel);
}

static void rewrite_in_place(const char *root, const char *rel,
                             const char *text) {
  char p[1024];
  path_of(p, sizeof p, root, rel);
  int fd = open(p, O_WRONLY);
  CHECK(fd >= 0);
  if (fd < 0)
    return;
  CHECK_EQ_INT(pwrite(fd, text, strlen(text), 0), (long)strlen(text));
  close(fd);
}

/* Through the server: a write followed by a GET sees the new bytes and a
 * new ETag, however the file was changed. */
static void test_server(const char *root) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  tu_mkdir(root, "d");
  tu_write(root, "d/f.txt", "one", 3);
  fs_server *s = tu_server(&cfg);

  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "one"));
  /* A small answer carries its ETag when the request has one (another
   * one: the answer is then the body). */
  treq q;
  treq_init(&q, OSCORE_CODE_GET, "/d/f.txt");
  treq_opt(&q, OSCORE_OPT_ETAG, "none", 4);
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
  const oscore_opt *et = reply_opt(&r, OSCORE_OPT_ETAG);
  uint8_t etag1[8] = {0};
  size_t etag1_len = et ? et->value.len : 0;
  CHECK(et != NULL);
  if (et)
    memcpy(etag1, et->value.ptr, etag1_len);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
    CHECK(reply_text_is(&r, "one"));
  }

  /* Rewritten in place, same length, same inode. */
  rewrite_in_place(root, "d/f.txt", "ONE");
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
  CHECK(reply_text_is(&r, "ONE"));
  et = reply_opt(&r, OSCORE_OPT_ETAG);
  CHECK(et != NULL && (et->value.len != etag1_len ||
                       memcmp(et->value.ptr, etag1, etag1_len) != 0));

  /* Replaced by rename. */
  tu_write(root, "d/.new", "two!", 4);
  char a[1024], b[1024];
  path_of(a, sizeof a, root, "d/.new");
  path_of(b, sizeof b, root, "d/f.txt");
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
  CHECK_EQ_INT(rename(a, b), 0);
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "two!"));

  /* Written through a hard link in a directory no lookup passed. */
  tu_mkdir(root, "other");
  char l[1024];
  path_of(l, sizeof l, root, "other/link");
  CHECK_EQ_INT(link(b, l), 0);
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
  rewrite_in_place(root, "other/link", "TWO!");
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "TWO!"));

  /* Its directory renamed, another one put in its place. */
  char d1[1024], d2[1024];
  path_of(d1, sizeof d1, root, "d");
  path_of(d2, sizeof d2, root, "d-old");
  CHECK_EQ_INT(rename(d1, d2), 0);
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(4, 4));
  tu_mkdir(root, "d");
  tu_write(root, "d/f.txt", "three", 5);
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "three"));

  /* Removed. */
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(2, 5));
  path_of(b, sizeof b, root, "d/f.txt");
  CHECK_EQ_INT(unlink(b), 0);
  CHECK_EQ_INT(get(s, "/d/f.txt"), OSCORE_CODE(4, 4));
  fs_server_free(s);
}

/* The cache alone: what is kept and when it is dropped. */
static void test_cache(const char *root) {
  fs_root fr;
  CHECK_EQ_INT(fs_root_open(root, false, false, &fr), FS_OK);
  fs_lookup_cache *c = fs_lookup_cache_new();
  CHECK(c != NULL);
  if (!c)
    return;
  tu_mkdir(root, "k");
  tu_write(root, "k/a", "aaa", 3);
  tu_symlink("k", root, "via");

  int fd;
  struct stat st;
  fs_resolved where;
  bool owned;
  CHECK_EQ_INT(fs_lookup_cache_get(c, "k/a", &st), -1);
  CHECK_EQ_INT(fs_lookup_cache_open(c, &fr, "k/a", &fd, &st, &where, &owned),
               FS_PATH_OK);
  CHECK(!owned);
  int kept = fs_lookup_cache_get(c, "k/a", &st);
  CHECK_EQ_INT(kept, fd);
  CHECK_EQ_INT(st.st_size, 3);

  /* Through a link: resolved, answered, never kept. */
  CHECK_EQ_INT(fs_lookup_cache_open(c, &fr, "via/a", &fd, &st, &where, &owned),
               FS_PATH_OK);
  CHECK(owned);
  if (owned)
    close(fd);
  CHECK_EQ_INT(fs_lookup_cache_get(c, "via/a", &st), -1);

  /* A directory: never kept. */
  CHECK_EQ_INT(fs_lookup_cache_open(c, &fr, "k", &fd, &st, &where, &owned),
               FS_PATH_OK);
  CHECK(owned);
  if (owned)
    close(fd);

  /* A chmod is a change: everything goes. */
  unsigned long before = fs_lookup_cache_flushes(c);
  char p[1024];
  path_of(p, sizeof p, root, "k/a");
  CHECK_EQ_INT(chmod(p, 0600), 0);
  CHECK_EQ_INT(fs_lookup_cache_get(c, "k/a", &st), -1);
  CHECK_EQ_INT(fs_lookup_cache_flushes(c), before + 1);

  /* Kept again; two ticks without use close it. */
  CHECK_EQ_INT(fs_lookup_cache_open(c, &fr, "k/a", &fd, &st, &where, &owned),
               FS_PATH_OK);
  CHECK(!owned);
  fs_lookup_cache_tick(c);
  CHECK(fs_lookup_cache_get(c, "k/a", &st) >= 0);
  fs_lookup_cache_tick(c);
  fs_lookup_cache_tick(c);
  CHECK_EQ_INT(fs_lookup_cache_get(c, "k/a", &st), -1);

  /* More files than entries: the least recently used make room. */
  for (int i = 0; i < FS_LOOKUP_CACHE_ENTRIES + 4; i++) {
    char name[32];
    snprintf(name, sizeof name, "k/n%d", i);
    tu_write(root, name, "n", 1);
  }
  for (int i = 0; i < FS_LOOKUP_CACHE_ENTRIES + 4; i++) {
    char name[32];
    snprintf(name, sizeof name, "k/n%d", i);
    CHECK_EQ_INT(fs_lookup_cache_open(c, &fr, name, &fd, &st, &where, &owned),
                 FS_PATH_OK);
    if (owned)
      close(fd);
  }
  CHECK_EQ_INT(fs_lookup_cache_get(c, "k/n0", &st), -1);
  CHECK(fs_lookup_cache_get(c, "k/n35", &st) >= 0);

  /* No cache at all: every open is the caller's. */
  CHECK_EQ_INT(fs_lookup_cache_open(NULL, &fr, "k/a", &fd, &st, &where,
                                    &owned), FS_PATH_OK);
  CHECK(owned);
  if (owned)
    close(fd);
  CHECK_EQ_INT(fs_lookup_cache_get(NULL, "k/a", &st), -1);
  fs_lookup_cache_free(c);
  fs_root_close(&fr);
}

int main(void) {
  const char *root = tu_mkdtemp();
  test_server(root);
  test_cache(root);
  tu_rmtree(root);
  return unit_summary("test_fs_lookup_cache");
}
