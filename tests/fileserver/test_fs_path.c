/* Path safety: nothing outside the served root is reachable, whatever the
 * Uri-Path says and whatever symlinks, FIFOs or devices lie in the tree;
 * hidden names only with --hidden. Both resolution paths are tested: the
 * openat2(RESOLVE_BENEATH) one and the O_NOFOLLOW walk for old kernels. */
#include "fs_testutil.h"

#include <errno.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include "fs_path.h"

static char root[512];
static char top_abs[512];

static void build_tree(void) {
  const char *top = tu_mkdtemp();
  snprintf(top_abs, sizeof top_abs, "%s", top);
  snprintf(root, sizeof root, "%s/root", top);
  tu_write(top, "outside.txt", "SECRET-OUTSIDE", 14);
  tu_mkdir(top, "root");
  tu_write(root, "a.txt", "hello", 5);
  tu_mkdir(root, "sub");
  tu_write(root, "sub/b.txt", "bee", 3);
  tu_write(root, ".secret", "hidden!", 7);
  tu_mkdir(root, "sub/.hid");
  tu_write(root, "sub/.hid/c.txt", "sea", 3);
  tu_symlink("a.txt", root, "link_in");
  tu_symlink("sub", root, "link_dir");
  tu_symlink("../outside.txt", root, "link_out");
  tu_symlink("/etc/passwd", root, "link_out_abs");
  tu_symlink("/dev/null", root, "link_dev");
  tu_symlink("../../outside.txt", root, "sub/up");
  tu_symlink("..", root, "sub/parent");
  tu_symlink("loop2", root, "loop1");
  tu_symlink("loop1", root, "loop2");
  char p[1024];
  snprintf(p, sizeof p, "%s/fifo", root);
  if (mkfifo(p, 0644) < 0) {
    perror("mkfifo");
    exit(2);
  }
}

static uint8_t get_code(fs_server *s, const char *path, fs_reply *r) {
  treq q;
  treq_init(&q, OSCORE_CODE_GET, path);
  fs_serve(s, &tu_anon, &q.m, 0, r, NULL);
  return r->msg.code;
}

static bool payload_has(const fs_reply *r, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= r->msg.payload.len; i++)
    if (memcmp(r->msg.payload.ptr + i, needle, n) == 0)
      return true;
  return false;
}

