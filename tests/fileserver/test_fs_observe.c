/* Observe through inotify: observers hear about in-place writes, rename
 * over the file (our PUT), deletion; not about neighbours; not after they
 * left. */
#include "fs_testutil.h"

#include <poll.h>
#include <time.h>
#include "fs_observe.h"

static int hits[8];

static int crowd_hits;

static void on_notify(void *handle, void *arg) {
  (void)arg;
  if ((intptr_t)handle >= 100)
    crowd_hits++;
  else
    hits[(intptr_t)handle]++;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Let events arrive and settle: process for |ms| milliseconds. */
static void pump(fs_observe *o, int ms) {
  uint64_t end = now_ms() + (uint64_t)ms;
  while (now_ms() < end) {
    struct pollfd p = {fs_observe_fd(o), POLLIN, 0};
    poll(&p, 1, 10);
    fs_observe_process(o, now_ms());
  }
}

static void reset(void) { memset(hits, 0, sizeof hits); }

int main(void) {
  const char *root = tu_mkdtemp();
  tu_mkdir(root, "sub");
  tu_write(root, "sub/f.txt", "one", 3);
  tu_write(root, "sub/other.txt", "x", 1);
  tu_write(root, "g.txt", "g", 1);
  tu_symlink("sub/f.txt", root, "f-link");

  fs_root r;
  CHECK_EQ_INT(fs_root_open(root, false, false, &r), FS_OK);
  fs_observe *o;
  CHECK_EQ_INT(fs_observe_new(&r, root, on_notify, NULL, &o), FS_OK);
  CHECK_EQ_INT(fs_observe_add(o, "sub/f.txt", (void *)1), FS_OK);
  CHECK_EQ_INT(fs_observe_add(o, "sub/f.txt", (void *)2), FS_OK);
  CHECK_EQ_INT(fs_observe_add(o, "g.txt", (void *)3), FS_OK);
  CHECK_EQ_INT(fs_observe_add(o, "f-link", (void *)4), FS_OK);
  CHECK_EQ_INT(fs_observe_count(o), 4);

  /* Nothing happened: nobody hears anything. */
  reset();
  pump(o, 100);
  CHECK_EQ_INT(hits[1] + hits[2] + hits[3] + hits[4], 0);

  /* A neighbour changes. */
  tu_write(root, "sub/other.txt", "changed", 7);
  pump(o, 150);
  CHECK_EQ_INT(hits[1] + hits[2] + hits[3] + hits[4], 0);

  /* In-place write: both observers of the file and the one through the
   * symlink, once each (the burst of events settles into one). */
  reset();
  char p[1024];
  snprintf(p, sizeof p, "%s/sub/f.txt", root);
  FILE *f = fopen(p, "ab");
  for (int i = 0; i < 20; i++) {
    fputs("more", f);
    fflush(f);
  }
  fclose(f);
  pump(o, 200);
  CHECK_EQ_INT(hits[1], 1);
  CHECK_EQ_INT(hits[2], 1);
  CHECK_EQ_INT(hits[4], 1);
  CHECK_EQ_INT(hits[3], 0);

  /* Replaced by rename, as our PUT does; twice, so the watch on the new
   * inode is shown to work as well. */
  for (int round = 0; round < 2; round++) {
    reset();
    char t[1024];
    snprintf(t, sizeof t, "%s/sub/.tmp", root);
    f = fopen(t, "wb");
    fputs(round ? "three" : "two", f);
    fclose(f);
    rename(t, p);
    pump(o, 200);
    CHECK_EQ_INT(hits[1], 1);
    CHECK_EQ_INT(hits[2], 1);
  }

  /* One observer leaves; the other still hears. */
  fs_observe_remove(o, (void *)2);
  CHECK_EQ_INT(fs_observe_count(o), 3);
  reset();
  tu_write(root, "sub/f.txt", "four!", 5);
  pump(o, 200);
  CHECK_EQ_INT(hits[1], 1);
  CHECK_EQ_INT(hits[2], 0);

  /* Deletion is a change too (the notification will be a 4.04). */
  reset();
  unlink(p);
  pump(o, 200);
  CHECK_EQ_INT(hits[1], 1);
  CHECK_EQ_INT(hits[4], 1);
  /* ... and it coming back. */
  reset();
  tu_write(root, "sub/f.txt", "back", 4);
  pump(o, 200);
  CHECK_EQ_INT(hits[1], 1);

  /* A touch that changes only times. */
  reset();
  snprintf(p, sizeof p, "%s/g.txt", root);
  struct timespec ts[2] = {{0, UTIME_NOW}, {12345, 0}};
  utimensat(AT_FDCWD, p, ts, 0);
  pump(o, 200);
  CHECK_EQ_INT(hits[3], 1);

  fs_observe_remove(o, (void *)1);
  fs_observe_remove(o, (void *)3);
  fs_observe_remove(o, (void *)4);
  fs_observe_remove(o, (void *)7);  /* unknown: ignored */
  CHECK_EQ_INT(fs_observe_count(o), 0);
  reset();
  tu_write(root, "g.txt", "gone quiet", 10);
  pump(o, 150);
  CHECK_EQ_INT(hits[3], 0);

  /* A crowd of observers (issue 13): one change is notified in slices of
   * FS_OBSERVE_BATCH, so the server can answer others in between; an
   * observer that left while queued is skipped; removal is by handle. */
  enum { CROWD = 1000 };
  crowd_hits = 0;
  for (intptr_t h = 100; h < 100 + CROWD; h++)
    CHECK_EQ_INT(fs_observe_add(o, "g.txt", (void *)h), FS_OK);
  CHECK_EQ_INT(fs_observe_count(o), CROWD);
  tu_write(root, "g.txt", "crowd", 5);
  size_t most = 0, calls = 0;
  uint64_t end = now_ms() + 2000;
  while (crowd_hits < CROWD - 1 && now_ms() < end) {
    struct pollfd p = {fs_observe_fd(o), POLLIN, 0};
    poll(&p, 1, fs_observe_backlog(o) ? 0 : 10);
    size_t n = fs_observe_process(o, now_ms());
    if (n > most)
      most = n;
    if (n && ++calls == 1)
      fs_observe_remove(o, (void *)(intptr_t)(100 + CROWD - 1));
  }
  CHECK(most <= FS_OBSERVE_BATCH);
  CHECK(calls >= CROWD / FS_OBSERVE_BATCH);
  CHECK_EQ_INT(crowd_hits, CROWD - 1);
  CHECK(!fs_observe_backlog(o));
  for (intptr_t h = 100; h < 100 + CROWD; h++)
    fs_observe_remove(o, (void *)h);
  CHECK_EQ_INT(fs_observe_count(o), 0);

  fs_observe_free(o);
  fs_root_close(&r);
  tu_rmtree(root);
  return unit_summary("test_fs_observe");
}
