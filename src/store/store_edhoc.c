/* OSCORE contexts established by EDHOC (store_edhoc.h). */
#include <openssl/crypto.h>
#include "store_edhoc.h"

store_err store_context_from_edhoc(const edhoc_oscore *o, const char *name,
                                   store_diag *diag, store_context **out) {
  oscore_ctx_params p = {
    .aead_cose = o->aead_cose,
    .hkdf = OSCORE_HASH_SHA256,
    .master_secret = OSCORE_BYTES(o->master_secret,
                                  oscore_aead_by_cose(o->aead_cose)
                                      ? oscore_aead_by_cose(o->aead_cose)->key_len
                                      : 0),
    .master_salt = OSCORE_BYTES(o->master_salt, sizeof o->master_salt),
    .sender_id = OSCORE_BYTES(o->sender_id, o->sender_id_len),
    .recipient_id = OSCORE_BYTES(o->recipient_id, o->recipient_id_len),
    .has_id_context = false,
  };
  store_err err = store_context_new_in_memory(&p, name, diag, out);
  OPENSSL_cleanse(&p, sizeof p);
  return err;
}