static void test_parse(void) {
  treq q;
  fs_reqpath p;

  treq_init(&q, OSCORE_CODE_GET, "/a/b.txt");
  CHECK_EQ_INT(fs_path_parse(&q.m, false, &p), FS_PATH_OK);
  CHECK(strcmp(p.rel, "a/b.txt") == 0);
  CHECK(!p.dir);
  CHECK_EQ_INT(p.n_segments, 2);

  treq_init(&q, OSCORE_CODE_GET, "/");
  CHECK_EQ_INT(fs_path_parse(&q.m, false, &p), FS_PATH_OK);
  CHECK(p.dir && p.rel[0] == 0);

  treq_init(&q, OSCORE_CODE_GET, "/sub/");
  CHECK_EQ_INT(fs_path_parse(&q.m, false, &p), FS_PATH_OK);
  CHECK(p.dir && strcmp(p.rel, "sub") == 0);

  const char *bad[] = {"/..", "/../outside.txt", "/sub/..", "/.", "/./a.txt",
                       "/sub/../..", "/a//b", "//"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    treq_init(&q, OSCORE_CODE_GET, bad[i]);
    fs_path_res res = fs_path_parse(&q.m, true, &p);
    if (res != FS_PATH_BAD_SEGMENT)
      fprintf(stderr, "  path %s: %d\n", bad[i], res);
    CHECK_EQ_INT(res, FS_PATH_BAD_SEGMENT);
  }

  /* A segment that itself holds '/' or NUL. */
  treq_init(&q, OSCORE_CODE_GET, NULL);
  treq_opt(&q, OSCORE_OPT_URI_PATH, "../outside.txt", 14);
  CHECK_EQ_INT(fs_path_parse(&q.m, true, &p), FS_PATH_BAD_SEGMENT);
  treq_init(&q, OSCORE_CODE_GET, NULL);
  treq_opt(&q, OSCORE_OPT_URI_PATH, "a.txt\0.png", 10);
  CHECK_EQ_INT(fs_path_parse(&q.m, true, &p), FS_PATH_BAD_SEGMENT);
  treq_init(&q, OSCORE_CODE_GET, NULL);
  treq_opt(&q, OSCORE_OPT_URI_PATH, "/etc", 4);
  CHECK_EQ_INT(fs_path_parse(&q.m, true, &p), FS_PATH_BAD_SEGMENT);

  /* Hidden names, and the one hidden name that is a resource. */
  treq_init(&q, OSCORE_CODE_GET, "/.secret");
  CHECK_EQ_INT(fs_path_parse(&q.m, false, &p), FS_PATH_HIDDEN);
  CHECK_EQ_INT(fs_path_parse(&q.m, true, &p), FS_PATH_OK);
  treq_init(&q, OSCORE_CODE_GET, "/sub/.hid/c.txt");
  CHECK_EQ_INT(fs_path_parse(&q.m, false, &p), FS_PATH_HIDDEN);
  treq_init(&q, OSCORE_CODE_GET, "/.well-known/core");
  CHECK_EQ_INT(fs_path_parse(&q.m, false, &p), FS_PATH_OK);
  CHECK(p.well_known_core);
  treq_init(&q, OSCORE_CODE_GET, "/.well-known/core/");
  CHECK_EQ_INT(fs_path_parse(&q.m, false, &p), FS_PATH_HIDDEN);

  /* Too long: 40 segments of 200 bytes. */
  char seg[200];
  memset(seg, 'x', sizeof seg);
  treq_init(&q, OSCORE_CODE_GET, NULL);
  for (int i = 0; i < 40; i++)
    treq_opt(&q, OSCORE_OPT_URI_PATH, seg, sizeof seg);
  CHECK_EQ_INT(fs_path_parse(&q.m, false, &p), FS_PATH_TOO_LONG);
}

/* What the network would see, through fs_serve. */
static void test_serve(bool follow, bool hidden) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  cfg.follow_symlinks = follow;
  cfg.hidden = hidden;
  fs_server *s = tu_server(&cfg);
  fs_reply r;

  CHECK_EQ_INT(get_code(s, "/a.txt", &r), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "hello"));
  CHECK_EQ_INT(get_code(s, "/../outside.txt", &r), OSCORE_CODE(4, 0));
  CHECK(!payload_has(&r, "SECRET"));
  CHECK_EQ_INT(get_code(s, "/sub/../../outside.txt", &r), OSCORE_CODE(4, 0));
  CHECK_EQ_INT(get_code(s, "/link_in", &r), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "hello"));
  CHECK_EQ_INT(get_code(s, "/link_dir/b.txt", &r), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "bee"));
  CHECK_EQ_INT(get_code(s, "/sub/parent/a.txt", &r), OSCORE_CODE(2, 5));

  /* Links out of the root. */
  const char *out[] = {"/link_out", "/link_out_abs", "/sub/up"};
  for (size_t i = 0; i < 3; i++) {
    uint8_t c = get_code(s, out[i], &r);
    if (follow) {
      CHECK_EQ_INT(c, OSCORE_CODE(2, 5));
    } else {
      CHECK_EQ_INT(c, OSCORE_CODE(4, 3));
      CHECK(!payload_has(&r, "SECRET"));
      CHECK(!payload_has(&r, "root:"));
    }
  }
  if (follow) {
    get_code(s, "/link_out", &r);
    CHECK(reply_text_is(&r, "SECRET-OUTSIDE"));
  }
  /* /dev/null linked in: outside without --follow-symlinks, a device
   * with it; refused either way. */
  CHECK_EQ_INT(get_code(s, "/link_dev", &r), OSCORE_CODE(4, 3));
  CHECK(reply_text_is(&r, follow ? "Error: Not a regular file"
                          : "Error: Symbolic link leads outside the served "
                            "directory"));
  CHECK_EQ_INT(get_code(s, "/loop1", &r), OSCORE_CODE(4, 3));

  /* A FIFO nobody writes to: refused at once. alarm() turns a hang into
   * a failure. */
  alarm(10);
  CHECK_EQ_INT(get_code(s, "/fifo", &r), OSCORE_CODE(4, 3));
  CHECK(reply_text_is(&r, "Error: Not a regular file"));
  alarm(0);

  /* Hidden files. */
  uint8_t c = get_code(s, "/.secret", &r);
  CHECK_EQ_INT(c, hidden ? OSCORE_CODE(2, 5) : OSCORE_CODE(4, 4));
  if (!hidden)
    CHECK(reply_text_is(&r, "Error: File not found!"));
  c = get_code(s, "/sub/.hid/c.txt", &r);
  CHECK_EQ_INT(c, hidden ? OSCORE_CODE(2, 5) : OSCORE_CODE(4, 4));

  CHECK_EQ_INT(get_code(s, "/missing", &r), OSCORE_CODE(4, 4));
  CHECK(reply_text_is(&r, "Error: File not found!"));
  CHECK_EQ_INT(get_code(s, "/a.txt/x", &r), OSCORE_CODE(4, 4));
  fs_server_free(s);
}

