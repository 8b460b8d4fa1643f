#include "fs_reply.h"

#include <string.h>

void fs_reply_init(fs_reply *r, uint8_t code) {
  oscore_msg_init(&r->msg, r->opts, FS_REPLY_MAX_OPTS);
  r->msg.code = code;
  r->msg.payload = OSCORE_BYTES(r->payload, 0);
  r->optbuf_len = 0;
}

bool fs_reply_add_opt(fs_reply *r, uint16_t number, const void *value,
                      size_t len) {
  if (len > FS_REPLY_OPTBUF - r->optbuf_len)
    return false;
  uint8_t *dst = r->optbuf + r->optbuf_len;
  if (len)
    memcpy(dst, value, len);
  if (oscore_msg_add_opt(&r->msg, number, OSCORE_BYTES(dst, len)) != OSCORE_OK)
    return false;
  r->optbuf_len += len;
  return true;
}

bool fs_reply_add_uint(fs_reply *r, uint16_t number, uint32_t v) {
  uint8_t buf[4];
  size_t n = oscore_opt_uint_encode(v, buf);
  return fs_reply_add_opt(r, number, buf, n);
}

void fs_reply_set_payload(fs_reply *r, const void *data, size_t len) {
  if (len > FS_BLOCK_MAX)
    len = FS_BLOCK_MAX;
  if (len)
    memcpy(r->payload, data, len);
  r->msg.payload = OSCORE_BYTES(r->payload, len);
}

void fs_reply_error(fs_reply *r, uint8_t code, const char *text) {
  fs_reply_init(r, code);
  if (text)
    fs_reply_set_payload(r, text, strlen(text));
}
