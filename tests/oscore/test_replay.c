/* Replay window: aiocoap's semantics and the pitfalls of COMPAT.md §7 that
 * other OSCORE implementations shipped (window moved back, lost state,
 * undefined shifts on large jumps, replay checks that could be switched
 * off). */
#include "../unit.h"
#include "oscore_context.h"
#include "oscore_replay.h"

/* Check-then-mark, as the unprotect path does after the AEAD verified. */
static oscore_err accept(oscore_replay *w, uint64_t seq) {
  oscore_err err = oscore_replay_check(w, seq);
  if (err != OSCORE_OK)
    return err;
  return oscore_replay_mark(w, seq);
}

/* aiocoap's ReplayWindow docstring, step by step (size 32). */
static void test_aiocoap_doctest(void) {
  oscore_replay w;
  CHECK_EQ_INT(oscore_replay_init_empty(&w, 32), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 5), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 3), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 5), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(accept(&w, 0), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 1), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 2), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 1), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 4), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 35), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 4), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 36), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 4), OSCORE_ERR_REPLAY);
  /* The persisted form matches what aiocoap would write: index 5, bits for
   * 5 (0), 35 (30), 36 (31). */
  CHECK_EQ_INT(w.index, 5);
  CHECK_EQ_INT(w.bitfield, (UINT64_C(1) << 0) | (UINT64_C(1) << 30) |
                               (UINT64_C(1) << 31));
}

/* libcoap #1926: accepting an older number inside the window moved the
 * "highest seen" back, so the newer number could be replayed. */
static void test_window_never_moves_back(void) {
  oscore_replay w;
  CHECK_EQ_INT(oscore_replay_init_empty(&w, 32), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 10), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 7), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 10), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 7), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_mark(&w, 10), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_mark(&w, 7), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(accept(&w, 8), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 9), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 10), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(accept(&w, 11), OSCORE_OK);

  /* Same after the window has moved: an old-but-inside number only sets
   * its bit, the index stays. */
  CHECK_EQ_INT(accept(&w, 100), OSCORE_OK);
  uint64_t idx = w.index;
  CHECK_EQ_INT(accept(&w, 90), OSCORE_OK);
  CHECK_EQ_INT(w.index, idx);
  CHECK_EQ_INT(oscore_replay_check(&w, 100), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 90), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 91), OSCORE_OK);
}

/* libcoap #2036: replay checks only with its Echo option on. The core has
 * no switch: an initialised window always refuses, an uninitialised one
 * never silently accepts. */
static void test_replay_always_on(void) {
  oscore_replay w;
  CHECK_EQ_INT(oscore_replay_init_empty(&w, 0), OSCORE_OK);
  CHECK_EQ_INT(w.size, OSCORE_REPLAY_DEFAULT_SIZE);
  CHECK_EQ_INT(accept(&w, 0), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 0), OSCORE_ERR_REPLAY);

  /* Freshly derived contexts come with the window on as well. */
  static const uint8_t secret[16] = { 1 };
  oscore_ctx_params p = { 0 };
  p.aead_cose = 10;
  p.master_secret = OSCORE_BYTES(secret, sizeof secret);
  oscore_ctx ctx;
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
  CHECK_EQ_INT(accept(&ctx.replay, 3), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&ctx.replay, 3), OSCORE_ERR_REPLAY);
  oscore_ctx_wipe(&ctx);

  CHECK_EQ_INT(oscore_replay_init_unknown(&w, 32), OSCORE_OK);
  for (uint64_t s = 0; s < 100; s += 7)
    CHECK_EQ_INT(oscore_replay_check(&w, s), OSCORE_ERR_WINDOW_UNINIT);
  CHECK_EQ_INT(oscore_replay_mark(&w, 5), OSCORE_ERR_WINDOW_UNINIT);
  CHECK(!w.initialised);
}

/* B.1.2 recovery: the Echo-verified number and everything below are seen. */
static void test_init_from_fresh(void) {
  oscore_replay w;
  CHECK_EQ_INT(oscore_replay_init_unknown(&w, 32), OSCORE_OK);
  oscore_replay_init_from_fresh(&w, 1000);
  CHECK(w.initialised);
  CHECK_EQ_INT(w.index, 1000);
  CHECK_EQ_INT(w.bitfield, 1);
  CHECK_EQ_INT(w.size, 32);
  CHECK_EQ_INT(oscore_replay_check(&w, 1000), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 999), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 0), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(accept(&w, 1001), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 1031), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 1032), OSCORE_OK);
  CHECK_EQ_INT(w.index, 1001);
  CHECK_EQ_INT(oscore_replay_check(&w, 1000), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 1002), OSCORE_OK);

  oscore_replay z;
  CHECK_EQ_INT(oscore_replay_init_unknown(&z, 8), OSCORE_OK);
  oscore_replay_init_from_fresh(&z, 0);
  CHECK_EQ_INT(oscore_replay_check(&z, 0), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&z, 1), OSCORE_OK);
  CHECK_EQ_INT(z.size, 8);
}

