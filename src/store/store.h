/* The store layer: aiocoap-compatible security-context directories and
 * credentials maps (docs/DESIGN.md "Store", ../shared/spec/COMPAT.md §1-2).
 * The only code that touches the user's key files.
 *
 * Nothing here prints: failures come back as a store_err plus a sentence in
 * store_diag.msg that names the directory, file and key at fault; warnings
 * (secret file readable by others, unknown keys, cwd fallback for a
 * relative basedir) go to the caller's callback. No message ever contains
 * a secret.
 *
 * Not thread-safe: one thread uses a context or credentials map at a time. */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "oscore_context.h"

typedef enum {
  STORE_OK = 0,
  STORE_ERR_INVALID_ARG,   /* caller passed something impossible */
  STORE_ERR_NO_MEMORY,
  STORE_ERR_IO,            /* a file could not be read, written or synced */
  STORE_ERR_MALFORMED,     /* not JSON, or a value of the wrong type/form */
  STORE_ERR_MISSING,       /* a required file or key is absent */
  STORE_ERR_DUPLICATE,     /* key in both static files, or both secret files */
  STORE_ERR_UNKNOWN_ALG,   /* AEAD or KDF hash name not supported */
  STORE_ERR_ID_TOO_LONG,   /* sender/recipient ID > nonce_len - 6 */
  STORE_ERR_LOCKED,        /* another process holds <dir>/lock */
  STORE_ERR_UNSUPPORTED,   /* credential type we do not implement (yet) */
  STORE_ERR_REFERENCE,     /* dangling, looping or too deep reference */
  STORE_ERR_DERIVE,        /* key derivation failed in the core */
  STORE_ERR_SEQ_EXHAUSTED, /* sender sequence number space used up */
  STORE_ERR_NEEDS_EDHOC,   /* a map has an "edhoc-oscore" entry, and this
                              program did not call store_enable_edhoc() */
} store_err;

/* A short English name of |err|, never NULL. */
const char *store_strerror(store_err err);

/* Diagnostics channel, owned by the caller; may be NULL everywhere.
 * |msg| is filled on error (NUL-terminated, names dir/file/key). |warn|, if
 * set, is called with each warning sentence; the string is only valid
 * during the call. */
typedef struct {
  char msg[512];
  void (*warn)(void *arg, const char *msg);
  void *warn_arg;
} store_diag;

/* ---- one security context directory ---------------------------------- */

typedef struct store_context store_context;

/* Lock |dir| (flock on <dir>/lock, retried for at most 1 s), read
 * settings.json and secret.json/secrets.json and sequence.json, derive the
 * context. The returned context can receive at once; before it sends, call
 * store_context_prepare_send(). Secret file contents are wiped after use.
 * Errors: STORE_ERR_LOCKED, _IO, _MALFORMED, _MISSING, _DUPLICATE,
 * _UNKNOWN_ALG, _ID_TOO_LONG, _DERIVE, _NO_MEMORY. On error nothing is
 * written and the lock is released. (Under the lock, temporary files that
 * a killed writer left, ".sequence-*.json", are removed.) */
store_err store_context_open(const char *dir, store_diag *diag,
                             store_context **out);

/* The derived context. The caller protects/unprotects with it; it must not
 * raise seq_limit itself. Valid until store_context_close(). */
oscore_ctx *store_context_oscore(store_context *sc);

/* The directory as given to store_context_open() (for messages). */
const char *store_context_dir(const store_context *sc);

/* Appendix B.1.1: make sure ctx->sender_seq < ctx->seq_limit. When it is
 * not, persist a new reservation (next-to-send = limit + chunk, chunk 10
 * doubling up to 10000) atomically and only then raise seq_limit. Cheap
 * when a reserved number is left: call it before every protect that uses
 * a sequence number. On error seq_limit is unchanged (nothing may be
 * sent); a later call retries. Errors: STORE_ERR_IO, _SEQ_EXHAUSTED. */
store_err store_context_prepare_send(store_context *sc, store_diag *diag);

/* Appendix B.1.2: call when the replay window changed (a number was
 * marked, or it was initialised from Echo), before acting on the request.
 * The first call writes "received": "unknown" so that a crash cannot
 * restore a stale window; later calls do nothing. On error do not act on
 * the request; the next call retries. Errors: STORE_ERR_IO. */
store_err store_context_window_changed(store_context *sc, store_diag *diag);

/* "DIR: OSCORE as in RFC 8613, option 9" or "DIR: OSCORE as in draft-08,
 * option 21, Common IV id h''" into |out| (|cap| bytes, cut), for -vv. */
void store_context_describe(store_context *sc, char *out, size_t cap);

/* Number of times sequence.json was written through this context (for
 * diagnostics and tests of the B.1.1 chunking). */
unsigned long store_context_write_count(const store_context *sc);

