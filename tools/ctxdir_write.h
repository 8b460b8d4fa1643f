/* Writing a new security context directory (aiocoap's format, see
 * oscore-contexts(5)): the one home of what oscore-context-pair and
 * oscore-context-import both write. Nothing here prints. */
#ifndef CTXDIR_WRITE_H
#define CTXDIR_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What goes into settings.json and secret.json. */
typedef struct {
  const uint8_t *sender_id;
  size_t sender_id_len;
  const uint8_t *recipient_id;
  size_t recipient_id_len;
  bool has_id_context;
  const uint8_t *id_context;
  size_t id_context_len;
  const char *algorithm;  /* written as given */
  const char *kdf;        /* "kdf-hashfun", written as given */
  const char *extra;      /* more settings members, each ",\n  ...", or "" */
  const uint8_t *secret;
  size_t secret_len;
  const uint8_t *salt;
  size_t salt_len;
} ctxdir_values;

/* Where ctxdir_write failed (errno says why). */
typedef enum {
  CTXDIR_OK = 0,
  CTXDIR_TOO_LONG,   /* a path or value does not fit (ENAMETOOLONG) */
  CTXDIR_PARENT,     /* a missing parent could not be made */
  CTXDIR_MKDIR,      /* the directory itself (EEXIST: it exists) */
  CTXDIR_FILE,       /* writing a file in it; |what| names the file */
} ctxdir_err;

/* Lower-case hex of |n| bytes into |out| (2n + 1 bytes). */
void ctxdir_to_hex(const uint8_t *b, size_t n, char *out);

/* Write |dir| (new, mode 0700; missing parents made 0700): secret.json
 * (0600, created before a byte of the secret is written) then
 * settings.json (0644), each O_EXCL and fsynced, every byte value as
 * "_hex". Refuses an existing |dir|; on failure removes what it made.
 * CTXDIR_OK, else the failing step with errno set and |what| naming the
 * directory or file at fault. Copies of the secret are wiped. */
ctxdir_err ctxdir_write(const char *dir, const ctxdir_values *v, char *what,
                        size_t what_cap);

/* Undo a directory ctxdir_write made: only the files it creates. */
void ctxdir_remove(const char *dir);

#endif
