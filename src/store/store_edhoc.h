/* EDHOC in the store: the OSCORE context an EDHOC session established
 * (RFC 9528 Appendix A.1), kept in memory. */
#ifndef STORE_EDHOC_H
#define STORE_EDHOC_H

#include "edhoc.h"
#include "store.h"

/* An in-memory context (store_context_new_in_memory) from the exported
 * parameters |o|: application AEAD, SHA-256, no ID context, default replay
 * window. |name| appears in messages. Errors: those of the constructor. */
store_err store_context_from_edhoc(const edhoc_oscore *o, const char *name,
                                   store_diag *diag, store_context **out);

/* One "edhoc-oscore" entry of a credentials map, as aiocoap's
 * EdhocCredentials reads it (members with "-" or "_" alike):
 *   suite, method            integers (required)
 *   own_cred                 {14: CCS}, or {"unauthenticated": true}
 *   own_cred_style           "by-key-id" or "by-value"
 *   private_key_file         a .cosekey file, relative to the map's
 *                            directory (aiocoap: the current directory)
 *   peer_cred                {14: CCS}, or {"unauthenticated": true}
 *   use_combined_edhoc       boolean (client: RFC 9668 or not)
 * own_cred, own_cred_style and the key come together or not at all. A
 * credential's CCS is kept canonically encoded: those are the CRED_x
 * bytes aiocoap authenticates. */
typedef struct store_edhoc_entry_s {
  int suite;
  int method;
  bool has_own;
  bool own_unauthenticated;     /* a throw-away key, sent by value */
  edhoc_idcred_kind own_style;  /* EDHOC_IDCRED_KID or _KCCS */
  uint8_t *own_ccs;
  size_t own_ccs_len;
  edhoc_key *own_key;
  bool has_peer;
  bool peer_unauthenticated;    /* accept any CCS sent by value */
  uint8_t *peer_ccs;
  size_t peer_ccs_len;
  int combined;                 /* -1 unset, 0 no, 1 yes */
} store_edhoc_entry;

/* Parses the entry object |obj| (a libcbor map with text keys, as an EDN
 * or CBOR map gives it) of entry |label| in the map at |map_path| into
 * |out|. Errors (STORE_ERR_MALFORMED, _MISSING, _UNSUPPORTED, and those of
 * loading the key file) name the map, the entry and the member. */
struct cbor_item_t;
store_err store_edhoc_entry_parse(const struct cbor_item_t *obj,
                                  const char *label, const char *map_path,
                                  store_edhoc_entry *out, store_diag *diag);
/* The same from a JSON map's entry object: numbers, strings and booleans
 * as they are; a credential is {"hex": "..."} holding the CBOR of
 * {14: CCS} (JSON has no integer keys), or {"unauthenticated": true}. */
struct cJSON;
store_err store_edhoc_entry_parse_json(const struct cJSON *obj,
                                       const char *label, const char *map_path,
                                       store_edhoc_entry *out,
                                       store_diag *diag);
void store_edhoc_entry_clear(store_edhoc_entry *e);

/* The peer credential of entry |e| that |id| names, into |out| (cleared
 * by the caller): its peer_cred when |id| names it, or with
 * {"unauthenticated": true} any CCS the peer sent by value.
 * EDHOC_ERR_UNKNOWN_CRED otherwise (also for an entry without peer). */
edhoc_err store_edhoc_peer_match(const store_edhoc_entry *e,
                                 const edhoc_id_cred *id, edhoc_cred *out);
/* Entry |e|'s own credential and key for |suite| and whether we sign:
 * own_cred and its key (a reference), or for an unauthenticated own_cred
 * a fresh throw-away key of the right curve in a CCS without kid.
 * EDHOC_ERR_INVALID_ARG when |e| has no own credential. */
edhoc_err store_edhoc_own(const store_edhoc_entry *e, const edhoc_suite *suite,
                          bool sign, edhoc_cred *cred, edhoc_key **key);
/* Whether entry |e|'s own key can serve |suite| (signing or static DH). */
bool store_edhoc_own_fits(const store_edhoc_entry *e, const edhoc_suite *suite,
                          bool sign);

#endif
