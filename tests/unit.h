/* Minimal unit-test helpers: each CHECK prints a failure with file and line
 * and counts it; main() returns unit_summary(), which meson reads as the
 * exit status (0 pass, 1 fail, 77 skip). */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>

static int unit_failures;
static int unit_checks;

#define CHECK(cond) do { \
    unit_checks++; \
    if (!(cond)) { \
      unit_failures++; \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    } \
  } while (0)

#define CHECK_EQ_INT(a, b) do { \
    long long unit_a_ = (long long)(a), unit_b_ = (long long)(b); \
    unit_checks++; \
    if (unit_a_ != unit_b_) { \
      unit_failures++; \
      fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
              __LINE__, #a, unit_a_, #b, unit_b_); \
    } \
  } while (0)

#define CHECK_MEM(a, alen, b, blen) do { \
    size_t unit_al_ = (alen), unit_bl_ = (blen); \
    unit_checks++; \
    if (unit_al_ != unit_bl_ || memcmp((a), (b), unit_al_) != 0) { \
      unit_failures++; \
      fprintf(stderr, "%s:%d: bytes differ: %s (%zu) vs %s (%zu)\n", __FILE__, \
              __LINE__, #a, unit_al_, #b, unit_bl_); \
    } \
  } while (0)

static inline int unit_summary(const char *name) {
  fprintf(stderr, "%s: %d checks, %d failed\n", name, unit_checks, unit_failures);
  return unit_failures ? 1 : 0;
}

/* Parse a hex string into |out|; returns the byte count or -1. */
static inline long unit_hex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = strlen(hex);
  if (n % 2 || n / 2 > cap) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  return (long)(n / 2);
}

#endif
