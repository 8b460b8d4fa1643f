/* Session life cycle, what it learnt, the exporter and the OSCORE
 * parameters (RFC 9528 §4.2, Appendix A.1, Appendix H). */
#include "oscore_secret.h"
#include <stdlib.h>
#include <string.h>
#include "edhoc_kdf.h"
#include "edhoc_priv.h"

edhoc_err edhoc_session_new(edhoc_role role, const edhoc_config *cfg,
                            edhoc_session **out) {
  if (cfg == NULL || out == NULL || cfg->n_suites == 0 ||
      cfg->n_suites > EDHOC_MAX_SUITES || cfg->cid_len > EDHOC_MAX_CID ||
      cfg->own_cred == NULL || cfg->own_key == NULL)
    return EDHOC_ERR_INVALID_ARG;
  if (role == EDHOC_INITIATOR && (cfg->method < 0 || cfg->method > 3))
    return EDHOC_ERR_UNSUPPORTED_METHOD;
  if (role == EDHOC_RESPONDER && (cfg->methods & 0xfu) == 0)
    return EDHOC_ERR_UNSUPPORTED_METHOD;
  for (size_t i = 0; i < cfg->n_suites; i++)
    if (edhoc_suite_by_id(cfg->suites[i]) == NULL)
      return EDHOC_ERR_UNSUPPORTED_SUITE;
  edhoc_session *s = calloc(1, sizeof *s);
  if (s == NULL)
    return EDHOC_ERR_NO_MEMORY;
  s->role = role;
  s->cfg = *cfg;
  s->state = ST_START;
  s->method = role == EDHOC_INITIATOR ? cfg->method : -1;
  *out = s;
  return EDHOC_OK;
}

void edhoc_session_free(edhoc_session *s) {
  if (s == NULL)
    return;
  edhoc_key_free(s->eph);
  edhoc_key_free(s->peer_eph);
  edhoc_cred_clear(&s->peer_cred);
  oscore_wipe(s, sizeof *s);
  free(s);
}

bool edhoc_session_done(const edhoc_session *s) {
  return s->state == ST_DONE;
}

const edhoc_values *edhoc_session_values(const edhoc_session *s) {
  return &s->v;
}

int edhoc_session_method(const edhoc_session *s) { return s->method; }
const edhoc_suite *edhoc_session_suite(const edhoc_session *s) {
  return s->suite;
}

const edhoc_cred *edhoc_session_peer_cred(const edhoc_session *s) {
  return s->has_peer_cred ? &s->peer_cred : NULL;
}

oscore_bytes edhoc_session_peer_cid(const edhoc_session *s) {
  return OSCORE_BYTES(s->c_peer, s->c_peer_len);
}

edhoc_err edhoc_exporter(const edhoc_session *s, uint64_t label,
                         oscore_bytes context, uint8_t *out, size_t len) {
  if (s->state != ST_DONE)
    return EDHOC_ERR_STATE;
  return edhoc_kdf(s->v.prk_exporter, label, context, out, len);
}

edhoc_err edhoc_oscore_params(const edhoc_session *s, edhoc_oscore *out) {
  if (s->state != ST_DONE)
    return EDHOC_ERR_STATE;
  memset(out, 0, sizeof *out);
  const oscore_aead_info *app = oscore_aead_by_cose(s->suite->app_aead_cose);
  if (app == NULL || app->key_len > sizeof out->master_secret)
    return EDHOC_ERR_UNSUPPORTED_SUITE;
  edhoc_err err = edhoc_exporter(s, 0, OSCORE_BYTES(NULL, 0),
                                 out->master_secret, app->key_len);
  if (err == EDHOC_OK)
    err = edhoc_exporter(s, 1, OSCORE_BYTES(NULL, 0), out->master_salt,
                         sizeof out->master_salt);
  if (err != EDHOC_OK) {
    oscore_wipe(out, sizeof *out);
    return err;
  }
  /* Appendix A.1: the OSCORE Recipient ID of each side is its own
   * connection identifier, so the initiator sends as C_R. */
  memcpy(out->sender_id, s->c_peer, s->c_peer_len);
  out->sender_id_len = s->c_peer_len;
  memcpy(out->recipient_id, s->cfg.cid, s->cfg.cid_len);
  out->recipient_id_len = s->cfg.cid_len;
  out->aead_cose = app->cose;
  return EDHOC_OK;
}

edhoc_err edhoc_key_update(edhoc_session *s, oscore_bytes context) {
  if (s->state != ST_DONE)
    return EDHOC_ERR_STATE;
  uint8_t prk[32];
  edhoc_err err = edhoc_kdf(s->v.prk_out, 11, context, prk, 32);
  if (err == EDHOC_OK) {
    memcpy(s->v.prk_out, prk, 32);
    err = edhoc_kdf(s->v.prk_out, 10, OSCORE_BYTES(NULL, 0),
                    s->v.prk_exporter, 32);
  }
  oscore_wipe(prk, sizeof prk);
  return err;
}
