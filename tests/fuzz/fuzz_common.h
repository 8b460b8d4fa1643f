/* Fixtures the harnesses share: the RFC 8613 Appendix C contexts, sealing
 * a fuzzed plaintext the way a peer holding the key would, and a private
 * temporary directory for the harnesses that must go through files. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include "oscore_context.h"
#include "oscore_msg.h"
#include "oscore_option.h"

/* Test vector sets of RFC 8613 Appendix C: C.1 (master salt, client sender
 * ID empty), C.2 (no salt, client 00 / server 01), C.3 (C.1 with ID context
 * 37cbf3210017a2d3). The master secret is the RFC's public one. */
typedef enum { FUZZ_VEC_C1 = 1, FUZZ_VEC_C2 = 2, FUZZ_VEC_C3 = 3 } fuzz_vec;

/* Derive the server's (|server|) or the client's context of |v| into |ctx|
 * with seq_limit opened wide; aborts when the core refuses (that is a bug,
 * the parameters are the RFC's). */
void fuzz_ctx(oscore_ctx *ctx, fuzz_vec v, bool server);
/* The same under |profile| (NULL: RFC 8613), e.g. draft-08's. */
void fuzz_ctx_profile(oscore_ctx *ctx, fuzz_vec v, bool server,
                      const oscore_profile *profile);

/* The vector whose server context a request naming |opt| is meant for, as
 * a server would choose it: kid context -> C.3, kid 00 -> C.2, else C.1. */
fuzz_vec fuzz_vec_for(const oscore_option *opt);

/* The master secret, salt and ID context of |v| as JSON members of
 * settings.json ("salt_hex"... ) for the harnesses that write context
 * directories; |server| picks the IDs. */
const char *fuzz_settings_json(fuzz_vec v, bool server);
const char *fuzz_secret_json(fuzz_vec v);

/* Encrypt |plain| (code, options, payload: RFC 8613 §5.3) as the peer of
 * |ctx| would: with ctx's *recipient* key, the nonce of |nonce_id| and
 * |nonce_piv|, the AAD of |req_kid| and |req_piv|. Writes ciphertext and
 * tag to |out|. false when the IDs do not fit the algorithm. */
bool fuzz_seal_as_peer(const oscore_ctx *ctx, oscore_bytes nonce_id,
                       oscore_bytes nonce_piv, oscore_bytes req_kid,
                       oscore_bytes req_piv, oscore_bytes plain, uint8_t *out,
                       size_t cap, size_t *len);

/* A directory of our own, made once per process (in $FUZZ_TMPDIR, else
 * /dev/shm when usable, else $TMPDIR or /tmp) and removed at exit. */
const char *fuzz_tmpdir(void);

/* Write |len| bytes to |dir|/|name| (0600); false on failure. */
bool fuzz_write(const char *dir, const char *name, const void *data,
                size_t len);

/* Remove the directory tree |path| (no symlinks followed). */
void fuzz_rm_tree(const char *path);

/* Every option value and the payload of |m| lie inside one of the two
 * ranges: what a decoder that keeps pointers must guarantee. */
bool fuzz_msg_within(const oscore_msg *m, const uint8_t *a, size_t alen,
                     const uint8_t *b, size_t blen);

#endif
