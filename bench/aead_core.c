/* aead-core-bench: CPU cost of one seal and one open of a small OSCORE
 * payload per AEAD of the table, through oscore_aead_encrypt/_decrypt as
 * the protect path calls them (fresh key state per call). Prints the
 * median over ROUNDS rounds of 20,000 seal+open pairs (bench/README.md).
 *   aead-core-bench [BYTES [ROUNDS]]   (defaults 64 and 15) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "oscore_alg.h"

enum { PAIRS = 20000, MAX_BYTES = 1024 };

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  long bytes = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
  long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 15;
  if (bytes < 0 || bytes > MAX_BYTES || rounds < 1 || rounds > 1000) {
    fprintf(stderr, "usage: aead-core-bench [BYTES (0-%d) [ROUNDS (1-1000)]]\n",
            MAX_BYTES);
    return 2;
  }
  static uint8_t key[OSCORE_MAX_KEY_LEN] = { 1 }, nonce[OSCORE_MAX_NONCE_LEN],
      aad[20] = { 3 }, pt[MAX_BYTES], ct[MAX_BYTES + OSCORE_MAX_TAG_LEN],
      back[MAX_BYTES];
  double *t = calloc((size_t)rounds, sizeof *t);
  if (t == NULL)
    return 1;
  printf("%-20s %10s  (%ld-byte plaintext, 20-byte AAD)\n", "AEAD",
         "seal+open", bytes);
  for (size_t i = 0; oscore_aead_at(i); i++) {
    const oscore_aead_info *a = oscore_aead_at(i);
    for (long r = 0; r < rounds; r++) {
      double t0 = now_ns();
      for (int p = 0; p < PAIRS; p++) {
        size_t n = 0, m = 0;
        nonce[0] = (uint8_t)p;
        if (oscore_aead_encrypt(a, OSCORE_BYTES(key, a->key_len),
                                OSCORE_BYTES(nonce, a->nonce_len),
                                OSCORE_BYTES(aad, sizeof aad),
                                OSCORE_BYTES(pt, (size_t)bytes), ct, sizeof ct,
                                &n) != OSCORE_OK ||
            oscore_aead_decrypt(a, OSCORE_BYTES(key, a->key_len),
                                OSCORE_BYTES(nonce, a->nonce_len),
                                OSCORE_BYTES(aad, sizeof aad),
                                OSCORE_BYTES(ct, n), back, sizeof back,
                                &m) != OSCORE_OK) {
          fprintf(stderr, "aead-core-bench: %s failed\n", a->name);
          return 1;
        }
      }
      t[r] = (now_ns() - t0) / PAIRS;
    }
    qsort(t, (size_t)rounds, sizeof *t, cmp);
    printf("%-20s %7.0f ns\n", a->name, t[rounds / 2]);
  }
  free(t);
  return 0;
}
