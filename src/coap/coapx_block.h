/* Block1/Block2 option values (RFC 7959 §2.2) for the client's end-to-end
 * block-wise transfers. Under OSCORE these are inner options: every block
 * is its own protected exchange (RFC 8613 §4.1.3.4.2). */
#ifndef COAPX_BLOCK_H
#define COAPX_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coapx_error.h"
#include "oscore_bytes.h"

/* SZX 0..6 means blocks of 16..1024 bytes; 7 is BERT, which needs a
 * reliable transport (RFC 8323) and is refused over UDP. */
#define COAPX_BLOCK_MAX_SZX     6
#define COAPX_BLOCK_MAX_NUM     ((UINT32_C(1) << 20) - 1)

typedef struct {
  uint32_t num;
  bool more;
  unsigned szx;
} coapx_block;

/* Bytes in a block of size exponent |szx|. */
static inline size_t coapx_block_size(unsigned szx) {
  return (size_t)16 << szx;
}

/* Decode a Block1/Block2 value (0..3 bytes). COAPX_ERR_PROTOCOL when it is
 * longer than 3 bytes or uses SZX 7. */
coapx_err coapx_block_decode(oscore_bytes value, coapx_block *out);

/* The same, over a reliable transport when |reliable|: there SZX 7 is
 * BERT (RFC 8323 §6), NUM counting 1024-byte units and the payload a
 * multiple of them. Our CSM holds messages to one datagram
 * (Max-Message-Size 1472), so a BERT block is one unit: it is read as SZX
 * 6 with the same NUM, and a longer BERT payload fails the caller's
 * block-size check. */
coapx_err coapx_block_decode_bert(oscore_bytes value, bool reliable,
                                  coapx_block *out);

/* Encode |b| minimally into |out| (3 bytes); returns the length (0 for
 * num 0, more 0, szx 0, as RFC 7252 §3.2 allows). 0 also when |b| is out
 * of range — check with coapx_block_valid() first. */
size_t coapx_block_encode(const coapx_block *b, uint8_t out[3]);

/* |b| fits the option: num below 2^20 and szx at most 6. */
bool coapx_block_valid(const coapx_block *b);

#endif
