/* The EDHOC protocol core (RFC 9528): initiator and responder sessions,
 * methods 0-3, cipher suites 0-3, message_1..4, error messages, the
 * exporter and the OSCORE parameters of Appendix A.1. No sockets, no
 * files: messages are bytes in, bytes out; credentials come from the
 * caller (a look-up callback for the peer's). Ephemeral keys are handed
 * in by the caller (edhoc_key_generate in production; the RFC 9529 traces
 * fix them), so no test hook lives in the protocol code. */
#ifndef EDHOC_H
#define EDHOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edhoc_cred.h"
#include "edhoc_error.h"
#include "edhoc_key.h"
#include "edhoc_suite.h"
#include "oscore_bytes.h"

#define EDHOC_MAX_CID 7      /* an OSCORE ID for AES-CCM-16 (nonce 13 - 6) */
#define EDHOC_MAX_SUITES 8
#define EDHOC_MAX_MESSAGE 1400

typedef enum { EDHOC_INITIATOR, EDHOC_RESPONDER } edhoc_role;

/* Fills |out| with the peer's credential named by |id| (edhoc_cred_from_*;
 * the session clears it), or returns EDHOC_ERR_UNKNOWN_CRED. A peer that
 * sent its credential by value (KCCS, X5CHAIN) and that the caller
 * accepts unauthenticated can be parsed from |id->value|. */
typedef edhoc_err (*edhoc_cred_lookup)(void *arg, const edhoc_id_cred *id,
                                       edhoc_cred *out);

typedef struct {
  /* Initiator: the method it proposes. Responder: ignored (see methods). */
  int method;
  /* Responder: bit m set = accepts METHOD m. */
  unsigned methods;
  /* Initiator: suites in order of preference; responder: those it
   * supports, its preference first (sent back in SUITES_R). */
  int suites[EDHOC_MAX_SUITES];
  size_t n_suites;
  const edhoc_cred *own_cred;   /* caller's; outlives the session */
  const edhoc_key *own_key;     /* its private key (signature or DH) */
  edhoc_idcred_kind own_id;     /* how ID_CRED names own_cred */
  edhoc_cred_lookup lookup;
  void *lookup_arg;
  uint8_t cid[EDHOC_MAX_CID];   /* our connection identifier */
  size_t cid_len;
} edhoc_config;

typedef struct edhoc_session edhoc_session;

/* Intermediate values kept by a session: for the RFC 9529 trace tests
 * and nothing else (secrets: never log them). Lengths are the hash
 * length unless noted; a value not yet computed is all zeros. */
typedef struct {
  uint8_t th_2[32], th_3[32], th_4[32];
  uint8_t prk_2e[32], prk_3e2m[32], prk_4e3m[32];
  uint8_t prk_out[32], prk_exporter[32];
  uint8_t mac_2[32], mac_3[32];
  size_t mac_2_len, mac_3_len;
  uint8_t k_3[16], iv_3[13], k_4[16], iv_4[13];
} edhoc_values;

/* The OSCORE Security Context inputs of RFC 9528 Appendix A.1. */
typedef struct {
  uint8_t master_secret[16];
  uint8_t master_salt[8];
  uint8_t sender_id[EDHOC_MAX_CID];
  size_t sender_id_len;
  uint8_t recipient_id[EDHOC_MAX_CID];
  size_t recipient_id_len;
  int aead_cose;                /* application AEAD */
} edhoc_oscore;

edhoc_err edhoc_session_new(edhoc_role role, const edhoc_config *cfg,
                            edhoc_session **out);
/* Wipes every secret and frees; NULL is fine. */
void edhoc_session_free(edhoc_session *s);

/* ---- initiator ---- */
/* message_1 with ephemeral key |eph| (taken, freed by the session; a new
 * one for every message_1). After a suite-negotiation error
 * (edhoc_i_process_error) it is called again with a fresh key. */
edhoc_err edhoc_i_message_1(edhoc_session *s, edhoc_key *eph, uint8_t *out,
                            size_t cap, size_t *len);
/* Verifies message_2 (looks up and authenticates the responder). An EDHOC
 * error message instead gives EDHOC_ERR_PEER_ERROR; pass it to
 * edhoc_i_process_error. */
edhoc_err edhoc_i_process_message_2(edhoc_session *s, oscore_bytes msg);
edhoc_err edhoc_i_message_3(edhoc_session *s, uint8_t *out, size_t cap,
                            size_t *len);
