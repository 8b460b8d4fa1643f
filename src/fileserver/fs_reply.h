/* A response under construction: code, options and payload, with storage
 * for all of them inside the struct so that building one never allocates.
 * Option values point into the struct itself: do not copy an fs_reply by
 * value, pass it by pointer. */
#ifndef FS_REPLY_H
#define FS_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "oscore_msg.h"

/* Block size exponent 6 = 1024 bytes: the largest block RFC 7959 allows on
 * UDP (SZX 7 is reserved there), and aiocoap-fileserver's default. */
#define FS_SZX_MAX 6
#define FS_BLOCK_MAX 1024
#define FS_REPLY_MAX_OPTS 12
#define FS_REPLY_OPTBUF 96

typedef struct {
  oscore_msg msg;
  oscore_opt opts[FS_REPLY_MAX_OPTS];
  uint8_t optbuf[FS_REPLY_OPTBUF];
  size_t optbuf_len;
  uint8_t payload[FS_BLOCK_MAX];
} fs_reply;

/* Reset |r| to an empty answer with |code|. */
void fs_reply_init(fs_reply *r, uint8_t code);
/* Append option |number| with a copy of |len| bytes of |value|. False when
 * the option array or value storage is full (a programming error: the
 * fileserver never adds more than a handful). */
bool fs_reply_add_opt(fs_reply *r, uint16_t number, const void *value,
                      size_t len);
/* Append option |number| holding the minimal encoding of |v|. */
bool fs_reply_add_uint(fs_reply *r, uint16_t number, uint32_t v);
/* Copy |len| bytes (at most FS_BLOCK_MAX) as the payload. */
void fs_reply_set_payload(fs_reply *r, const void *data, size_t len);
/* Reset |r| to |code| with the diagnostic |text| as payload (aiocoap's
 * error texts, e.g. "Error: File not found!"). */
void fs_reply_error(fs_reply *r, uint8_t code, const char *text);

#endif
