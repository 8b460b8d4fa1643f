/* Content-Format of a file from its name: extension -> media type through a
 * mime.types file (Debian's media-types package installs /etc/mime.types),
 * media type -> CoAP Content-Format number through the IANA registry
 * entries compiled in below. Like aiocoap, text/ types without a number of
 * their own are sent as 0 (text/plain; charset=utf-8). */
#ifndef FS_MIME_H
#define FS_MIME_H

#include "fs_error.h"

#define FS_MIME_DEFAULT_FILE "/etc/mime.types"

typedef struct fs_mime fs_mime;

/* Read |path| (NULL: FS_MIME_DEFAULT_FILE). A missing file is not an error:
 * the table is empty and no Content-Format is guessed. */
fs_err fs_mime_load(const char *path, fs_mime **out);
void fs_mime_free(fs_mime *m);

/* Media type for file name |name| (the last path segment), or NULL. The
 * longest listed suffix wins ("x.tm.json" before "x.json"); case-blind. */
const char *fs_mime_type(const fs_mime *m, const char *name);
/* CoAP Content-Format for |type|, or -1 when it has none. */
int fs_mime_coap_format(const char *type);
/* Both steps: Content-Format for file |name|, or -1. */
int fs_mime_format_of(const fs_mime *m, const char *name);

#endif