/* uoscore-uedhoc PR #13: window state lost between calls. Run a long
 * stream with reordering and check every decision against a reference
 * that remembers everything. */
static void test_kept_across_many(void) {
  enum { N = 5000, SIZE = 32 };
  static unsigned char seen[N + 64];
  oscore_replay w;
  CHECK_EQ_INT(oscore_replay_init_empty(&w, SIZE), OSCORE_OK);
  uint64_t highest = 0;
  bool any = false;
  unsigned state = 12345, mismatches = 0, accepted = 0;
  for (unsigned i = 0; i < 4 * N; i++) {
    state = state * 1103515245u + 12345u;
    /* Mostly increasing, sometimes back by up to 40, sometimes repeated. */
    uint64_t s = i / 4;
    unsigned r = (state >> 16) % 10;
    if (r < 3 && s >= 40)
      s -= (state >> 8) % 40;
    /* Reference: valid iff not seen and not below the lowest number the
     * window still covers (highest - size + 1). */
    bool fresh = !seen[s] &&
                 (!any || s + SIZE > highest);
    oscore_err err = accept(&w, s);
    if ((err == OSCORE_OK) != fresh)
      mismatches++;
    if (err == OSCORE_OK) {
      accepted++;
      seen[s] = 1;
      if (!any || s > highest)
        highest = s;
      any = true;
    }
  }
  CHECK_EQ_INT(mismatches, 0);
  /* Each number comes up four times, some reordered: most get through. */
  CHECK(accepted > N * 9 / 10 && accepted <= N);
  /* Every number ever accepted stays refused. */
  unsigned reaccepted = 0;
  for (uint64_t s = 0; s < N; s++)
    if (seen[s] && oscore_replay_check(&w, s) == OSCORE_OK)
      reaccepted++;
  CHECK_EQ_INT(reaccepted, 0);
}

/* Save and load of sequence.json's "received": {index, bitfield}. */
static void test_persisted_roundtrip(void) {
  oscore_replay w, r;
  CHECK_EQ_INT(oscore_replay_init_empty(&w, 32), OSCORE_OK);
  uint64_t nums[] = { 3, 9, 40, 41, 44, 60, 55, 70 };
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    CHECK_EQ_INT(accept(&w, nums[i]), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_init_persisted(&r, 32, w.index, w.bitfield),
               OSCORE_OK);
  CHECK(r.initialised);
  for (uint64_t s = 0; s < 200; s++)
    CHECK_EQ_INT(oscore_replay_check(&r, s), oscore_replay_check(&w, s));
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    CHECK_EQ_INT(oscore_replay_check(&r, nums[i]), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(accept(&r, 71), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 71), OSCORE_OK);
  CHECK_EQ_INT(r.index, w.index);
  CHECK_EQ_INT(r.bitfield, w.bitfield);

  /* A value aiocoap wrote (index 5, bits 0, 30, 31 of its doctest). */
  CHECK_EQ_INT(oscore_replay_init_persisted(&r, 32, 5, 0xc0000001u), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&r, 5), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&r, 4), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&r, 6), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&r, 35), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&r, 36), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&r, 37), OSCORE_OK);

  /* Bits at or above the size cannot come from a real window. */
  CHECK_EQ_INT(oscore_replay_init_persisted(&r, 32, 0, UINT64_C(1) << 32),
               OSCORE_ERR_INVALID_ARG);
  CHECK_EQ_INT(oscore_replay_init_persisted(&r, 32, 0, UINT64_C(1) << 31),
               OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_init_persisted(&r, 1, 0, 2), OSCORE_ERR_INVALID_ARG);
  CHECK_EQ_INT(oscore_replay_init_persisted(&r, 64, 7, UINT64_MAX), OSCORE_OK);
  for (uint64_t s = 0; s < 71; s++)
    CHECK_EQ_INT(oscore_replay_check(&r, s), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&r, 71), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_init_persisted(&r, 65, 0, 0), OSCORE_ERR_INVALID_ARG);
  CHECK_EQ_INT(oscore_replay_init_persisted(&r, 32, UINT64_MAX, 0),
               OSCORE_ERR_INVALID_ARG);
  CHECK_EQ_INT(oscore_replay_init_empty(&r, 65), OSCORE_ERR_INVALID_ARG);
  CHECK_EQ_INT(oscore_replay_init_unknown(&r, 65), OSCORE_ERR_INVALID_ARG);
}

