/* The request body from --payload: the text itself, @FILE, or @- (stdin),
 * as aiocoap-client reads it. */
#ifndef CLIENT_PAYLOAD_H
#define CLIENT_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *data;      /* owned (NULL when empty) */
  size_t len;
} client_payload;

/* Load |arg| (NULL: no body). On failure returns false with one line in
 * |err| naming the file and the reason. */
bool client_payload_load(const char *arg, client_payload *out, char *err,
                         size_t cap);
void client_payload_free(client_payload *p);

#endif
