/* Replay window of a recipient (RFC 8613 §7.4, Appendix B.1.2), in the form
 * aiocoap persists: |index| is the lowest sequence number still inside the
 * window, bit i of |bitfield| says whether |index + i| was seen. Numbers below
 * |index| are always refused; the window only ever moves forward. */
#ifndef OSCORE_REPLAY_H
#define OSCORE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include "oscore_error.h"

#define OSCORE_REPLAY_DEFAULT_SIZE 32
#define OSCORE_REPLAY_MAX_SIZE     64

typedef struct {
  unsigned size;        /* 1..OSCORE_REPLAY_MAX_SIZE */
  bool initialised;     /* false: B.1.2, freshness must come from Echo */
  uint64_t index;
  uint64_t bitfield;
} oscore_replay;

/* Empty, initialised window (fresh context: nothing seen yet). */
oscore_err oscore_replay_init_empty(oscore_replay *w, unsigned size);
/* Uninitialised window (persisted "unknown"). */
oscore_err oscore_replay_init_unknown(oscore_replay *w, unsigned size);
/* Window restored from persisted {index, bitfield}; bits above |size| are
 * an error (OSCORE_ERR_INVALID_ARG). */
oscore_err oscore_replay_init_persisted(oscore_replay *w, unsigned size,
                                        uint64_t index, uint64_t bitfield);
/* B.1.2: |seq| was proven fresh by Echo; it and all below count as seen. */
void oscore_replay_init_from_fresh(oscore_replay *w, uint64_t seq);

/* OSCORE_OK when |seq| may be accepted, OSCORE_ERR_REPLAY when seen or too
 * old, OSCORE_ERR_WINDOW_UNINIT when the window is uninitialised. Pure. */
oscore_err oscore_replay_check(const oscore_replay *w, uint64_t seq);
/* Mark |seq| seen (after the message verified); moves the window forward
 * when |seq| is beyond it. Returns the check's error if it is not valid. */
oscore_err oscore_replay_mark(oscore_replay *w, uint64_t seq);

#endif
