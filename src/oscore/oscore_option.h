/* The OSCORE option value (RFC 8613 §6.1): flag byte, partial IV, kid
 * context, kid. Decoding checks every length and rejects reserved bits. */
#ifndef OSCORE_OPTION_H
#define OSCORE_OPTION_H

#include <stdbool.h>
#include "oscore_bytes.h"
#include "oscore_error.h"

typedef struct {
  oscore_bytes piv;          /* 0..5 bytes; len 0 = absent */
  bool has_kid_context;
  oscore_bytes kid_context;
  bool has_kid;
  oscore_bytes kid;          /* may be present and empty */
} oscore_option;

/* Decode |value| (pointers in |out| point into |value|). An empty value is
 * valid (all fields absent). OSCORE_ERR_OPTION_MALFORMED otherwise. */
oscore_err oscore_option_decode(oscore_bytes value, oscore_option *out);

/* Encode into |buf| (|cap| bytes); an all-absent option encodes as 0 bytes. */
oscore_err oscore_option_encode(const oscore_option *o, uint8_t *buf,
                                size_t cap, size_t *len);

#endif
