/* The session's insides, shared by the files of the EDHOC core only. */
#ifndef EDHOC_PRIV_H
#define EDHOC_PRIV_H

#include "edhoc.h"
#include "edhoc_cbor.h"

typedef enum {
  ST_START,
  ST_SENT_1,     /* initiator */
  ST_GOT_2,
  ST_GOT_1,      /* responder */
  ST_SENT_2,
  ST_DONE,       /* message_3 sent / verified: PRK_out known */
  ST_FAILED,
} edhoc_state;

struct edhoc_session {
  edhoc_role role;
  edhoc_config cfg;
  edhoc_state state;
  int method;
  const edhoc_suite *suite;
  size_t sel;                        /* initiator: index of the selected
                                        suite in cfg.suites */
  edhoc_key *eph;                    /* our ephemeral key */
  edhoc_key *peer_eph;               /* G_X or G_Y */
  uint8_t h_msg1[32];
  uint8_t c_peer[EDHOC_MAX_CID];
  size_t c_peer_len;
  edhoc_cred peer_cred;
  bool has_peer_cred;
  edhoc_values v;
};

/* Who authenticates how: METHOD 0 both sign, 1 I signs and R uses static
 * DH, 2 the reverse, 3 both static DH (RFC 9528 §3.2). */
static inline bool edhoc_i_signs(int method) { return method <= 1; }
static inline bool edhoc_r_signs(int method) { return method == 0 || method == 2; }

/* TH_n = H( bstr TH_prev, PLAINTEXT, CRED ) (TH_3, TH_4). */
edhoc_err edhoc_th_next(const uint8_t prev[32], oscore_bytes plaintext,
                        oscore_bytes cred, uint8_t out[32]);

/* MAC_2 (label 2, |cid| = C_R as sent) or MAC_3 (label 6, |cid| empty):
 * EDHOC_KDF(prk, label, << ?C_R, ID_CRED, TH, CRED, ?EAD >>, mac_len). */
edhoc_err edhoc_mac(const uint8_t prk[32], uint64_t label, oscore_bytes cid,
                    oscore_bytes id_cred, const uint8_t th[32],
                    oscore_bytes cred, oscore_bytes ead, uint8_t *mac,
                    size_t mac_len);
/* Signature_or_MAC: the COSE_Sign1 signature over [ "Signature1",
 * << ID_CRED >>, << TH, CRED, ? EAD >>, MAC ] when |key| signs, else the
 * MAC itself (§5.3.2, §5.4.2). */
edhoc_err edhoc_sig_or_mac(const edhoc_key *key, bool sign,
                           oscore_bytes id_cred, const uint8_t th[32],
                           oscore_bytes cred, oscore_bytes ead,
                           oscore_bytes mac, uint8_t *out, size_t *out_len);
edhoc_err edhoc_sig_or_mac_check(const edhoc_key *peer, bool signs,
                                 oscore_bytes id_cred, const uint8_t th[32],
                                 oscore_bytes cred, oscore_bytes ead,
                                 oscore_bytes mac, oscore_bytes received);
/* The MAC length: hash length when that side signs, else the suite's. */
size_t edhoc_mac_len(const edhoc_suite *s, bool signs);

/* COSE_Encrypt0 of message_3/4: key and IV from EDHOC_KDF(prk, label_k /
 * label_k + 1, TH), AAD [ "Encrypt0", h'', bstr TH ]. |k| and |iv| get the
 * derived values (for the trace tests). */
edhoc_err edhoc_encrypt0(const edhoc_suite *s, const uint8_t prk[32],
                         uint64_t label_k, const uint8_t th[32],
                         oscore_bytes plain, uint8_t *out, size_t cap,
                         size_t *len, uint8_t *k, uint8_t *iv);
edhoc_err edhoc_decrypt0(const edhoc_suite *s, const uint8_t prk[32],
                         uint64_t label_k, const uint8_t th[32],
                         oscore_bytes cipher, uint8_t *out, size_t cap,
                         size_t *len, uint8_t *k, uint8_t *iv);

/* Reads the EAD items left in |r| (§3.8): ignored unless critical (a
 * negative label), which is EDHOC_ERR_CRITICAL_EAD since we know none. */
edhoc_err edhoc_ead_check(edhoc_r *r);

/* Looks the peer up by the ID_CRED item |v| and checks its key can do
 * what the method asks (sign, or static DH on the suite's curve). Writes
 * ID_CRED's map form to |map_w|. */
edhoc_err edhoc_peer_cred_resolve(edhoc_session *s, const edhoc_cbor_val *v,
                                  bool peer_signs, edhoc_w *map_w);
/* Our own authentication key fits the method and suite. */
edhoc_err edhoc_own_key_check(const edhoc_session *s, bool we_sign);

/* PRK_3e2m / PRK_4e3m (§4.1.1.2-3): the previous PRK when that side
 * signs, else Extract(EDHOC_KDF(prev, salt_label, TH, 32), G_xx). */
edhoc_err edhoc_prk_static(const uint8_t prev[32], bool signs,
                           uint64_t salt_label, const uint8_t th[32],
                           const edhoc_key *priv, const edhoc_key *pub,
                           uint8_t out[32]);

/* TH_2 = H( G_Y, H(message_1) ) and PRK_2e = Extract(TH_2, G_XY) into
 * the session, from G_Y (32 bytes) and the session's two ephemeral keys
 * (§4.1.1.1, §5.3.2); the shared secret is wiped. */
edhoc_err edhoc_th_2_prk_2e(edhoc_session *s, const uint8_t g_y[32]);

/* What differs between checking message_2's authentication (initiator)
 * and message_3's (responder). */
typedef struct {
  const uint8_t *prk_in;   /* PRK_2e or PRK_3e2m */
  uint64_t salt_label;     /* 1 (SALT_3e2m) or 5 (SALT_4e3m) */
  uint64_t mac_label;      /* 2 (MAC_2) or 6 (MAC_3) */
  oscore_bytes c_r;        /* C_R as sent, in MAC_2's context; empty for 3 */
  const uint8_t *th;       /* TH_2 or TH_3 */
  uint8_t *prk_out;        /* PRK_3e2m or PRK_4e3m */
  uint8_t *mac;            /* MAC_2 or MAC_3 (32 bytes) */
  size_t *mac_len;
  uint8_t *th_out;         /* TH_3 or TH_4 */
} edhoc_peer_step;

/* The peer's authentication in a decrypted PLAINTEXT_2/3 |pt| whose
 * ID_CRED item is |id_cred|, Signature_or_MAC |sig| and EAD from |ead_at|:
 * resolves the credential, derives the next PRK (static DH of our
 * ephemeral and the peer's static key where the peer does not sign),
 * recomputes the MAC, checks Signature_or_MAC and hashes the next TH
 * (§5.3.3, §5.4.3). */
edhoc_err edhoc_peer_auth_check(edhoc_session *s, const edhoc_cbor_val *id_cred,
                                bool peer_signs, oscore_bytes pt,
                                size_t ead_at, oscore_bytes sig,
                                const edhoc_peer_step *st);

/* PRK_out and PRK_exporter from PRK_4e3m and TH_4 (§4.1.3, §4.2.1). */
edhoc_err edhoc_finish_keys(edhoc_session *s);

#endif
