/* Files kept open between GETs (fs_fdcache): what a GET returns is always
 * what the name leads to now. A file replaced by rename, rewritten in
 * place, made unreadable, removed, or swapped for a FIFO is seen as such
 * on the next GET; kept descriptors are closed after two idle ticks and
 * with the server. */
#include "fs_testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "fs_fdcache.h"

static fs_reply r;

static uint8_t get(fs_server *s, const char *path) {
  treq q;
  treq_init(&q, OSCORE_CODE_GET, path);
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
  return r.msg.code;
}

static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  if (!d)
    return -1;
  while (readdir(d))
    n++;
  closedir(d);
  return n;
}

static void test_serving(const char *root) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  tu_write(root, "f.txt", "one", 3);
  int before = open_fds();
  fs_server *s = tu_server(&cfg);
  int with_server = open_fds();

  CHECK_EQ_INT(get(s, "/f.txt"), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "one"));
  /* Kept: one descriptor here, and the lookup cache's (fs_lookup_cache.h;
   * its inotify descriptor is the server's from the start). */
  CHECK_EQ_INT(open_fds(), with_server + 2);
  for (int i = 0; i < 5; i++) {
    CHECK_EQ_INT(get(s, "/f.txt"), OSCORE_CODE(2, 5));
    CHECK(reply_text_is(&r, "one"));
  }
  CHECK_EQ_INT(open_fds(), with_server + 2);

  /* Replaced by rename (what our PUT does): the new inode. */
  tu_write(root, ".new", "two!", 4);
  char a[1024], b[1024];
  snprintf(a, sizeof a, "%s/.new", root);
  snprintf(b, sizeof b, "%s/f.txt", root);
  CHECK_EQ_INT(rename(a, b), 0);
  CHECK_EQ_INT(get(s, "/f.txt"), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "two!"));

  /* Rewritten in place (same inode). */
  FILE *f = fopen(b, "r+");
  CHECK(f != NULL);
  if (f) {
    fputs("TWO!", f);
    fclose(f);
  }
  CHECK_EQ_INT(get(s, "/f.txt"), OSCORE_CODE(2, 5));
  CHECK(reply_text_is(&r, "TWO!"));

  /* Permissions taken away: a fresh open decides (as root the kernel
   * still allows it, so only an unprivileged run can see the refusal). */
  CHECK_EQ_INT(chmod(b, 0), 0);
  uint8_t code = get(s, "/f.txt");
  if (geteuid() != 0)
    CHECK_EQ_INT(code, OSCORE_CODE(4, 3));
  else
    CHECK_EQ_INT(code, OSCORE_CODE(2, 5));
  CHECK_EQ_INT(chmod(b, 0644), 0);

  /* Removed: gone, whatever is kept. */
  CHECK_EQ_INT(unlink(b), 0);
  CHECK_EQ_INT(get(s, "/f.txt"), OSCORE_CODE(4, 4));

  /* Swapped for a FIFO: refused without opening it (a FIFO opened for
   * reading would not block with O_NONBLOCK, but is never opened). */
  tu_write(root, "p", "file", 4);
  CHECK_EQ_INT(get(s, "/p"), OSCORE_CODE(2, 5));
  char p[1024];
  snprintf(p, sizeof p, "%s/p", root);
  unlink(p);
  CHECK_EQ_INT(mkfifo(p, 0644), 0);
  CHECK_EQ_INT(get(s, "/p"), OSCORE_CODE(4, 3));
  unlink(p);

  /* Two idle ticks close what is kept; the server's own close the rest. */
  tu_write(root, "g.txt", "g", 1);
  CHECK_EQ_INT(get(s, "/g.txt"), OSCORE_CODE(2, 5));
  CHECK(open_fds() > with_server);
  fs_server_tick(s, 1000);
  fs_server_tick(s, 2000);
  CHECK_EQ_INT(open_fds(), with_server);
  CHECK_EQ_INT(get(s, "/g.txt"), OSCORE_CODE(2, 5));
  fs_server_free(s);
  CHECK_EQ_INT(open_fds(), before);
}

