/* Temporary upload files left by a crash are removed at start: only our
 * own names, only regular files, only where the server may write, never
 * through a symbolic link. */
#include "fs_testutil.h"

#include "fs_leftovers.h"

#define TMP ".oscore-fs-upload-0123456789abcdef"

static char top[512];
static char root[600];

static void plant(void) {
  tu_write(root, TMP, "x", 1);
  tu_write(root, "a/" TMP, "x", 1);
  tu_write(root, "a/b/c/" TMP, "x", 1);
  tu_write(root, "up/" TMP, "x", 1);
  tu_write(root, ".hid/" TMP, "x", 1);
}

static int count_left(void) {
  const char *where[] = {TMP, "a/" TMP, "a/b/c/" TMP, "up/" TMP,
                         ".hid/" TMP};
  int n = 0;
  for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
    n += tu_exists(root, where[i]);
  return n;
}

static fs_server *start(bool write, bool hidden, const char *rules) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  cfg.write = write;
  cfg.hidden = hidden;
  cfg.access_file = rules;
  return tu_server(&cfg);
}

static void test_names(void) {
  CHECK(fs_leftovers_is_tmp_name(TMP));
  CHECK(!fs_leftovers_is_tmp_name(".oscore-fs-upload-0123456789abcde"));
  CHECK(!fs_leftovers_is_tmp_name(".oscore-fs-upload-0123456789abcdef0"));
  CHECK(!fs_leftovers_is_tmp_name(".oscore-fs-upload-0123456789ABCDEF"));
  CHECK(!fs_leftovers_is_tmp_name(".oscore-fs-upload-0123456789abcdeg"));
  CHECK(!fs_leftovers_is_tmp_name("oscore-fs-upload-0123456789abcdef"));
}

int main(void) {
  snprintf(top, sizeof top, "%s", tu_mkdtemp());
  snprintf(root, sizeof root, "%s/root", top);
  tu_mkdir(top, "root");
  tu_mkdir(top, "outside");
  tu_write(top, "outside/" TMP, "keep", 4);
  tu_mkdir(root, "a");
  tu_mkdir(root, "a/b");
  tu_mkdir(root, "a/b/c");
  tu_mkdir(root, "up");
  tu_mkdir(root, ".hid");
  /* Never followed: a link to a directory outside, a link named like our
   * files (to a file outside), a directory named like them. */
  tu_symlink("../outside", root, "linkdir");
  tu_symlink("../../outside/" TMP, root, "up/.oscore-fs-upload-"
             "fedcba9876543210");
  tu_mkdir(root, "a/.oscore-fs-upload-00000000000000aa");
  tu_write(root, "a/.oscore-fs-upload-notours", "keep", 4);
  test_names();

  /* Read-only: nothing is touched. */
  plant();
  fs_server *s = start(false, false, NULL);
  CHECK_EQ_INT(fs_server_leftovers_removed(s), 0);
  CHECK_EQ_INT(count_left(), 5);
  fs_server_free(s);

  /* --write: everywhere but in hidden directories. */
  s = start(true, false, NULL);
  CHECK_EQ_INT(fs_server_leftovers_removed(s), 4);
  CHECK_EQ_INT(count_left(), 1);
  CHECK(tu_exists(root, ".hid/" TMP));
  fs_server_free(s);
  /* ... and there too with --hidden. */
  s = start(true, true, NULL);
  CHECK_EQ_INT(fs_server_leftovers_removed(s), 1);
  CHECK_EQ_INT(count_left(), 0);
  fs_server_free(s);

  /* With rules, only where someone may write. */
  plant();
  char rules[700];
  snprintf(rules, sizeof rules, "%s/rules.json", top);
  const char *json = "{ \":c\": { \"/\": \"r\", \"/up/\": \"rw\" },"
                     "  \":d\": { \"/up\": \"w\", \"/a/b/\": \"w\" } }";
  tu_write("", rules, json, strlen(json));
  s = start(true, false, rules);
  CHECK_EQ_INT(fs_server_leftovers_removed(s), 2);
  CHECK(!tu_exists(root, "up/" TMP));
  CHECK(!tu_exists(root, "a/b/c/" TMP));
  CHECK(tu_exists(root, TMP));
  CHECK(tu_exists(root, "a/" TMP));
  fs_server_free(s);

  /* What was not ours, or reached through a link, is still there. */
  CHECK(tu_exists(top, "outside/" TMP));
  CHECK(tu_exists(root, "up/.oscore-fs-upload-fedcba9876543210"));
  CHECK(tu_exists(root, "a/.oscore-fs-upload-00000000000000aa"));
  CHECK(tu_exists(root, "a/.oscore-fs-upload-notours"));
  tu_rmtree(top);
  return unit_summary("test_fs_leftovers");
}
