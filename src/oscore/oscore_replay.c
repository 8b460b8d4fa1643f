/* Replay window with aiocoap's semantics (aiocoap/oscore.py ReplayWindow):
 * |index| is the lowest acceptable number, bit i of |bitfield| marks
 * |index + i| as seen. The window only moves forward (the libcoap #1926 bug
 * was moving it back), and a jump of 64 or more clears the bitfield instead
 * of shifting by the full width, which C leaves undefined. */
#include <stddef.h>
#include "oscore_replay.h"

/* The largest sequence number is 2^40 - 1 (RFC 8613 §7.2.1); an index
 * beyond it can only come from a damaged file. */
#define REPLAY_MAX_INDEX ((UINT64_C(1) << 40) - 1)

static oscore_err set_size(oscore_replay *w, unsigned size) {
  if (w == NULL)
    return OSCORE_ERR_INVALID_ARG;
  if (size == 0)
    size = OSCORE_REPLAY_DEFAULT_SIZE;
  if (size > OSCORE_REPLAY_MAX_SIZE)
    return OSCORE_ERR_INVALID_ARG;
  w->size = size;
  return OSCORE_OK;
}

oscore_err oscore_replay_init_empty(oscore_replay *w, unsigned size) {
  oscore_err err = set_size(w, size);
  if (err != OSCORE_OK)
    return err;
  w->initialised = true;
  w->index = 0;
  w->bitfield = 0;
  return OSCORE_OK;
}

oscore_err oscore_replay_init_unknown(oscore_replay *w, unsigned size) {
  oscore_err err = set_size(w, size);
  if (err != OSCORE_OK)
    return err;
  w->initialised = false;
  w->index = 0;
  w->bitfield = 0;
  return OSCORE_OK;
}

oscore_err oscore_replay_init_persisted(oscore_replay *w, unsigned size,
                                        uint64_t index, uint64_t bitfield) {
  oscore_err err = set_size(w, size);
  if (err != OSCORE_OK)
    return err;
  /* Bits at or above |size| would mark numbers outside the window: aiocoap
   * never writes them, so they mean a damaged or foreign file. */
  if (w->size < 64 && (bitfield >> w->size) != 0)
    return OSCORE_ERR_INVALID_ARG;
  if (index > REPLAY_MAX_INDEX)
    return OSCORE_ERR_INVALID_ARG;
  w->initialised = true;
  w->index = index;
  w->bitfield = bitfield;
  return OSCORE_OK;
}

void oscore_replay_init_from_fresh(oscore_replay *w, uint64_t seq) {
  if (w == NULL)
    return;
  if (w->size == 0 || w->size > OSCORE_REPLAY_MAX_SIZE)
    w->size = OSCORE_REPLAY_DEFAULT_SIZE;
  /* As aiocoap's initialize_from_freshlyseen: |seq| is the lowest bit and
   * set, so it and everything below are refused from now on. */
  w->initialised = true;
  w->index = seq;
  w->bitfield = 1;
}

oscore_err oscore_replay_check(const oscore_replay *w, uint64_t seq) {
  if (w == NULL)
    return OSCORE_ERR_INVALID_ARG;
  if (!w->initialised)
    return OSCORE_ERR_WINDOW_UNINIT;
  if (seq < w->index)
    return OSCORE_ERR_REPLAY;
  /* Offsets, not sums: index + size cannot overflow this way. */
  uint64_t off = seq - w->index;
  if (off >= w->size)
    return OSCORE_OK;
  return ((w->bitfield >> off) & 1) ? OSCORE_ERR_REPLAY : OSCORE_OK;
}

oscore_err oscore_replay_mark(oscore_replay *w, uint64_t seq) {
  oscore_err err = oscore_replay_check(w, seq);
  if (err != OSCORE_OK)
    return err;
  uint64_t off = seq - w->index;
  if (off >= w->size) {
    /* Move so that |seq| becomes the window's highest slot. */
    uint64_t shift = off - w->size + 1;
    w->index += shift;
    w->bitfield = shift >= 64 ? 0 : w->bitfield >> shift;
    off = w->size - 1;
  }
  w->bitfield |= UINT64_C(1) << off;
  return OSCORE_OK;
}
