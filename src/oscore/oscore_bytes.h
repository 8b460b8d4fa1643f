/* A read-only byte slice: pointer and length always travel together. */
#ifndef OSCORE_BYTES_H
#define OSCORE_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *ptr;
  size_t len;
} oscore_bytes;

#define OSCORE_BYTES(p, n) ((oscore_bytes){ (const uint8_t *)(p), (n) })

#endif
