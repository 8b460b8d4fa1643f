/* An OSCORE security context (RFC 8613 §3): derived keys, sender sequence
 * state and the recipient's replay window. Pure data: persisting it is the
 * store layer's job (src/store), which raises |seq_limit| only after the new
 * limit is on disk (Appendix B.1.1). */
#ifndef OSCORE_CONTEXT_H
#define OSCORE_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include "oscore_alg.h"
#include "oscore_profile.h"
#include "oscore_replay.h"

#define OSCORE_MAX_ID_LEN      7    /* nonce_len - 6 for 13-byte nonces */
#define OSCORE_MAX_IDCTX_LEN   32   /* our bound; the RFC sets none */
#define OSCORE_MAX_SEQ         ((UINT64_C(1) << 40) - 1)

/* Input of the derivation; every slice is read, none is kept. */
typedef struct {
  int aead_cose;               /* e.g. 10 for AES-CCM-16-64-128 */
  oscore_hash hkdf;
  oscore_bytes master_secret;
  oscore_bytes master_salt;    /* may be empty */
  oscore_bytes sender_id;
  oscore_bytes recipient_id;
  bool has_id_context;         /* absent and empty are different */
  oscore_bytes id_context;
  unsigned replay_window;      /* 0 means OSCORE_REPLAY_DEFAULT_SIZE */
  const oscore_profile *profile; /* NULL: RFC 8613 */
} oscore_ctx_params;

typedef struct {
  const oscore_aead_info *alg;
  oscore_hash hkdf;
  oscore_profile profile;      /* RFC 8613 or draft-08 behaviour */
  uint8_t sender_id[OSCORE_MAX_ID_LEN];
  size_t sender_id_len;
  uint8_t recipient_id[OSCORE_MAX_ID_LEN];
  size_t recipient_id_len;
  bool has_id_context;
  uint8_t id_context[OSCORE_MAX_IDCTX_LEN];
  size_t id_context_len;
  /* Secret: wiped by oscore_ctx_wipe(). */
  uint8_t sender_key[OSCORE_MAX_KEY_LEN];
  uint8_t recipient_key[OSCORE_MAX_KEY_LEN];
  uint8_t common_iv[OSCORE_MAX_NONCE_LEN];
  /* Sender sequence number: the next one to use, and the first one that may
   * not be used yet (B.1.1). A fresh derivation sets seq_limit = 0 so nothing
   * is sent before the store persisted a reservation. */
  uint64_t sender_seq;
  uint64_t seq_limit;
  oscore_replay replay;
} oscore_ctx;

/* Derive keys and common IV (§3.2) into |ctx|; sender_seq = 0,
 * seq_limit = 0, replay window empty and initialised. */
oscore_err oscore_ctx_derive(oscore_ctx *ctx, const oscore_ctx_params *p);

/* Overwrite every secret in |ctx| (oscore_wipe). */
void oscore_ctx_wipe(oscore_ctx *ctx);

/* Nonce (§5.2) for |id| (a sender ID) and |piv| (partial IV, 0..5 bytes
 * big-endian, minimal): writes alg->nonce_len bytes to |out|. */
oscore_err oscore_ctx_nonce(const oscore_ctx *ctx, oscore_bytes id,
                            oscore_bytes piv, uint8_t *out, size_t out_cap);

/* Encode |seq| as a minimal partial IV (at least one byte, "0" is 0x00):
 * returns its length, 0 when seq > OSCORE_MAX_SEQ. |out| holds 5 bytes. */
size_t oscore_piv_encode(uint64_t seq, uint8_t out[5]);
/* Decode a partial IV of 1..5 bytes. */
oscore_err oscore_piv_decode(oscore_bytes piv, uint64_t *seq);

#endif
