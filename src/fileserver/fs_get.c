#include "fs_get.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "fs_block.h"
#include "fs_etag.h"

static bool has_opt(const oscore_msg *m, uint16_t number) {
  return oscore_msg_find_opt(m, number) != NULL;
}

/* Is one of the request's ETag options equal to |etag|? */
static bool etag_matches(const oscore_msg *req, const uint8_t *etag,
                         size_t len) {
  if (len == 0)
    return false;
  for (size_t i = 0; i < req->n_opts; i++) {
    const oscore_opt *o = &req->opts[i];
    if (o->number == OSCORE_OPT_ETAG && o->value.len == len &&
        memcmp(o->value.ptr, etag, len) == 0)
      return true;
  }
  return false;
}

static void valid_reply(fs_reply *reply, const uint8_t *etag, size_t len) {
  fs_reply_init(reply, OSCORE_CODE(2, 3));
  fs_reply_add_opt(reply, OSCORE_OPT_ETAG, etag, len);
}

/* Options of a 2.05 carrying |slice| of a |total|-byte body. */
static void content_options(fs_reply *reply, const fs_slice *slice,
                            uint64_t total, const uint8_t *etag,
                            size_t etag_len, bool send_etag, int cf,
                            const oscore_msg *req) {
  if (send_etag && etag_len)
    fs_reply_add_opt(reply, OSCORE_OPT_ETAG, etag, etag_len);
  if (cf >= 0)
    fs_reply_add_uint(reply, OSCORE_OPT_CONTENT_FORMAT, (uint32_t)cf);
  if (slice->blockwise) {
    uint8_t b[3];
    size_t n = fs_block_encode(slice->block, b);
    fs_reply_add_opt(reply, OSCORE_OPT_BLOCK2, b, n);
  }
  /* Size2 is a uint option of up to 4 bytes; bigger bodies go without. */
  if (((slice->blockwise && slice->block.num == 0) ||
       has_opt(req, OSCORE_OPT_SIZE2)) && total <= UINT32_MAX)
    fs_reply_add_uint(reply, OSCORE_OPT_SIZE2, (uint32_t)total);
}

void fs_get_file(int fd, const struct stat *st, const char *name,
                 const fs_mime *mime, size_t etag_len, const oscore_msg *req,
                 fs_reply *reply) {
  uint8_t etag[FS_ETAG_MAX];
  size_t elen = fs_etag_of_stat(st, etag_len, etag);
  if (etag_matches(req, etag, elen)) {
    valid_reply(reply, etag, elen);
    return;
  }
  uint64_t total = st->st_size > 0 ? (uint64_t)st->st_size : 0;
  fs_slice slice;
  if (!fs_block_slice(req, total, &slice)) {
    fs_reply_error(reply, OSCORE_CODE(4, 0), "Error: Invalid Block2 option");
    return;
  }
  fs_reply_init(reply, OSCORE_CODE(2, 5));
  size_t got = 0;
  while (got < slice.len) {
    ssize_t n = pread(fd, reply->payload + got, slice.len - got,
                      (off_t)(slice.offset + got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      fs_reply_error(reply, OSCORE_CODE(5, 0), "Error: Cannot read file");
      return;
    }
    if (n == 0)
      break;
    got += (size_t)n;
  }
  if (got < slice.len) {
    /* Someone truncated the file in place after our fstat: send what is
     * there as the last block rather than bytes we never read. */
    slice.len = got;
    slice.block.more = false;
    slice.blockwise = slice.block.num > 0;
  }
  reply->msg.payload = OSCORE_BYTES(reply->payload, slice.len);
  content_options(reply, &slice, total, etag, elen,
                  slice.blockwise || has_opt(req, OSCORE_OPT_ETAG),
                  fs_mime_format_of(mime, name), req);
}

void fs_get_body(const void *body, size_t len, const uint8_t *etag,
                 size_t etag_len, int content_format, const oscore_msg *req,
                 fs_reply *reply) {
  if (etag_matches(req, etag, etag_len)) {
    valid_reply(reply, etag, etag_len);
    return;
  }
  fs_slice slice;
  if (!fs_block_slice(req, len, &slice)) {
    fs_reply_error(reply, OSCORE_CODE(4, 0), "Error: Invalid Block2 option");
    return;
  }
  fs_reply_init(reply, OSCORE_CODE(2, 5));
  if (slice.len)
    fs_reply_set_payload(reply, (const uint8_t *)body + slice.offset,
                         slice.len);
  content_options(reply, &slice, len, etag, etag_len, true, content_format,
                  req);
}
