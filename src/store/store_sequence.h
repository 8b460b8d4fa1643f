/* Private: <dir>/sequence.json, the only file of a context the store
 * writes. Layout as aiocoap writes it (json.dumps of a dict, no newline):
 *   {"next-to-send": N, "received": {"index": I, "bitfield": B}}
 *   {"next-to-send": N, "received": "unknown"}
 * Replaced atomically: temporary file in the same directory (O_EXCL, 0600),
 * write, fsync, rename, fsync of the directory. */
#ifndef STORE_SEQUENCE_H
#define STORE_SEQUENCE_H

#include <stdbool.h>
#include <stdint.h>
#include "oscore_replay.h"
#include "store.h"

typedef struct {
  bool absent;            /* no file: fresh context (seq 0, empty window) */
  uint64_t next_to_send;
  bool received_unknown;  /* B.1.2: window must be recovered through Echo */
  uint64_t index;
  uint64_t bitfield;
} store_sequence;

/* Read <dir>/sequence.json for a window of |window_size| bits.
 * Errors: STORE_ERR_IO, STORE_ERR_MALFORMED, STORE_ERR_MISSING (a key). */
store_err store_sequence_read(const char *dir, unsigned window_size,
                              store_sequence *out, store_diag *diag);

/* Atomically replace <dir>/sequence.json with |next| and |window| (NULL or
 * uninitialised: "unknown"): the new file's data is synced before the
 * rename, so a crash leaves the old file or the new one, never a torn
 * one. |durable|: the directory is synced too, so that the rename itself
 * survives a crash; a write that only gives numbers back (the exact state
 * at close, below a reservation already durable) may skip that. On error
 * the old file is untouched (or, when only the final directory fsync
 * failed, the new one is in place but maybe not durable) and no temporary
 * file is left. Errors: STORE_ERR_IO. */
store_err store_sequence_write(const char *dir, uint64_t next, bool durable,
                               const oscore_replay *window, store_diag *diag);

/* Remove temporary files (".sequence-*.json") a killed writer left behind.
 * Call only while holding the lock. */
void store_sequence_remove_stale(const char *dir);

#endif
