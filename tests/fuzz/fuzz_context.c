/* The security-context loader (store_context_open, COMPAT.md §1): one
 * input holds the files of a context directory, separated by the line
 * "##" ("\n##\n" between them): settings.json, secret.json, sequence.json
 * and secrets.json, in that order; a file the input does not reach is
 * absent (so "settings" alone lacks the secret, and a fourth part makes
 * both secret files exist). They are written to a private directory and
 * opened.
 * Invariants: a failed open says why and leaves nothing behind but our
 * files (no sequence.json written, no temporary file); an opened context
 * can send nothing before prepare_send reserved numbers, and after it can;
 * a clean close writes a state that opens again to the same next number
 * and the same replay window. */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"
#include "fuzz_common.h"
#include "store.h"

static const char *const files[] = {
  "settings.json", "secret.json", "sequence.json", "secrets.json",
};

static char dir[4200];

static void ignore_warning(void *arg, const char *msg) {
  (void)arg;
  FUZZ_CHECK(msg != NULL);
}

/* Names in |dir| besides the ones we wrote (|wrote| bit i: files[i]) and
 * the lock file. */
static size_t strangers(unsigned wrote) {
  DIR *d = opendir(dir);
  FUZZ_CHECK(d != NULL);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    bool ours = !strcmp(e->d_name, "lock");
    for (size_t i = 0; i < 4; i++)
      ours |= (wrote >> i & 1) && !strcmp(e->d_name, files[i]);
    n += !ours;
  }
  closedir(d);
  return n;
}

static bool same_window(const oscore_replay *a, const oscore_replay *b) {
  if (a->initialised != b->initialised || a->size != b->size) return false;
  return !a->initialised ||
         (a->index == b->index && a->bitfield == b->bitfield);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) snprintf(dir, sizeof dir, "%s/ctx", fuzz_tmpdir());
  fuzz_rm_tree(dir);
  FUZZ_CHECK(mkdir(dir, 0700) == 0);

  unsigned wrote = 0;
  const uint8_t *p = data, *end = data + size;
  for (size_t i = 0; i < 4 && p; i++) {
    const uint8_t *sep = memmem(p, (size_t)(end - p), "\n##\n", 4);
    size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
    FUZZ_CHECK(fuzz_write(dir, files[i], p, len));
    wrote |= 1u << i;
    p = sep ? sep + 4 : NULL;
  }

  store_diag diag = { .warn = ignore_warning };
  store_context *sc = NULL;
  store_err e = store_context_open(dir, &diag, &sc);
  if (e != STORE_OK) {
    FUZZ_CHECK(sc == NULL && diag.msg[0] != '\0');
    FUZZ_CHECK(memchr(diag.msg, '\0', sizeof diag.msg) != NULL);
    FUZZ_CHECK(strangers(wrote) == 0);
    return 0;
  }
  oscore_ctx *ctx = store_context_oscore(sc);
  FUZZ_CHECK(ctx->sender_seq == ctx->seq_limit);
  if (store_context_prepare_send(sc, &diag) == STORE_OK)
    FUZZ_CHECK(ctx->sender_seq < ctx->seq_limit);
  else
    FUZZ_CHECK(ctx->sender_seq == ctx->seq_limit);
  /* One number used, as a protect would. */
  if (ctx->sender_seq < ctx->seq_limit) ctx->sender_seq++;
  uint64_t next = ctx->sender_seq;
  oscore_replay window = ctx->replay;
  FUZZ_CHECK(store_context_close(sc, &diag) == STORE_OK);

  FUZZ_CHECK(store_context_open(dir, &diag, &sc) == STORE_OK);
  ctx = store_context_oscore(sc);
  FUZZ_CHECK(ctx->sender_seq == next);
  FUZZ_CHECK(same_window(&ctx->replay, &window));
  FUZZ_CHECK(store_context_close(sc, &diag) == STORE_OK);
  return 0;
}