/* The walk for kernels without openat2 (and valgrind, which lacks it)
 * must answer exactly like openat2 with RESOLVE_BENEATH: links that stay
 * inside the root are followed, everything else refused. */
static const struct {
  const char *rel;
  fs_path_res want;
} walk_cases[] = {
  {"a.txt", FS_PATH_OK},
  {"sub/b.txt", FS_PATH_OK},
  {"", FS_PATH_OK},
  {"link_in", FS_PATH_OK},
  {"link_dir/b.txt", FS_PATH_OK},
  {"link_dir", FS_PATH_OK},
  {"sub/parent/a.txt", FS_PATH_OK},
  {"sub/parent/sub/parent/link_in", FS_PATH_OK},
  {"chain", FS_PATH_OK},             /* -> link_in -> a.txt */
  {"dotty", FS_PATH_OK},             /* -> ./sub/../sub/./b.txt */
  {"dirslash/b.txt", FS_PATH_OK},    /* -> sub/ */
  {"link_out", FS_PATH_OUTSIDE},     /* -> ../outside.txt */
  {"link_out_abs", FS_PATH_OUTSIDE}, /* absolute */
  {"link_dev", FS_PATH_OUTSIDE},     /* absolute, /dev/null */
  {"sub/up", FS_PATH_OUTSIDE},       /* -> ../../outside.txt */
  {"sub/parent/sub/up", FS_PATH_OUTSIDE},
  {"above", FS_PATH_OUTSIDE},        /* -> sub/parent/.. */
  {"loop1", FS_PATH_OUTSIDE},        /* ELOOP */
  {"deep41", FS_PATH_OUTSIDE},       /* 42 links in a row: ELOOP */
  {"deep39", FS_PATH_OK},            /* 39 links in a row (limit 40) */
  {"a.txt/x", FS_PATH_NOT_FOUND},
  {"link_in/x", FS_PATH_NOT_FOUND},
  {"dangling", FS_PATH_NOT_FOUND},
  {"nope/x", FS_PATH_NOT_FOUND},
  {"fifo", FS_PATH_SPECIAL},
};

static void walk_links(bool make) {
  char name[32], target[32];
  const char *pairs[][2] = {{"link_in", "chain"},
                            {"./sub/../sub/./b.txt", "dotty"},
                            {"sub/", "dirslash"},
                            {"sub/parent/..", "above"},
                            {"missing.txt", "dangling"}};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    if (make) {
      tu_symlink(pairs[i][0], root, pairs[i][1]);
    } else {
      snprintf(name, sizeof name, "%s", pairs[i][1]);
      char p[1024];
      snprintf(p, sizeof p, "%s/%s", root, name);
      unlink(p);
    }
  }
  /* hop0 -> a.txt, hopN -> hop(N-1): deepN needs N+1 links. */
  for (int i = 0; i <= 40; i++) {
    char p[1024];
    snprintf(name, sizeof name, "hop%d", i);
    snprintf(p, sizeof p, "%s/%s", root, name);
    if (make) {
      if (i == 0)
        snprintf(target, sizeof target, "a.txt");
      else
        snprintf(target, sizeof target, "hop%d", i - 1);
      tu_symlink(target, root, name);
    } else {
      unlink(p);
    }
  }
  char p[1024];
  snprintf(p, sizeof p, "%s/deep41", root);
  if (make)
    tu_symlink("hop40", root, "deep41");
  else
    unlink(p);
  snprintf(p, sizeof p, "%s/deep39", root);
  if (make)
    tu_symlink("hop37", root, "deep39");
  else
    unlink(p);
}

