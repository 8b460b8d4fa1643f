/* Crash safety of B.1.1/B.1.2: a child uses a context as fast as it can
 * (reserve, use numbers, now and then accept a request and mark the replay
 * window) and reports every number it used, and every window change it
 * acted on, through a pipe. It is killed with SIGKILL at a random moment.
 * After each kill the context is opened again, as a restarted process
 * would: it must load (never a torn file), start strictly above every
 * number any child used, and have an "unknown" window if the child had
 * acted on a window change. */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include "../unit.h"
#include "store_testutil.h"

#define ITERATIONS 200
#define MAX_DELAY_US 4000

typedef struct {
  uint64_t kind;   /* 'S' a sequence number was used, 'W' window changed */
  uint64_t value;
} record;

static void child(const char *dir, int wfd) {
  store_context *sc = NULL;
  store_diag d = tu_diag(NULL);
  if (store_context_open(dir, &d, &sc) != STORE_OK)
    _exit(2);
  oscore_ctx *o = store_context_oscore(sc);
  uint64_t peer_seq = o->replay.initialised ? o->replay.index + 40 : 0;
  /* Bounded; the parent kills it long before. */
  for (unsigned i = 0; i < 50u * 1000 * 1000; i++) {
    if (store_context_prepare_send(sc, &d) != STORE_OK)
      _exit(3);
    if (o->sender_seq >= o->seq_limit)
      _exit(4);
    record r = { 'S', o->sender_seq++ };
    if (write(wfd, &r, sizeof r) != sizeof r)
      _exit(5);
    if (i % 64 == 7 && o->replay.initialised) {
      if (oscore_replay_mark(&o->replay, peer_seq++) != OSCORE_OK)
        _exit(6);
      if (store_context_window_changed(sc, &d) != STORE_OK)
        _exit(7);
      record w = { 'W', peer_seq - 1 };   /* acted on it only now */
      if (write(wfd, &w, sizeof w) != sizeof w)
        _exit(8);
    }
  }
  _exit(9);
}

/* Read whatever records are available within |timeout_ms|. */
static bool drain(int fd, int timeout_ms, record *buf, size_t cap, size_t *n) {
  struct pollfd p = { fd, POLLIN, 0 };
  if (poll(&p, 1, timeout_ms) <= 0)
    return true;
  static char partial[sizeof(record)];
  static size_t have;
  char chunk[4096];
  ssize_t got = read(fd, chunk, sizeof chunk);
  if (got <= 0)
    return false;   /* EOF: the child is gone and the pipe empty */
  for (ssize_t i = 0; i < got; i++) {
    partial[have++] = chunk[i];
    if (have == sizeof(record)) {
      if (*n < cap)
        memcpy(&buf[(*n)++], partial, sizeof(record));
      have = 0;
    }
  }
  return true;
}

int main(void) {
  const char *dir = tu_plugtest("b", "crash");
  unsigned seed = (unsigned)time(NULL);
  if (getenv("STORE_CRASH_SEED"))
    seed = (unsigned)strtoul(getenv("STORE_CRASH_SEED"), NULL, 10);
  srand(seed);
  fprintf(stderr, "crash test: seed %u (STORE_CRASH_SEED to repeat)\n", seed);

  static record recs[1 << 20];
  long long highest_used = -1;
  unsigned long long total_used = 0, window_kills = 0, busy_kills = 0;
  double t0 = tu_now();
  for (int it = 0; it < ITERATIONS; it++) {
    int p[2];
    if (pipe(p) != 0)
      tu_die("pipe");
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
      tu_die("fork");
    if (pid == 0) {
      close(p[0]);
      child(dir, p[1]);
    }
    close(p[1]);
    size_t n = 0;
    /* Mostly let the child get going first (a loaded machine may not run
     * it for a while), then kill it after a random extra moment; every
     * tenth time kill it blindly, possibly while it opens the context. */
    if (it % 10 != 0)
      for (int k = 0; k < 200 && n == 0; k++)
        if (!drain(p[0], 10, recs, sizeof recs / sizeof *recs, &n))
          break;
    double until = tu_now() + (rand() % MAX_DELAY_US) / 1e6;
    while (tu_now() < until)
      if (!drain(p[0], 1, recs, sizeof recs / sizeof *recs, &n))
        break;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    /* Bounded: the pipe holds what the child wrote before it died. */
    for (int k = 0; k < 100000 && drain(p[0], 100, recs,
                                        sizeof recs / sizeof *recs, &n); k++)
      ;
    close(p[0]);
    unit_checks++;
    if (!WIFSIGNALED(status)) {
      unit_failures++;
      fprintf(stderr, "iteration %d: child exited by itself with %d\n", it,
              WEXITSTATUS(status));
    }

    bool window_acted = false;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
      if (recs[i].kind == 'W') {
        window_acted = true;
        continue;
      }
      /* Never a number twice, across all runs. */
      if ((long long)recs[i].value <= highest_used)
        ok = false;
      highest_used = (long long)recs[i].value;
      total_used++;
    }
    CHECK(ok);
    if (n)
      busy_kills++;
    if (window_acted)
      window_kills++;

    /* The restart. */
    store_diag d = tu_diag(NULL);
    store_context *sc = NULL;
    store_err err = store_context_open(dir, &d, &sc);
    CHECK_EQ_INT(err, STORE_OK);
    if (err) {
      fprintf(stderr, "iteration %d: reopen failed: %s\n", it, d.msg);
      break;
    }
    const oscore_ctx *o = store_context_oscore(sc);
    unit_checks++;
    if ((long long)o->sender_seq <= highest_used) {
      unit_failures++;
      fprintf(stderr, "iteration %d: restart at %llu but %lld was used\n", it,
              (unsigned long long)o->sender_seq, highest_used);
    }
    if (window_acted)
      CHECK(!o->replay.initialised);
    char listing[1024];
    tu_count(dir, listing, sizeof listing);
    CHECK(!strstr(listing, ".sequence-"));
    /* Recover the window as Echo would, so the next child changes it. */
    if (!o->replay.initialised)
      oscore_replay_init_from_fresh(&store_context_oscore(sc)->replay,
                                    (uint64_t)it * 1000);
    CHECK_EQ_INT(store_context_close(sc, &d), STORE_OK);
    if (unit_failures)
      break;
  }
  fprintf(stderr, "crash test: %d kills in %.2f s, %llu numbers used, %llu kills "
          "after use, %llu after a window change; highest number %lld\n",
          ITERATIONS, tu_now() - t0, total_used, busy_kills, window_kills,
          highest_used);
  CHECK(busy_kills > ITERATIONS / 2);   /* the test did exercise something */
  return unit_summary("store_crash");
}
