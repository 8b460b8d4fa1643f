#include "fs_block.h"

#include "fs_reply.h"

bool fs_block_decode(oscore_bytes value, fs_block *out) {
  uint32_t v;
  if (value.len > 3 || oscore_opt_uint(value, &v) != OSCORE_OK)
    return false;
  if ((v & 7) == 7)
    return false;
  out->num = v >> 4;
  out->more = (v >> 3) & 1;
  out->szx = (uint8_t)(v & 7);
  return true;
}

size_t fs_block_encode(fs_block b, uint8_t out[3]) {
  uint32_t v = (b.num & FS_BLOCK_NUM_MAX) << 4 | (uint32_t)b.more << 3 |
               (b.szx & 7);
  uint8_t tmp[4];
  size_t n = oscore_opt_uint_encode(v, tmp);
  for (size_t i = 0; i < n; i++)
    out[i] = tmp[i];
  return n;
}

bool fs_block_slice(const oscore_msg *req, uint64_t total, fs_slice *out) {
  fs_block want = {0, false, FS_SZX_MAX};
  const oscore_opt *o = oscore_msg_find_opt(req, OSCORE_OPT_BLOCK2);
  if (o && !fs_block_decode(o->value, &want))
    return false;
  uint64_t size = fs_block_size(want.szx);
  uint64_t off = fs_block_offset(want);
  uint64_t left = off < total ? total - off : 0;
  out->offset = off;
  out->len = (size_t)(left < size ? left : size);
  out->block.num = want.num;
  out->block.szx = want.szx;
  out->block.more = left > size;
  out->blockwise = want.num > 0 || out->block.more;
  return true;
}
