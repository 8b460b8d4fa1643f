/* The -v line per request: peer, identity, method, path, code, bytes.
 * Only what the dispatcher's log entry holds, which by design has no keys,
 * nonces or payload bytes; control characters in paths are escaped so a
 * client cannot forge log lines. */
#ifndef FS_LOG_H
#define FS_LOG_H

#include <stddef.h>
#include <stdio.h>
#include "coapx_server.h"

/* Write one line for |e| to |f|, prefixed with |prog|. */
void fs_log_request(FILE *f, const char *prog, const coapx_log_entry *e);
/* Format the same line (without newline) into |buf|; for the tests. */
void fs_log_format(char *buf, size_t cap, const coapx_log_entry *e);

#endif
