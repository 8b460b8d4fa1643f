/* Block option arithmetic (RFC 7959 §2.2): value = NUM << 4 | M << 3 | SZX,
 * block size 2^(SZX + 4), NUM at most 20 bits. */
#ifndef FS_BLOCK_H
#define FS_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "oscore_msg.h"

#define FS_BLOCK_NUM_MAX ((UINT32_C(1) << 20) - 1)

typedef struct {
  uint32_t num;
  bool more;
  uint8_t szx;
} fs_block;

/* Decode a Block1/Block2 value. False when it is longer than 3 bytes or
 * uses SZX 7 (reserved on UDP; BERT is for reliable transports only). */
bool fs_block_decode(oscore_bytes value, fs_block *out);
/* Encode |b| minimally into |out|; returns the length (0..3). */
size_t fs_block_encode(fs_block b, uint8_t out[3]);

static inline size_t fs_block_size(uint8_t szx) { return (size_t)16 << szx; }
static inline uint64_t fs_block_offset(fs_block b) {
  return (uint64_t)b.num << (b.szx + 4);
}

/* Which part of a body of |total| bytes answers a Block2 request. */
typedef struct {
  fs_block block;      /* to send back (num, more, szx) */
  uint64_t offset;
  size_t len;          /* bytes to send from |offset| */
  bool blockwise;      /* a Block2 option belongs in the answer */
} fs_slice;

/* Work out the slice of a |total|-byte body that |req| asks for: block 0 of
 * 1024 bytes without a Block2 option, else the requested block (SZX 0..6;
 * 7 is refused by fs_block_decode, so no size above ours can arrive).
 * Offsets at or past the end give an empty last block, as aiocoap does.
 * False when the request's Block2 option is malformed. */
bool fs_block_slice(const oscore_msg *req, uint64_t total, fs_slice *out);

#endif
