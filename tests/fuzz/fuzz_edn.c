/* CBOR diagnostic notation (src/edn, edn_parse/edn_encode) on arbitrary
 * text. Invariants: a refusal names a position inside the text (line and
 * column agreeing with it); what is accepted encodes to CBOR that libcbor
 * decodes whole (where libcbor 0.8 can decode it, see below); and an accepted text inside "[" ... "\n]" gives the same
 * item as the one element of an array (only nesting depth may refuse). */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "edn.h"

static void check_error(const uint8_t *data, size_t size, const edn_error *e) {
  FUZZ_CHECK(e->what != NULL);
  FUZZ_CHECK(e->offset <= size);
  size_t line = 1, col = 1;
  for (size_t i = 0; i < e->offset; i++) {
    if (data[i] == '\n') { line++; col = 1; } else col++;
  }
  FUZZ_CHECK(e->line == line && e->column == col);
}

/* libcbor 0.8's decoder refuses well-formed items it has no type for:
 * tags 6..20 in the initial byte (c6..d4) and unassigned simple values
 * (e0..f3, f8 xx). A refusal is only excused when such a byte is there. */
static bool libcbor_refuses(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((b[i] >= 0xc6 && b[i] <= 0xd4) || (b[i] >= 0xe0 && b[i] <= 0xf3) ||
        b[i] == 0xf8)
      return true;
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *out = NULL;
  size_t n = 0;
  edn_error err;
  if (!edn_encode((const char *)data, size, &out, &n, &err)) {
    check_error(data, size, &err);
    return 0;
  }
  struct cbor_load_result res;
  cbor_item_t *back = cbor_load(out, n, &res);
  FUZZ_CHECK(back == NULL || res.read == n);
  if (back) cbor_decref(&back);
  else FUZZ_CHECK(libcbor_refuses(out, n));

  char *wrapped = malloc(size + 3);
  FUZZ_CHECK(wrapped != NULL);
  wrapped[0] = '[';
  memcpy(wrapped + 1, data, size);
  memcpy(wrapped + 1 + size, "\n]", 2);
  uint8_t *out2 = NULL;
  size_t n2 = 0;
  if (edn_encode(wrapped, size + 3, &out2, &n2, &err)) {
    FUZZ_CHECK(n2 == n + 1 && out2[0] == 0x81 && memcmp(out2 + 1, out, n) == 0);
  } else {
    FUZZ_CHECK(strcmp(err.what, "nested too deeply") == 0);
  }
  free(out2);
  free(wrapped);
  free(out);
  return 0;
}
