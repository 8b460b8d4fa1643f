/* LwM2M OSCORE object (ID 21) values into a context directory. */
#include "lwm2m_object.h"

#include <stdio.h>
#include <string.h>
#include "ctxdir_write.h"
#include "oscore_alg.h"
#include "oscore_text.h"

/* COSE HMAC algorithms (RFC 9053 §3.1) as the HKDF hash they name. */
static const char *hash_of_hmac(int hmac) {
  switch (hmac) {
  case 5: return "sha256";   /* HMAC 256/256 */
  case 6: return "sha384";   /* HMAC 384/384 */
  case 7: return "sha512";   /* HMAC 512/512 */
  default: return NULL;
  }
}

const char *lwm2m_value_parse(const char *arg, uint8_t *out, size_t cap,
                              size_t *len) {
  if (strncmp(arg, "hex:", 4) == 0) {
    const char *h = arg + 4;
    size_t n = strlen(h);
    if (n % 2) return "odd number of hex digits";
    if (n / 2 > cap) return "too long";
    for (size_t i = 0; i < n / 2; i++) {
      int a = oscore_hex_digit(h[2 * i]), b = oscore_hex_digit(h[2 * i + 1]);
      if (a < 0 || b < 0) return "not hex";
      out[i] = (uint8_t)(a << 4 | b);
    }
    *len = n / 2;
    return NULL;
  }
  if (strncmp(arg, "text:", 5) == 0) arg += 5;
  size_t n = strlen(arg);
  if (n > cap) return "too long";
  memcpy(out, arg, n);
  *len = n;
  return NULL;
}

const char *lwm2m_check(const lwm2m_oscore_object *obj,
                        const lwm2m_import_opts *o, char *why, size_t cap) {
  const oscore_aead_info *alg = oscore_aead_by_cose(obj->aead);
  const char *hash = hash_of_hmac(obj->hmac);
  if (!alg)
    snprintf(why, cap, "AEAD algorithm %d is not supported", obj->aead);
  else if (!hash)
    snprintf(why, cap, "HMAC algorithm %d is not supported (5, 6 or 7: "
             "HMAC 256/256, 384/384, 512/512)", obj->hmac);
  else if (o->draft08 && (obj->aead != 10 || obj->hmac != 5))
    snprintf(why, cap, "draft-08 mode fixes AES-CCM-16-64-128 (10) and HMAC "
             "256/256 (5)");
  else if (obj->secret_len == 0)
    snprintf(why, cap, "the master secret is empty");
  else if (obj->sender_id_len > alg->nonce_len - 6 ||
           obj->recipient_id_len > alg->nonce_len - 6)
    snprintf(why, cap, "sender and recipient IDs may be at most %zu bytes "
             "with %s", alg->nonce_len - 6, alg->name);
  else if (obj->sender_id_len == obj->recipient_id_len &&
           memcmp(obj->sender_id, obj->recipient_id, obj->sender_id_len) == 0)
    snprintf(why, cap, "sender and recipient IDs are equal");
  else if (!o->draft08 && (o->option_given || o->iv_null))
    snprintf(why, cap, "the option number and the Common IV id only apply "
             "in draft-08 mode");
  else if (o->option_given && o->option_number != 21 && o->option_number != 9)
    snprintf(why, cap, "the option number must be 21 or 9");
  else
    return NULL;
  return why;
}

int lwm2m_write_dir(const char *dir, const lwm2m_oscore_object *obj,
                    const lwm2m_import_opts *o, char *what, size_t what_cap) {
  char extra[160] = "";
  if (o->draft08)
    snprintf(extra, sizeof extra,
             ",\n  \"oscore-version\": \"draft-08\",\n"
             "  \"option-number\": %u,\n  \"common-iv-id\": \"%s\"",
             o->option_given ? o->option_number : 21u,
             o->iv_null ? "null" : "empty");
  ctxdir_values v = {
    .sender_id = o->peer ? obj->recipient_id : obj->sender_id,
    .sender_id_len = o->peer ? obj->recipient_id_len : obj->sender_id_len,
    .recipient_id = o->peer ? obj->sender_id : obj->recipient_id,
    .recipient_id_len = o->peer ? obj->sender_id_len : obj->recipient_id_len,
    .has_id_context = obj->has_id_context,
    .id_context = obj->id_context,
    .id_context_len = obj->id_context_len,
    .algorithm = oscore_aead_by_cose(obj->aead)->name,
    .kdf = hash_of_hmac(obj->hmac),
    .extra = extra,
    .secret = obj->secret,
    .secret_len = obj->secret_len,
    .salt = obj->salt,
    .salt_len = obj->salt_len,
  };
  return ctxdir_write(dir, &v, what, what_cap) == CTXDIR_OK ? 0 : -1;
}
