/* A CoAP message as the core sees it: code, options (sorted by number, values
 * pointing into buffers the caller owns) and payload. The glue layer fills one
 * from a libcoap PDU and back; the core never sees libcoap types. */
#ifndef OSCORE_MSG_H
#define OSCORE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "oscore_bytes.h"
#include "oscore_error.h"

/* CoAP option numbers the core must know (RFC 7252, 7641, 7959, 8613, 9175). */
enum {
  OSCORE_OPT_IF_MATCH = 1, OSCORE_OPT_URI_HOST = 3, OSCORE_OPT_ETAG = 4,
  OSCORE_OPT_IF_NONE_MATCH = 5, OSCORE_OPT_OBSERVE = 6, OSCORE_OPT_URI_PORT = 7,
  OSCORE_OPT_LOCATION_PATH = 8, OSCORE_OPT_OSCORE = 9, OSCORE_OPT_URI_PATH = 11,
  OSCORE_OPT_CONTENT_FORMAT = 12, OSCORE_OPT_MAX_AGE = 14,
  OSCORE_OPT_URI_QUERY = 15, OSCORE_OPT_ACCEPT = 17,
  OSCORE_OPT_LOCATION_QUERY = 20, OSCORE_OPT_BLOCK2 = 23,
  OSCORE_OPT_BLOCK1 = 27, OSCORE_OPT_SIZE2 = 28, OSCORE_OPT_PROXY_URI = 35,
  OSCORE_OPT_PROXY_SCHEME = 39, OSCORE_OPT_SIZE1 = 60, OSCORE_OPT_ECHO = 252,
  OSCORE_OPT_NO_RESPONSE = 258, OSCORE_OPT_REQUEST_TAG = 292,
};

/* CoAP codes as one byte (class << 5 | detail). */
#define OSCORE_CODE(c, d) ((uint8_t)(((c) << 5) | (d)))
enum {
  OSCORE_CODE_GET = 1, OSCORE_CODE_POST = 2, OSCORE_CODE_PUT = 3,
  OSCORE_CODE_DELETE = 4, OSCORE_CODE_FETCH = 5, OSCORE_CODE_PATCH = 6,
  OSCORE_CODE_IPATCH = 7,
};

typedef struct {
  uint16_t number;
  oscore_bytes value;
} oscore_opt;

typedef struct {
  uint8_t code;
  oscore_opt *opts;     /* caller-owned array, sorted by number (stable) */
  size_t n_opts;
  size_t cap_opts;
  oscore_bytes payload;
} oscore_msg;

/* Start an empty message that will use |opts| (|cap| entries) as storage. */
void oscore_msg_init(oscore_msg *m, oscore_opt *opts, size_t cap);
/* Insert an option keeping the array sorted (after equal numbers).
 * OSCORE_ERR_BUFFER_TOO_SMALL when full. The value is not copied. */
oscore_err oscore_msg_add_opt(oscore_msg *m, uint16_t number, oscore_bytes value);
/* First option with |number|, or NULL. */
const oscore_opt *oscore_msg_find_opt(const oscore_msg *m, uint16_t number);
/* Remove every option with |number|. */
void oscore_msg_remove_opt(oscore_msg *m, uint16_t number);
/* Decode a CoAP unsigned-integer option value (0..4 bytes, RFC 7252 §3.2). */
oscore_err oscore_opt_uint(oscore_bytes value, uint32_t *out);
/* Encode |v| as a minimal uint option value into |out| (4 bytes); returns len. */
size_t oscore_opt_uint_encode(uint32_t v, uint8_t out[4]);

/* Serialise options (delta-encoded, RFC 7252 §3.1), then 0xFF and the
 * payload when it is not empty, into |out|. */
oscore_err oscore_opts_payload_encode(const oscore_msg *m, uint8_t *out,
                                      size_t cap, size_t *len);
/* Parse options and payload from |in| into |m| (values point into |in|). */
oscore_err oscore_opts_payload_decode(oscore_bytes in, oscore_msg *m);

/* A whole CoAP-over-UDP datagram (RFC 7252 §3): header, token, options,
 * payload. For tests, fuzzing and raw-socket tools; the glue uses libcoap. */
typedef struct {
  uint8_t type;         /* 0 CON, 1 NON, 2 ACK, 3 RST */
  uint16_t mid;
  uint8_t token[8];
  size_t token_len;
  oscore_msg msg;
} oscore_datagram;

oscore_err oscore_datagram_decode(oscore_bytes in, oscore_datagram *d);
oscore_err oscore_datagram_encode(const oscore_datagram *d, uint8_t *out,
                                  size_t cap, size_t *len);

#endif
