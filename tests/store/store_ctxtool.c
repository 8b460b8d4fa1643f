/* Test helper: drive one context directory from a script, so that a test
 * can alternate our store with aiocoap on the same directory.
 *   store_ctxtool use DIR N      use N sequence numbers, print first/last, close
 *   store_ctxtool crash DIR N    use N numbers, then exit without closing
 *   store_ctxtool mark DIR S...  mark received numbers S (window), close
 *   store_ctxtool show DIR       print "seq N window I B" or "seq N window unknown"
 *   store_ctxtool hold DIR       open, print "held", wait for EOF on stdin, close
 * Exit status: 0 ok, 3 context locked by another process, 1 other error,
 * 2 usage. Errors go to stderr. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store.h"

static int fail(store_err err, const store_diag *d) {
  fprintf(stderr, "store_ctxtool: %s: %s\n", store_strerror(err), d->msg);
  return err == STORE_ERR_LOCKED ? 3 : 1;
}

static void warn(void *arg, const char *msg) {
  (void)arg;
  fprintf(stderr, "store_ctxtool: warning: %s\n", msg);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "Usage: store_ctxtool use|crash|mark|show|hold DIR [ARGS]\n");
    return 2;
  }
  const char *cmd = argv[1], *dir = argv[2];
  store_diag d = { .warn = warn };
  store_context *sc = NULL;
  store_err err = store_context_open(dir, &d, &sc);
  if (err)
    return fail(err, &d);
  oscore_ctx *o = store_context_oscore(sc);

  if (!strcmp(cmd, "use") || !strcmp(cmd, "crash")) {
    unsigned long n = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
    uint64_t first = o->sender_seq, last = first;
    for (unsigned long i = 0; i < n; i++) {
      if ((err = store_context_prepare_send(sc, &d)))
        return fail(err, &d);
      last = o->sender_seq++;
    }
    printf("used %" PRIu64 " %" PRIu64 "\n", first, last);
    fflush(stdout);
    if (!strcmp(cmd, "crash"))
      _exit(0);   /* like a kill: no clean close */
  } else if (!strcmp(cmd, "mark")) {
    for (int i = 3; i < argc; i++) {
      uint64_t s = strtoull(argv[i], NULL, 10);
      if (!o->replay.initialised)
        oscore_replay_init_from_fresh(&o->replay, s);
      else if (oscore_replay_mark(&o->replay, s) != OSCORE_OK) {
        fprintf(stderr, "store_ctxtool: %" PRIu64 " refused as a replay\n", s);
        return 1;
      }
      if ((err = store_context_window_changed(sc, &d)))
        return fail(err, &d);
    }
  } else if (!strcmp(cmd, "show")) {
    if (o->replay.initialised)
      printf("seq %" PRIu64 " window %" PRIu64 " %" PRIu64 "\n", o->sender_seq,
             o->replay.index, o->replay.bitfield);
    else
      printf("seq %" PRIu64 " window unknown\n", o->sender_seq);
  } else if (!strcmp(cmd, "hold")) {
    printf("held\n");
    fflush(stdout);
    char buf[64];
    while (fread(buf, 1, sizeof buf, stdin) > 0)
      ;
  } else {
    fprintf(stderr, "store_ctxtool: unknown command %s\n", cmd);
    store_context_close(sc, NULL);
    return 2;
  }
  if ((err = store_context_close(sc, &d)))
    return fail(err, &d);
  return 0;
}
