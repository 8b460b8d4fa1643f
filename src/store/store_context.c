/* A security context directory in use: lock, derived context, and the
 * Appendix B.1 persistence of sequence numbers and the replay window. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "oscore_secret.h"
#include "store_ctxdir.h"
#include "store_diag.h"
#include "store_lock.h"
#include "store_sequence.h"

/* aiocoap's sequence_number_chunksize_start / _limit. */
#define CHUNK_START 10
#define CHUNK_LIMIT 10000

struct store_context {
  oscore_ctx ctx;
  char *dir;
  int lock_fd;
  /* next-to-send as on disk: every number below it may have been used by
   * some run, none at or above it. ctx.seq_limit never exceeds it. */
  uint64_t persisted_next;
  uint64_t chunk;
  /* The window changed since it was last written exactly (B.1.2). */
  bool window_dirty;
  /* sequence.json currently says "received": "unknown". */
  bool disk_unknown;
  unsigned long writes;
  /* Established by EDHOC, kept in memory only: nothing to persist (a new
   * session derives new keys, so no number or window can come back). */
  bool in_memory;
};

/* The window as it may be written now: exact only if unchanged since
 * load, else "unknown" (NULL). */
static const oscore_replay *window_to_write(const store_context *sc) {
  if (sc->window_dirty || !sc->ctx.replay.initialised)
    return NULL;
  return &sc->ctx.replay;
}

/* |durable| false only for a write whose loss in a crash is harmless:
 * the file would keep a state that was durable before and stays safe. */
static store_err persist(store_context *sc, uint64_t next, bool durable,
                         const oscore_replay *window, store_diag *diag) {
  store_err err = store_sequence_write(sc->dir, next, durable, window, diag);
  if (err)
    return err;
  sc->writes++;
  sc->persisted_next = next;
  sc->disk_unknown = !(window && window->initialised);
  return STORE_OK;
}

static store_err restore_state(store_context *sc, const store_sequence *seq,
                               unsigned window, store_diag *diag) {
  oscore_err oe;
  if (seq->absent)
    oe = oscore_replay_init_empty(&sc->ctx.replay, window);
  else if (seq->received_unknown)
    oe = oscore_replay_init_unknown(&sc->ctx.replay, window);
  else
    oe = oscore_replay_init_persisted(&sc->ctx.replay, window, seq->index,
                                      seq->bitfield);
  if (oe != OSCORE_OK)
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s/sequence.json: replay window not understood (%s)",
                      sc->dir, oscore_strerror(oe));
  sc->persisted_next = seq->absent ? 0 : seq->next_to_send;
  sc->disk_unknown = !seq->absent && seq->received_unknown;
  sc->ctx.sender_seq = sc->persisted_next;
  /* Nothing may be sent until prepare_send has reserved a chunk. */
  sc->ctx.seq_limit = sc->persisted_next;
  return STORE_OK;
}