/* A context that lives in memory only, as EDHOC establishes them (RFC 9528
 * Appendix A.1): derived from |p|, replay window empty (fresh keys), every
 * sequence number usable at once; prepare_send and window_changed write
 * nothing, close only wipes. |name| (copied) stands in for the directory
 * in messages, e.g. "EDHOC with :client". Errors: STORE_ERR_DERIVE,
 * _ID_TOO_LONG, _NO_MEMORY. */
store_err store_context_new_in_memory(const oscore_ctx_params *p,
                                      const char *name, store_diag *diag,
                                      store_context **out);
bool store_context_is_in_memory(const store_context *sc);

/* Clean shutdown: write the exact next-to-send and the real replay window
 * ("unknown" if it never got initialised), remove and release the lock,
 * wipe and free. The context is freed even when the write fails (the disk
 * then still holds the last reservation, which is safe). NULL is fine.
 * Errors: STORE_ERR_IO. */
store_err store_context_close(store_context *sc, store_diag *diag);

/* ---- credentials maps ------------------------------------------------- */

typedef struct store_credentials store_credentials;

/* Parse the credentials map at |path| (JSON, or diagnostic notation when
 * the name ends in ".diag", as aiocoap-client decides) and check every
 * entry: references
 * start with ':', oscore entries have exactly one of basedir/contextfile,
 * dtls entries "psk" and "client-identity" (the map's text and tree are
 * wiped after parsing; a map holding PSKs readable by others is warned
 * about), all-of entries references to at most one oscore and one dtls
 * entry. Entries of aiocoap's other types (tlscert, any-of, other
 * all-of lists) are kept but not used: one warning names them all, and
 * store_credentials_for_uri() fails only when a URI needs one. edhoc-oscore
 * entries are checked in full (store_edhoc_entry_parse_json:
 * suite, method, key file matching own_cred), a broken one is an error;
 * unless store_enable_edhoc() was called, a map holding one is
 * STORE_ERR_NEEDS_EDHOC (naming the entry) before any entry is parsed or
 * warned about. Unknown
 * types are errors naming the entry and the type. No context is opened
 * yet. Errors: STORE_ERR_IO, _MALFORMED, _MISSING, _DUPLICATE,
 * _UNSUPPORTED, _REFERENCE, _NO_MEMORY, _NEEDS_EDHOC. */
store_err store_credentials_load(const char *path, store_diag *diag,
                                 store_credentials **out);

/* Link and enable the parser of "edhoc-oscore" entries (store_edhoc.c,
 * and through it EDHOC's public-key crypto) for every map loaded after.
 * Programs that run EDHOC, or load maps that may hold such entries (the
 * servers, oscore-client-full), call it once at start-up; oscore-client
 * does not, so that it links no EDHOC, and hands a map with such an entry
 * to oscore-client-full. */
void store_enable_edhoc(void);

/* Client: the context for a request to |uri|. The longest pattern that
 * matches the whole URI ('*' matches any run of characters) wins, string
 * values are followed as references (depth at most 16, loops are errors).
 * The context is opened on first use and then kept (see
 * store_context_open() for its errors). On a match *ctx is set and
 * *entry_key (may be NULL) is the key of the entry holding the oscore
 * object; with no match *ctx is NULL and STORE_OK is returned (send
 * unprotected). Errors: STORE_ERR_REFERENCE, STORE_ERR_UNSUPPORTED (the
 * matching entry is of a type this build cannot use, or needs DTLS, a
 * certificate or EDHOC, which only store_credentials_resolve() hands out;
 * the message names it) and
 * those of opening. */
store_err store_credentials_for_uri(store_credentials *c, const char *uri,
                                    store_diag *diag, store_context **ctx,
                                    const char **entry_key);

struct store_edhoc_entry_s;

/* A DTLS pre-shared key from a "dtls" entry (aiocoap: "psk" and
 * "client-identity"). Points into the map: valid until
 * store_credentials_close(), which wipes it. Never print |psk|. */
typedef struct {
  const uint8_t *identity;
  size_t identity_len;
  const uint8_t *psk;
  size_t psk_len;
  const char *entry_key;   /* the "dtls" entry's key, e.g. ":dtls" */
} store_dtls_psk;

/* What a request to a URI needs: OSCORE, DTLS, both ("all-of", double
 * encryption) or neither. */
typedef struct {
  store_context *oscore;     /* NULL: no OSCORE */
  const char *oscore_entry;  /* key of the "oscore" entry */
  bool has_dtls;
  store_dtls_psk dtls;       /* when has_dtls */
  /* A "tlscert" entry instead: authenticate the server by X.509 against
   * this PEM file (never together with has_dtls). */
  const char *tlscert_file;  /* NULL: none */
  const char *tlscert_entry; /* its entry's key */
  /* An "edhoc-oscore" entry instead of all the above: run EDHOC first
   * (RFC 9528), which derives the OSCORE context. */
  const struct store_edhoc_entry_s *edhoc;   /* NULL: none */
  const char *edhoc_entry;   /* its entry's key */
} store_uri_creds;