/* Optional message_4 (RFC 9528 §5.5). */
edhoc_err edhoc_i_process_message_4(edhoc_session *s, oscore_bytes msg);

/* ---- responder ---- */
/* Checks message_1: METHOD, suites (EDHOC_ERR_UNSUPPORTED_SUITE: answer
 * with edhoc_error_suites), G_X, C_I, EAD_1. */
edhoc_err edhoc_r_process_message_1(edhoc_session *s, oscore_bytes msg);
/* After message_1, before message_2: the credential to answer with and
 * C_R, once the caller knows the selected suite and method and C_I (a
 * server with several credentials picks the one that fits; C_R must
 * differ from C_I). The credential and key must outlive the session. */
edhoc_err edhoc_r_set_own(edhoc_session *s, const edhoc_cred *own_cred,
                          const edhoc_key *own_key, edhoc_idcred_kind own_id,
                          oscore_bytes cid);
/* message_2 with ephemeral key |eph| (taken). */
edhoc_err edhoc_r_message_2(edhoc_session *s, edhoc_key *eph, uint8_t *out,
                            size_t cap, size_t *len);
edhoc_err edhoc_r_process_message_3(edhoc_session *s, oscore_bytes msg);
edhoc_err edhoc_r_message_4(edhoc_session *s, uint8_t *out, size_t cap,
                            size_t *len);

/* ---- after completion ---- */
bool edhoc_session_done(const edhoc_session *s);
edhoc_err edhoc_exporter(const edhoc_session *s, uint64_t label,
                         oscore_bytes context, uint8_t *out, size_t len);
edhoc_err edhoc_oscore_params(const edhoc_session *s, edhoc_oscore *out);
/* EDHOC_KeyUpdate (RFC 9528 Appendix H): new PRK_out and PRK_exporter. */
edhoc_err edhoc_key_update(edhoc_session *s, oscore_bytes context);

/* ---- what a session learnt ---- */
const edhoc_values *edhoc_session_values(const edhoc_session *s);
int edhoc_session_method(const edhoc_session *s);
const edhoc_suite *edhoc_session_suite(const edhoc_session *s);
/* The peer's credential once authenticated (or looked up), else NULL. */
const edhoc_cred *edhoc_session_peer_cred(const edhoc_session *s);
/* The peer's connection identifier (C_R for the initiator, C_I for the
 * responder), valid once received. */
oscore_bytes edhoc_session_peer_cid(const edhoc_session *s);

/* ---- error messages (RFC 9528 §6) ---- */
#define EDHOC_ERRCODE_UNSPECIFIED 1
#define EDHOC_ERRCODE_WRONG_SUITE 2
#define EDHOC_ERRCODE_UNKNOWN_CRED 3

typedef struct {
  int64_t code;
  char diag[128];             /* code 1: the peer's text, cut short */
  int suites_r[EDHOC_MAX_SUITES];
  size_t n_suites_r;          /* code 2 */
} edhoc_peer_error;

/* True when |msg| starts like an error message (an integer where
 * message_2/3/4 start with a byte string). */
bool edhoc_is_error(oscore_bytes msg);
edhoc_err edhoc_error_decode(oscore_bytes msg, edhoc_peer_error *out);
/* ERR_CODE 1 with a diagnostic text. */
edhoc_err edhoc_error_unspecified(const char *text, uint8_t *out, size_t cap,
                                  size_t *len);
/* ERR_CODE 2 with this responder's SUITES_R. */
edhoc_err edhoc_error_suites(const edhoc_config *cfg, uint8_t *out,
                             size_t cap, size_t *len);
/* ERR_CODE 3 (unknown credential referenced). */
edhoc_err edhoc_error_unknown_cred(uint8_t *out, size_t cap, size_t *len);
/* Initiator: after ERR_CODE 2, picks the suite for the next message_1
 * (§6.3.2): its most preferred one that SUITES_R lists.
 * EDHOC_ERR_UNSUPPORTED_SUITE when there is none. */
edhoc_err edhoc_i_process_error(edhoc_session *s, const edhoc_peer_error *e);
/* The suite the next message_1 selects (its ephemeral key's curve is
 * that suite's DH curve): the first of cfg.suites, or the one
 * edhoc_i_process_error picked. */
const edhoc_suite *edhoc_i_next_suite(const edhoc_session *s);
/* Before a (new) message_1: use |cid| as C_I from now on. */
edhoc_err edhoc_i_set_cid(edhoc_session *s, oscore_bytes cid);

#endif