static void test_walk(void) {
  walk_links(true);
  fs_root kernel, walk;
  CHECK_EQ_INT(fs_root_open(root, false, false, &kernel), FS_OK);
  CHECK_EQ_INT(fs_root_open(root, false, false, &walk), FS_OK);
  walk.use_openat2 = false;
  if (!kernel.use_openat2)
    fprintf(stderr, "note: no openat2 here (valgrind?), walk mode only\n");
  int fd;
  struct stat st;
  alarm(10);
  for (size_t i = 0; i < sizeof walk_cases / sizeof walk_cases[0]; i++) {
    fs_path_res w = fs_path_open(&walk, walk_cases[i].rel, &fd, &st, NULL);
    if (w == FS_PATH_OK)
      close(fd);
    if (w != walk_cases[i].want)
      fprintf(stderr, "walk: '%s'\n", walk_cases[i].rel);
    CHECK_EQ_INT(w, walk_cases[i].want);
    if (kernel.use_openat2) {
      fs_path_res k = fs_path_open(&kernel, walk_cases[i].rel, &fd, &st, NULL);
      if (k == FS_PATH_OK)
        close(fd);
      if (k != w)
        fprintf(stderr, "openat2 and walk differ on '%s'\n",
                walk_cases[i].rel);
      CHECK_EQ_INT(k, w);
    }
  }
  alarm(0);
  CHECK_EQ_INT(fs_path_open(&walk, "link_in", &fd, &st, NULL), FS_PATH_OK);
  close(fd);
  CHECK(S_ISREG(st.st_mode) && st.st_size == 5);
  CHECK_EQ_INT(fs_path_open(&walk, "link_dir", &fd, &st, NULL), FS_PATH_OK);
  close(fd);
  CHECK(S_ISDIR(st.st_mode));

  /* Parent lookup for writes. */
  const char *name;
  fs_root *both[] = {&walk, &kernel};
  for (int i = 0; i < (kernel.use_openat2 ? 2 : 1); i++) {
    CHECK_EQ_INT(fs_path_open_parent(both[i], "sub/new.txt", &fd, &name, NULL),
                 FS_PATH_OK);
    CHECK(strcmp(name, "new.txt") == 0);
    close(fd);
    CHECK_EQ_INT(fs_path_open_parent(both[i], "link_dir/new.txt", &fd,
                                     &name, NULL), FS_PATH_OK);
    close(fd);
    CHECK_EQ_INT(fs_path_open_parent(both[i], "sub/up/x", &fd, &name, NULL),
                 FS_PATH_OUTSIDE);
    CHECK_EQ_INT(fs_path_open_parent(both[i], "above/x", &fd, &name, NULL),
                 FS_PATH_OUTSIDE);
  }
  fs_root_close(&walk);
  fs_root_close(&kernel);
  walk_links(false);
}

/* A device node inside the tree (needs CAP_MKNOD; skipped otherwise). */
static void test_device(void) {
  char p[1024];
  snprintf(p, sizeof p, "%s/nulldev", root);
  if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) < 0) {
    fprintf(stderr, "note: mknod not permitted (%s), device node case "
            "covered by the /dev/null symlink only\n", strerror(errno));
    return;
  }
  fs_root r;
  CHECK_EQ_INT(fs_root_open(root, false, false, &r), FS_OK);
  int fd;
  struct stat st;
  CHECK_EQ_INT(fs_path_open(&r, "nulldev", &fd, &st, NULL), FS_PATH_SPECIAL);
  fs_root_close(&r);
  unlink(p);
}

int main(void) {
  signal(SIGALRM, SIG_DFL);
  build_tree();
  test_parse();
  test_serve(false, false);
  test_serve(false, true);
  test_serve(true, false);
  test_walk();
  test_device();
  tu_rmtree(top_abs);
  return unit_summary("test_fs_path");
}
