/* Standalone driver for a fuzz harness, used when the build is not a
 * libFuzzer build (-Dfuzzing=false, the default): runs every file given
 * (or found in a directory given, in name order) through the harness, then
 * a bounded number of deterministic mutations of them. That keeps the
 * harness code and the corpora exercised by the ordinary test suite, under
 * ASan/UBSan in the sanitizer build and under valgrind when wrapped.
 *
 *   fuzz_<target> [--mutations N] [--seconds S] FILE|DIR...
 *
 * Mutations stop after N (default 2000) or S seconds (default 20), whichever
 * comes first, so that a slow build (sanitizers, valgrind) stays bounded.
 * The generator is seeded with a constant: every run feeds the same inputs.
 * When an input kills the process (abort, or a sanitizer report), its
 * number and bytes (hex) go to stderr first, ready to become a regression
 * file in the corpus. Exit 0 when every input came back, 1 on a usage or
 * read error. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "fuzz.h"

#define MAX_SEED (64u * 1024u)   /* the largest seed we read */
#define MAX_MUTANT 4096u           /* mutations grow no larger */
#define MAX_FILES 4096u

typedef struct {
  uint8_t *data;
  size_t len;
  char *name;
} input;

static input inputs[MAX_FILES];
static size_t n_inputs;

static int read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  uint8_t *buf = malloc(MAX_SEED);
  size_t n = buf ? fread(buf, 1, MAX_SEED, f) : 0;
  int bad = !buf || ferror(f);
  fclose(f);
  if (bad || n_inputs >= MAX_FILES) {
    free(buf);
    fprintf(stderr, "%s: cannot read (or too many files)\n", path);
    return -1;
  }
  inputs[n_inputs].data = buf;
  inputs[n_inputs].len = n;
  inputs[n_inputs].name = strdup(path);
  n_inputs++;
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "%s: %s\n", dir, strerror(errno));
    return -1;
  }
  char *names[MAX_FILES];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < MAX_FILES) {
    if (e->d_name[0] == '.') continue;
    names[n] = strdup(e->d_name);
    if (names[n]) n++;
  }
  closedir(d);
  qsort(names, n, sizeof names[0], by_name);
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
      rc = read_file(path);
    free(names[i]);
  }
  return rc;
}

/* xorshift64*: small, fixed, the same sequence everywhere. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Du;
}
static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

/* Bytes that matter to CoAP and JSON parsers: nibble escapes 13/14/15, the
 * payload marker, flag bits, quotes and brackets. */
static const uint8_t interesting[] = {
  0x00, 0x01, 0x07, 0x08, 0x0d, 0x0e, 0x0f, 0x10, 0x19, 0x1f, 0x7f, 0x80,
  0xd0, 0xe0, 0xff, '"', '{', '}', '[', ']', ':', ',', '\\', '0', '9',
};

/* One to four edits of |m| (|*len| bytes, room for MAX_MUTANT). */
static void mutate(uint8_t *m, size_t *len) {
  size_t edits = 1 + below(4);
  for (size_t k = 0; k < edits; k++) {
    size_t n = *len;
    switch (below(8)) {
    case 0: /* flip a bit */
      if (n) m[below(n)] ^= (uint8_t)(1u << below(8));
      break;
    case 1: /* an interesting byte */
      if (n) m[below(n)] = interesting[below(sizeof interesting)];
      break;
    case 2: /* a random byte */
      if (n) m[below(n)] = (uint8_t)rnd();
      break;
    case 3: { /* insert a byte */
      if (n >= MAX_MUTANT) break;
      size_t at = below(n + 1);
      memmove(m + at + 1, m + at, n - at);
      m[at] = interesting[below(sizeof interesting)];
      *len = n + 1;
      break;
    }
    case 4: { /* delete a run */
      if (!n) break;
      size_t at = below(n), run = 1 + below(n - at < 8 ? n - at : 8);
      memmove(m + at, m + at + run, n - at - run);
      *len = n - run;
      break;
    }
    case 5: { /* duplicate a run */
      if (!n) break;
      size_t at = below(n), run = 1 + below(n - at < 16 ? n - at : 16);
      if (n + run > MAX_MUTANT) break;
      size_t to = below(n + 1);
      uint8_t tmp[16];
      memcpy(tmp, m + at, run);
      memmove(m + to + run, m + to, n - to);
      memcpy(m + to, tmp, run);
      *len = n + run;
      break;
    }
    case 6: { /* splice in a piece of another input */
      const input *o = &inputs[below(n_inputs)];
      if (!o->len || !n) break;
      size_t from = below(o->len), run = 1 + below(o->len - from);
      size_t at = below(n);
      if (at + run > MAX_MUTANT) run = MAX_MUTANT - at;
      memcpy(m + at, o->data + from, run);
      if (at + run > n) *len = at + run;
      break;
    }
    default: /* truncate */
      if (n) *len = below(n);
      break;
    }
  }
}

