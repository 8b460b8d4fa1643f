#include "oscore_secret.h"
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

void oscore_wipe(void *p, size_t n) {
  if (p != NULL && n > 0)
    explicit_bzero(p, n);
}

bool oscore_secret_equal(const void *a, const void *b, size_t n) {
  const volatile uint8_t *x = a, *y = b;
  uint8_t diff = 0;
  for (size_t i = 0; i < n; i++)
    diff |= (uint8_t)(x[i] ^ y[i]);
  return diff == 0;
}

oscore_err oscore_random(void *buf, size_t n) {
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return OSCORE_ERR_CRYPTO;
    p += got;
    n -= (size_t)got;
  }
  return OSCORE_OK;
}