/* The cache alone: a kept descriptor only for the same inode and ctime,
 * at most eight kept, the least recently used goes first. */
static void test_cache(const char *root) {
  fs_fdcache *c = fs_fdcache_new();
  CHECK(c != NULL);
  if (!c)
    return;
  int base = open_fds();
  struct stat st[10];
  for (int i = 0; i < 10; i++) {
    char name[16], path[1024];
    snprintf(name, sizeof name, "c%d", i);
    tu_write(root, name, name, strlen(name));
    snprintf(path, sizeof path, "%s/%s", root, name);
    int fd = open(path, O_RDONLY);
    fstat(fd, &st[i]);
    fs_fdcache_put(c, fd, &st[i]);
    close(fd);
  }
  CHECK_EQ_INT(open_fds(), base + 8);
  /* The first two were pushed out. */
  CHECK_EQ_INT(fs_fdcache_get(c, &st[0]), -1);
  CHECK_EQ_INT(fs_fdcache_get(c, &st[1]), -1);
  int fd = fs_fdcache_get(c, &st[9]);
  CHECK(fd >= 0);
  char buf[8] = {0};
  CHECK_EQ_INT(pread(fd, buf, sizeof buf, 0), 2);
  CHECK(memcmp(buf, "c9", 2) == 0);
  close(fd);
  /* Another ctime (a chmod, say) is another file as far as we know. */
  struct stat changed = st[9];
  changed.st_ctim.tv_nsec ^= 1;
  CHECK_EQ_INT(fs_fdcache_get(c, &changed), -1);
  CHECK_EQ_INT(fs_fdcache_get(c, &st[9]), -1);   /* and it was dropped */
  CHECK_EQ_INT(open_fds(), base + 7);
  /* Not a regular file: never. */
  struct stat dir = st[8];
  dir.st_mode = S_IFDIR | 0755;
  CHECK_EQ_INT(fs_fdcache_get(c, &dir), -1);
  fs_fdcache_free(c);
  CHECK_EQ_INT(open_fds(), base);
}

/* Near the descriptor limit nothing is kept: a server holding a lock per
 * context must still be able to open the file it serves next. */
static void test_headroom(const char *root) {
  struct rlimit old;
  if (getrlimit(RLIMIT_NOFILE, &old) != 0)
    return;
  struct rlimit low = old;
  low.rlim_cur = (rlim_t)open_fds() + 40;
  if (low.rlim_cur > old.rlim_cur || setrlimit(RLIMIT_NOFILE, &low) != 0)
    return;
  fs_fdcache *c = fs_fdcache_new();
  tu_write(root, "h", "h", 1);
  char path[1024];
  snprintf(path, sizeof path, "%s/h", root);
  int base = open_fds();
  struct stat st;
  /* Fill up to the headroom: the cache keeps none of these. */
  int fds[40], n = 0;
  while (n < 40 && open_fds() < (int)low.rlim_cur - 20) {
    fds[n] = open(path, O_RDONLY);
    if (fds[n] < 0)
      break;
    n++;
  }
  int fd = open(path, O_RDONLY);
  fstat(fd, &st);
  fs_fdcache_put(c, fd, &st);
  close(fd);
  CHECK_EQ_INT(open_fds(), base + n);
  CHECK_EQ_INT(fs_fdcache_get(c, &st), -1);
  for (int i = 0; i < n; i++)
    close(fds[i]);
  fs_fdcache_free(c);
  setrlimit(RLIMIT_NOFILE, &old);
}

int main(void) {
  const char *root = tu_mkdtemp();
  test_serving(root);
  test_cache(root);
  test_headroom(root);
  tu_rmtree(root);
  return unit_summary("test_fs_fdcache");
}
