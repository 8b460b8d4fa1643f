/* The resources of a LwM2M OSCORE object instance (object 21, LwM2M 1.1
 * and 1.2; DRAFT08.md "LwM2M OSCORE object") turned into the parameters of
 * a security context directory, and that directory written. Used by
 * oscore-context-import; nothing here prints. */
#ifndef LWM2M_OBJECT_H
#define LWM2M_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "oscore_context.h"

/* Our bound on the master secret and salt (the store reads 256 bytes). */
#define LWM2M_MAX_SECRET_LEN 256

typedef struct {
  uint8_t secret[LWM2M_MAX_SECRET_LEN];   /* resource 0 */
  size_t secret_len;
  uint8_t sender_id[OSCORE_MAX_ID_LEN];   /* resource 1 */
  size_t sender_id_len;
  uint8_t recipient_id[OSCORE_MAX_ID_LEN];/* resource 2 */
  size_t recipient_id_len;
  int aead;                               /* resource 3, COSE number */
  int hmac;                               /* resource 4, COSE number */
  uint8_t salt[LWM2M_MAX_SECRET_LEN];     /* resource 5 */
  size_t salt_len;
  bool has_id_context;                    /* resource 6 (object 1.1) */
  uint8_t id_context[OSCORE_MAX_IDCTX_LEN];
  size_t id_context_len;
} lwm2m_oscore_object;

/* What to write besides the object. */
typedef struct {
  bool peer;             /* the object's peer: sender and recipient swapped */
  bool draft08;          /* "oscore-version": "draft-08" */
  bool option_given;     /* "option-number" written (draft-08 only) */
  unsigned option_number;
  bool iv_null;          /* "common-iv-id": "null" (draft-08 only) */
} lwm2m_import_opts;

/* A resource value: "hex:HEX" (an Opaque resource, LwM2M 1.2), "text:TEXT"
 * or bare TEXT (a String resource, LwM2M 1.0/1.1: its bytes as given).
 * At most |cap| bytes into |out|. NULL on success, else a reason. */
const char *lwm2m_value_parse(const char *arg, uint8_t *out, size_t cap,
                              size_t *len);

/* Check |obj| with |o| as the core would derive it (algorithms known, ID
 * lengths, draft-08 fixing AES-CCM-16-64-128 and HKDF SHA-256, non-empty
 * secret). NULL when fine, else a sentence into |why|. */
const char *lwm2m_check(const lwm2m_oscore_object *obj,
                        const lwm2m_import_opts *o, char *why, size_t cap);

/* Write |dir| (new, mode 0700; missing parents made 0700): settings.json
 * (0644) and secret.json (0600, created before a byte of the secret is
 * written), every byte value as "_hex", as aiocoap and oscore-contexts(5)
 * read it. Refuses an existing |dir|; on failure removes what it made.
 * 0 on success, else -1 with errno set and |*what| naming the path. */
int lwm2m_write_dir(const char *dir, const lwm2m_oscore_object *obj,
                    const lwm2m_import_opts *o, char *what, size_t what_cap);

#endif
