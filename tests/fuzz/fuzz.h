/* What every fuzz harness shares. A harness is one function,
 * LLVMFuzzerTestOneInput(), that feeds bytes to the real code. Built with
 * -Dfuzzing=true (clang) libFuzzer drives it; otherwise fuzz_main.c does,
 * over the seed corpus and bounded deterministic mutations of it, so that
 * the default test suite runs every harness (tests/fuzz/README.md).
 *
 * A harness returns 0 whatever the input; a broken invariant is a crash
 * (FUZZ_CHECK aborts), which is what both drivers report. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
    if (!(cond)) { \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
              #cond); \
      abort(); \
    } \
  } while (0)

#endif