store_err store_context_open(const char *dir, store_diag *diag,
                             store_context **out) {
  *out = NULL;
  if (diag)
    diag->msg[0] = '\0';
  if (!dir || !*dir)
    return store_fail(diag, STORE_ERR_INVALID_ARG, "no context directory given");
  struct stat st;
  if (stat(dir, &st) != 0)
    return store_fail(diag, STORE_ERR_IO, "security context directory %s: %s",
                      dir, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return store_fail(diag, STORE_ERR_IO,
                      "security context %s is not a directory", dir);

  store_context *sc = calloc(1, sizeof *sc);
  if (!sc || !(sc->dir = strdup(dir))) {
    free(sc);
    return store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory", dir);
  }
  sc->lock_fd = -1;
  sc->chunk = CHUNK_START;

  /* Lock before reading sequence.json, as aiocoap does: its content is
   * only meaningful to the holder. */
  store_err err = store_lock_acquire(dir, &sc->lock_fd, diag);
  if (err)
    goto fail;
  store_sequence_remove_stale(dir);

  store_ctxdir params;
  if ((err = store_ctxdir_load(dir, &params, diag)))
    goto fail;
  store_sequence seq;
  err = store_sequence_read(dir, params.window, &seq, diag);
  if (err) {
    store_ctxdir_wipe(&params);
    goto fail;
  }
  unsigned window = params.window;
  oscore_ctx_params p;
  store_ctxdir_params(&params, &p);
  oscore_err oe = oscore_ctx_derive(&sc->ctx, &p);
  oscore_wipe(&p, sizeof p);
  store_ctxdir_wipe(&params);
  if (oe != OSCORE_OK) {
    err = store_fail(diag, STORE_ERR_DERIVE, "%s: key derivation failed: %s",
                     dir, oscore_strerror(oe));
    goto fail;
  }
  if ((err = restore_state(sc, &seq, window, diag)))
    goto fail;
  *out = sc;
  return STORE_OK;

fail:
  oscore_ctx_wipe(&sc->ctx);
  store_lock_release(dir, sc->lock_fd);
  free(sc->dir);
  free(sc);
  return err;
}

oscore_ctx *store_context_oscore(store_context *sc) {
  return &sc->ctx;
}

const char *store_context_dir(const store_context *sc) {
  return sc->dir;
}

void store_context_describe(store_context *sc, char *out, size_t cap) {
  if (!out || cap == 0)
    return;
  char how[96];
  oscore_profile_describe(&sc->ctx.profile, how, sizeof how);
  snprintf(out, cap, "%s: OSCORE as in %s", sc->dir, how);
}

unsigned long store_context_write_count(const store_context *sc) {
  return sc->writes;
}

store_err store_context_new_in_memory(const oscore_ctx_params *p,
                                      const char *name, store_diag *diag,
                                      store_context **out) {
  *out = NULL;
  store_context *sc = calloc(1, sizeof *sc);
  if (!sc || !(sc->dir = strdup(name ? name : "(EDHOC)"))) {
    free(sc);
    return store_fail(diag, STORE_ERR_NO_MEMORY, "out of memory");
  }
  sc->lock_fd = -1;
  sc->in_memory = true;
  oscore_err oe = oscore_ctx_derive(&sc->ctx, p);
  if (oe == OSCORE_OK)
    oe = oscore_replay_init_empty(&sc->ctx.replay, p->replay_window);
  if (oe != OSCORE_OK) {
    oscore_ctx_wipe(&sc->ctx);
    free(sc->dir);
    free(sc);
    return store_fail(diag, oe == OSCORE_ERR_ID_TOO_LONG ? STORE_ERR_ID_TOO_LONG
                                                         : STORE_ERR_DERIVE,
                      "%s: key derivation failed: %s", name ? name : "EDHOC",
                      oscore_strerror(oe));
  }
  sc->ctx.sender_seq = 0;
  sc->ctx.seq_limit = OSCORE_MAX_SEQ + 1;
  *out = sc;
  return STORE_OK;
}

bool store_context_is_in_memory(const store_context *sc) {
  return sc && sc->in_memory;
}

store_err store_context_prepare_send(store_context *sc, store_diag *diag) {
  if (!sc)
    return store_fail(diag, STORE_ERR_INVALID_ARG, "no security context");
  oscore_ctx *c = &sc->ctx;
  if (c->sender_seq < c->seq_limit)
    return STORE_OK;
  if (sc->in_memory)
    return store_fail(diag, STORE_ERR_SEQ_EXHAUSTED,
                      "%s: all sender sequence numbers are used up; run EDHOC "
                      "again", sc->dir);
  if (c->sender_seq > OSCORE_MAX_SEQ)
    return store_fail(diag, STORE_ERR_SEQ_EXHAUSTED,
                      "%s: all sender sequence numbers are used up; the "
                      "context must be replaced", sc->dir);
  uint64_t base = c->sender_seq > sc->persisted_next ? c->sender_seq
                                                     : sc->persisted_next;
  uint64_t next = base + sc->chunk;
  if (next > OSCORE_MAX_SEQ + 1)
    next = OSCORE_MAX_SEQ + 1;
  /* B.1.1: on disk first; only then may the numbers be used. */
  store_err err = persist(sc, next, true, window_to_write(sc), diag);
  if (err)
    return err;
  c->seq_limit = next;
  sc->chunk = sc->chunk * 2 > CHUNK_LIMIT ? CHUNK_LIMIT : sc->chunk * 2;
  return STORE_OK;
}

store_err store_context_window_changed(store_context *sc, store_diag *diag) {
  if (!sc)
    return store_fail(diag, STORE_ERR_INVALID_ARG, "no security context");
  sc->window_dirty = true;
  if (sc->disk_unknown || sc->in_memory)
    return STORE_OK;
  /* B.1.2: from now on a crash must not restore the stale window. */
  return persist(sc, sc->persisted_next, true, NULL, diag);
}

store_err store_context_close(store_context *sc, store_diag *diag) {
  if (!sc)
    return STORE_OK;
  /* The exact state: no number wasted, no Echo round trip after a clean
   * restart. An uninitialised window stays "unknown" (aiocoap would write
   * nulls here). Not durable (no directory fsync, a tenth of a one-shot
   * client's time): if a crash loses the rename, the file keeps the last
   * reservation, above every number used, and a window that is either
   * exact or "unknown" (window_to_write, store_context_window_changed),
   * so the next run wastes numbers or asks for an Echo, and reuses none. */
  store_err err = sc->in_memory ? STORE_OK
      : persist(sc, sc->ctx.sender_seq, false,
                sc->ctx.replay.initialised ? &sc->ctx.replay : NULL, diag);
  oscore_ctx_wipe(&sc->ctx);
  if (!sc->in_memory)
    store_lock_release(sc->dir, sc->lock_fd);
  free(sc->dir);
  oscore_wipe(sc, sizeof *sc);
  free(sc);
  return err;
}