/* The input being run, for the report of a crash. */
static const uint8_t *cur_data;
static size_t cur_len;
static long cur_index = -1;   /* -1: a corpus file, else the mutation */
static const char *cur_name;  /* the corpus file */

static void put(const char *s, size_t n) {
  while (n) {
    ssize_t w = write(2, s, n);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

/* Async-signal-safe: only write(). */
static void report_input(void) {
  static const char hex[] = "0123456789abcdef";
  char line[160];
  size_t k = 0;
  const char *head = cur_index < 0 ? "\nfuzz_main: crashed on corpus file "
                                   : "\nfuzz_main: crashed on mutation ";
  put(head, strlen(head));
  if (cur_index < 0 && cur_name) put(cur_name, strlen(cur_name));
  if (cur_index >= 0) {
    char num[24];
    size_t d = sizeof num;
    unsigned long v = (unsigned long)cur_index;
    do { num[--d] = (char)('0' + v % 10); v /= 10; } while (v);
    put(num + d, sizeof num - d);
  }
  static const char tail[] = ", input in hex:\n";
  put(tail, sizeof tail - 1);
  for (size_t i = 0; i < cur_len; i++) {
    line[k++] = hex[cur_data[i] >> 4];
    line[k++] = hex[cur_data[i] & 15];
    if (k >= 128 || i + 1 == cur_len) {
      line[k++] = '\n';
      put(line, k);
      k = 0;
    }
  }
}

static void on_abort(int sig) {
  report_input();
  signal(sig, SIG_DFL);
  raise(sig);
}

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define HAVE_SANITIZER 1
#endif
#endif
#ifdef HAVE_SANITIZER
void __sanitizer_set_death_callback(void (*cb)(void));
#endif

static void run(const uint8_t *data, size_t len, long index) {
  /* An exact-size copy, so that ASan sees a read past the end. */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) abort();
  memcpy(exact, data, len);
  cur_data = exact;
  cur_len = len;
  cur_index = index;
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  cur_data = NULL;
  cur_len = 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  unsigned long mutations = 2000;
  double seconds = 20;
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (!strcmp(argv[i], "--mutations") && i + 1 < argc) {
      mutations = strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = strtod(argv[++i], NULL);
    } else if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      rc |= read_dir(argv[i]);
    } else {
      rc |= read_file(argv[i]);
    }
  }
  if (rc || n_inputs == 0) {
    fprintf(stderr, "Usage: %s [--mutations N] [--seconds S] FILE|DIR...\n"
                    "(no readable input given)\n", argv[0]);
    return 1;
  }
  signal(SIGABRT, on_abort);
  signal(SIGSEGV, on_abort);
#ifdef HAVE_SANITIZER
  __sanitizer_set_death_callback(report_input);
#endif
  for (size_t i = 0; i < n_inputs; i++) {
    cur_name = inputs[i].name;
    run(inputs[i].data, inputs[i].len, -1);
  }

  uint8_t *m = malloc(MAX_MUTANT);
  if (!m) return 1;
  double t0 = now();
  unsigned long done = 0;
  for (; done < mutations; done++) {
    if (done % 64 == 0 && now() - t0 > seconds) break;
    const input *src = &inputs[below(n_inputs)];
    size_t len = src->len < MAX_MUTANT ? src->len : MAX_MUTANT;
    memcpy(m, src->data, len);
    mutate(m, &len);
    run(m, len, (long)done);
  }
  free(m);
  fprintf(stderr, "%s: %zu corpus inputs and %lu mutations passed\n", argv[0],
          n_inputs, done);
  for (size_t i = 0; i < n_inputs; i++) {
    free(inputs[i].data);
    free(inputs[i].name);
  }
  return 0;
}
