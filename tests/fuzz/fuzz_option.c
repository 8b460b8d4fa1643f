/* The OSCORE option value decoder (RFC 8613 §6.1), oscore_option_decode.
 * Invariants: what decodes lies inside the input, and encoding it again
 * gives back the same bytes (the encoding has no redundancy: lengths come
 * from the flag bits, nothing may follow without a kid). */
#include <string.h>
#include "fuzz.h"
#include "oscore_context.h"
#include "oscore_option.h"

static bool within(oscore_bytes v, const uint8_t *data, size_t size) {
  return v.len == 0 ||
         (v.ptr >= data && v.ptr <= data + size &&
          v.len <= (size_t)(data + size - v.ptr));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  oscore_option o;
  if (oscore_option_decode(OSCORE_BYTES(data, size), &o) != OSCORE_OK)
    return 0;
  FUZZ_CHECK(within(o.piv, data, size));
  FUZZ_CHECK(within(o.kid, data, size));
  FUZZ_CHECK(within(o.kid_context, data, size));
  FUZZ_CHECK(o.piv.len <= 5);
  FUZZ_CHECK(o.has_kid || o.kid.len == 0);
  FUZZ_CHECK(o.has_kid_context || o.kid_context.len == 0);

  uint8_t again[1 + 5 + 1 + 255 + 4096];
  size_t len;
  if (size <= sizeof again) {
    FUZZ_CHECK(oscore_option_encode(&o, again, sizeof again, &len) ==
               OSCORE_OK);
    FUZZ_CHECK(len == size && (size == 0 || memcmp(again, data, size) == 0));
    /* One byte short of room is refused, never overrun. */
    if (len)
      FUZZ_CHECK(oscore_option_encode(&o, again, len - 1, &len) ==
                 OSCORE_ERR_BUFFER_TOO_SMALL);
  }
  if (o.piv.len) {
    uint64_t seq;
    FUZZ_CHECK(oscore_piv_decode(o.piv, &seq) == OSCORE_OK);
    FUZZ_CHECK(seq <= OSCORE_MAX_SEQ);
  }
  return 0;
}