/* Shifting a uint64_t by 64 or more is undefined in C: jumps beyond the
 * window must clear it, never shift by the full distance. Run under
 * -fsanitize=undefined to see the difference. */
static void jump(unsigned size, uint64_t distance) {
  oscore_replay w;
  CHECK_EQ_INT(oscore_replay_init_empty(&w, size), OSCORE_OK);
  uint64_t base = 100;
  for (uint64_t s = base; s < base + size; s++)
    CHECK_EQ_INT(accept(&w, s), OSCORE_OK);
  uint64_t top = base + size - 1;
  uint64_t far = top + distance;
  CHECK_EQ_INT(accept(&w, far), OSCORE_OK);
  CHECK_EQ_INT(w.index, far - size + 1);
  CHECK_EQ_INT(oscore_replay_check(&w, far), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, far + 1), OSCORE_OK);
  /* Old numbers that are still inside the moved window keep their bit;
   * everything else below the window is refused. */
  for (uint64_t s = base; s <= top; s++)
    CHECK_EQ_INT(oscore_replay_check(&w, s), OSCORE_ERR_REPLAY);
  if (distance < size) {
    CHECK_EQ_INT(w.bitfield >> (size - 1), 1);
    /* Numbers between the old top and far were never seen. */
    for (uint64_t s = top + 1; s < far; s++)
      CHECK_EQ_INT(oscore_replay_check(&w, s), OSCORE_OK);
  } else {
    /* Nothing but |far| is marked after a jump past the whole window. */
    CHECK_EQ_INT(w.bitfield, UINT64_C(1) << (size - 1));
    for (uint64_t s = far - size + 1; s < far; s++)
      CHECK_EQ_INT(oscore_replay_check(&w, s), OSCORE_OK);
  }
}

static void test_large_jumps(void) {
  const uint64_t distances[] = { 1, 31, 32, 33, 63, 64, 65, 127, 128,
                                 UINT64_C(1) << 39 };
  const unsigned sizes[] = { 1, 32, 63, 64 };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (size_t j = 0; j < sizeof distances / sizeof distances[0]; j++)
      jump(sizes[i], distances[j]);

  /* From an empty window straight to the largest sequence number. */
  oscore_replay w;
  CHECK_EQ_INT(oscore_replay_init_empty(&w, 64), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, OSCORE_MAX_SEQ), OSCORE_OK);
  CHECK_EQ_INT(w.index, OSCORE_MAX_SEQ - 63);
  CHECK_EQ_INT(oscore_replay_check(&w, OSCORE_MAX_SEQ), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, OSCORE_MAX_SEQ - 1), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&w, 0), OSCORE_ERR_REPLAY);
}

/* Numbers below the window are refused even if never seen. */
static void test_too_old(void) {
  oscore_replay w;
  CHECK_EQ_INT(oscore_replay_init_empty(&w, 32), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 50), OSCORE_OK);
  /* Window now covers 19..50. */
  CHECK_EQ_INT(w.index, 19);
  CHECK_EQ_INT(oscore_replay_check(&w, 18), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 0), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_mark(&w, 18), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&w, 19), OSCORE_OK);
  CHECK_EQ_INT(accept(&w, 19), OSCORE_OK);
  CHECK_EQ_INT(w.index, 19);

  oscore_replay one;
  CHECK_EQ_INT(oscore_replay_init_empty(&one, 1), OSCORE_OK);
  CHECK_EQ_INT(accept(&one, 4), OSCORE_OK);
  CHECK_EQ_INT(oscore_replay_check(&one, 3), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(oscore_replay_check(&one, 4), OSCORE_ERR_REPLAY);
  CHECK_EQ_INT(accept(&one, 5), OSCORE_OK);
}

int main(void) {
  test_aiocoap_doctest();
  test_window_never_moves_back();
  test_replay_always_on();
  test_init_from_fresh();
  test_kept_across_many();
  test_persisted_roundtrip();
  test_large_jumps();
  test_too_old();
  return unit_summary("test_replay");
}