/* Client: as store_credentials_for_uri(), for every type this build uses:
 * the entry found may be "oscore", "dtls", "tlscert", "edhoc-oscore", or
 * "all-of" listing references to an "oscore" and a "dtls" or "tlscert"
 * entry. The OSCORE context is opened. No match: everything empty,
 * STORE_OK. Errors: those of store_credentials_for_uri. */
store_err store_credentials_resolve(store_credentials *c, const char *uri,
                                    store_diag *diag, store_uri_creds *out);

/* Server: the key of the first "dtls" entry (file order) whose
 * client-identity is |identity|, and its PSK (|psk|, |psk_len| may be
 * NULL); NULL when none. aiocoap's find_dtls_psk does the same and names
 * the caller by that key. */
const char *store_credentials_dtls_find(const store_credentials *c,
                                        const uint8_t *identity, size_t len,
                                        const uint8_t **psk, size_t *psk_len);

/* Whether the map has any "dtls" entry (a coaps:// server needs one). */
bool store_credentials_has_dtls(const store_credentials *c);

/* Server: open the context of every oscore entry (each directory once, even
 * when several entries name it; entries of other types are skipped). Stops
 * at the first error. */
store_err store_credentials_open_all(store_credentials *c, store_diag *diag);

/* Server: the opened context whose recipient ID equals |kid| and whose ID
 * context matches (present with the same bytes when |has_kid_context|,
 * absent otherwise), as aiocoap matches. Call only for requests carrying a
 * kid. *identity (may be NULL) becomes the key of the first entry (in file
 * order) naming that context, e.g. ":client1". NULL when none matches. */
store_context *store_credentials_find(store_credentials *c,
                                      const uint8_t *kid, size_t kid_len,
                                      bool has_kid_context,
                                      const uint8_t *kid_context,
                                      size_t kid_context_len,
                                      const char **identity);

/* Server: the |i|-th opened context in opening order, NULL past the last
 * (to list them, e.g. with the OSCORE version each speaks). */
store_context *store_credentials_context(const store_credentials *c, size_t i);

/* Server: whether an opened context carries its OSCORE option as |number|
 * (draft-08 contexts on 21), which the CoAP stack must then accept. */
bool store_credentials_uses_option(const store_credentials *c,
                                   uint16_t number);

/* ---- EDHOC (RFC 9528) over the map's "edhoc-oscore" entries ---------- */

/* Server: the |i|-th entry of the map in file order when it is an
 * edhoc-oscore one (else NULL; |i| up to store_credentials_size()), with
 * its key (its label, e.g. ":ourclient"). */
const struct store_edhoc_entry_s *
store_credentials_edhoc_at(const store_credentials *c, size_t i,
                           const char **key);
size_t store_credentials_size(const store_credentials *c);

/* Contexts established by EDHOC on a server: kept in memory under the
 * label of the entry that authenticated the peer, found by
 * store_credentials_find() like the map's own (after them), at most
 * |max| (0: STORE_DEFAULT_MAX_DERIVED). */
#define STORE_DEFAULT_MAX_DERIVED 64
void store_credentials_set_max_derived(store_credentials *c, size_t max);
/* Takes |sc| (an in-memory context) with identity |identity| (a key of
 * this map). When full the oldest derived context leaves the map and is
 * handed back in |*evicted| (else NULL): the caller ends what uses it and
 * closes it. On error |sc| stays the caller's. */
store_err store_credentials_add_derived(store_credentials *c,
                                        store_context *sc,
                                        const char *identity,
                                        store_context **evicted);
size_t store_credentials_derived_count(const store_credentials *c);

/* Close every opened context cleanly (store_context_close) and free the
 * map. Returns the first error but closes all. NULL is fine. */
store_err store_credentials_close(store_credentials *c, store_diag *diag);

/* ---- PEM files (store_keyfile.c) ----------------------------------------
 * Reading a PEM file whole: a server's certificate, or its private key,
 * which is read with the care of a master secret (a file its group or
 * others may read is warned about; the buffer is wiped when freed; no
 * message quotes its content). */

/* PEM files larger than this are refused (a chain of a few certificates
 * is some kilobytes). */
#define STORE_KEYFILE_MAX (64 * 1024)

/* Read |path| into *buf (malloc'd, NUL-terminated; *len excludes the
 * NUL). |secret|: a private key (warned about when group or others may
 * read it). |what| names it in messages ("--tls-server-key"). Errors:
 * STORE_ERR_IO (cannot open or read, too large, empty), _NO_MEMORY. */
store_err store_keyfile_read(const char *path, const char *what, bool secret,
                             uint8_t **buf, size_t *len, store_diag *diag);

/* Wipe and free what store_keyfile_read() gave, |len| as it said (NULL
 * is fine). */
void store_keyfile_free(uint8_t *buf, size_t len);

#endif
