/* Private: reading the JSON files of the store and decoding their values.
 * Helpers that judge a single value return a static reason (|why|) and let
 * the caller write the message, because only the caller knows which
 * directory, file and key the value came from. */
#ifndef STORE_JSON_H
#define STORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "store.h"

#define STORE_JSON_MAX_CTX_FILE   (64u * 1024u)
#define STORE_JSON_MAX_CRED_FILE  (1024u * 1024u)

/* Read the regular file |path| whole, at most |max| bytes, into a new
 * NUL-terminated buffer *text (|*len| bytes, |*cap| allocated: wipe that
 * many with oscore_wipe, then free). |absent| and |st| as for
 * store_json_load (absent: *text stays NULL). Errors: STORE_ERR_IO,
 * _NO_MEMORY. */
store_err store_file_read(const char *path, size_t max, bool *absent,
                          struct stat *st, char **text, size_t *len,
                          size_t *cap, store_diag *diag);

/* Read and parse |dir|/|name| (|dir| NULL: |name| is the whole path), at
 * most |max| bytes. The raw text is wiped once parsed (it may hold a
 * master secret). When |absent| is given, a missing file is not an error:
 * *absent becomes true and *out NULL. When |st| is given it receives the
 * fstat of the file that was read (for permission checks without a race).
 * Errors: STORE_ERR_IO (unreadable, too large), STORE_ERR_MALFORMED (not
 * JSON, or not a JSON object at the top), STORE_ERR_NO_MEMORY. */
store_err store_json_load(const char *dir, const char *name, size_t max,
                          bool *absent, struct stat *st, cJSON **out,
                          store_diag *diag);

/* Wipe every string (keys and values) of |j| and free it. NULL is fine. */
void store_json_free_wiped(cJSON *j);

/* Strict hex as Python's binascii.unhexlify reads it (what aiocoap uses for
 * "_hex" keys): an even number of [0-9a-fA-F], nothing else. Writes at most
 * |cap| bytes. false with *why on failure. */
bool store_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len,
                      const char **why);

/* An ASCII string as bytes (aiocoap's "_ascii" keys: str.encode("ascii")). */
bool store_ascii_decode(const char *s, uint8_t *out, size_t cap, size_t *len,
                        const char **why);

/* A binary value of a credentials file: {"hex": "..."} (aiocoap ignores
 * '-', ':' and ' ' between digits there) or {"ascii": "..."}, exactly one
 * member. false with *why on failure. */
bool store_json_binary(const cJSON *v, uint8_t *out, size_t cap, size_t *len,
                       const char **why);

/* Sort the members of object |v| into |slots| by name (|names|, |n| of
 * them; slots start NULL). false when a member has another name or comes
 * twice: *bad names it and *twice says which. The caller words the
 * message, knowing the file and entry. */
bool store_json_pick_members(const cJSON *v, const char *const *names,
                             const cJSON **slots, size_t n, const cJSON **bad,
                             bool *twice);

/* A JSON number that is an integer in 0..|max| (|max| at most 2^53, the
 * largest a double holds exactly). */
bool store_json_uint(const cJSON *v, uint64_t max, uint64_t *out);

#endif
