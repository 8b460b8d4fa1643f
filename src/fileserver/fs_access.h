/* Who may read or write what.
 *
 * Without a rules file every caller may read, and may write when --write is
 * given. With --access FILE, nothing is allowed that a rule does not grant.
 * The file is a JSON object mapping an identity to an object that maps path
 * prefixes to rights:
 *
 *   {
 *     ":client1":  { "/upload/": "rw" },
 *     "anonymous": { "/": "" },
 *     "*":         { "/": "r" }
 *   }
 *
 * Identities: a credential label as it appears in the --credentials file
 * (":client1"), "anonymous" for requests without OSCORE, "*" for every
 * caller including anonymous ones. Prefixes start with '/' and match whole
 * segments: "/upload" and "/upload/" both cover /upload and everything
 * below it, but not /uploads. Rights: "r" (GET, observe, listings), "w"
 * (PUT, DELETE), "rw", or "" (nothing). For a request, the rule with the
 * longest matching prefix among the caller's own and the "*" rules
 * decides; at equal length the caller's own rule wins. So above, :client1
 * may write under /upload/ and read everywhere (through "*"), unprotected
 * callers get nothing, and other OSCORE identities may only read.
 * Writes still need --write. /.well-known/core is always readable. */
#ifndef FS_ACCESS_H
#define FS_ACCESS_H

#include <stddef.h>
#include "fs_error.h"

enum { FS_RIGHT_READ = 1, FS_RIGHT_WRITE = 2 };

typedef struct fs_access fs_access;

/* Load the rules in |path|. On failure, a one-line reason (no file
 * content beyond the offending key) goes to |why|. */
fs_err fs_access_load(const char *path, fs_access **out, char *why,
                      size_t why_len);
/* Parse rules from JSON text (used by fs_access_load and the tests). */
fs_err fs_access_parse(const char *json, fs_access **out, char *why,
                       size_t why_len);
void fs_access_free(fs_access *a);

/* Rights of |identity| on relative path |rel| ("" is the root, "a/b").
 * A NULL rule set grants everything. */
unsigned fs_access_rights(const fs_access *a, const char *identity,
                          const char *rel);

/* Call |fn| with the path prefix ("" the root, else "a/b") of every rule
 * that grants writing to anyone, leaving out those below another such
 * prefix (it covers them). */
void fs_access_each_writable(const fs_access *a,
                             void (*fn)(void *ctx, const char *prefix),
                             void *ctx);

#endif
