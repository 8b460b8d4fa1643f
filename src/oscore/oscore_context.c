/* Security context derivation (RFC 8613 §3.2), nonce construction (§5.2)
 * and the partial IV codec (§6.1). */
#include <cbor.h>
#include "oscore_secret.h"
#include <string.h>
#include "oscore_context.h"

/* An integer item of the smallest width: libcbor serialises a uint16 item
 * holding 10 as 19 00 0a, but the info array must be the preferred
 * (shortest) encoding that every other implementation hashes. */
static cbor_item_t *build_int(int64_t v) {
  bool neg = v < 0;
  uint64_t u = neg ? (uint64_t)(-(v + 1)) : (uint64_t)v;
  if (u <= UINT8_MAX)
    return neg ? cbor_build_negint8((uint8_t)u) : cbor_build_uint8((uint8_t)u);
  if (u <= UINT16_MAX)
    return neg ? cbor_build_negint16((uint16_t)u)
               : cbor_build_uint16((uint16_t)u);
  if (u <= UINT32_MAX)
    return neg ? cbor_build_negint32((uint32_t)u)
               : cbor_build_uint32((uint32_t)u);
  return neg ? cbor_build_negint64(u) : cbor_build_uint64(u);
}

/* Pushes |item| (may be NULL after a failed build) and drops our reference:
 * the array holds its own. */
static bool push(cbor_item_t *array, cbor_item_t *item) {
  if (item == NULL)
    return false;
  bool ok = cbor_array_push(array, item);
  cbor_decref(&item);
  return ok;
}

/* info = [id, id_context / nil, alg_aead, type, L] (§3.2.1), or draft-08's
 * [id, alg_aead, type, L]; |id| NULL is encoded as nil (draft-08's published
 * Common IV). Serialised to |buf|; returns its length, 0 on failure. */
static size_t encode_info(const oscore_bytes *id, const oscore_ctx *ctx,
                          const char *type, size_t out_len, uint8_t *buf,
                          size_t cap) {
  bool with_idctx = !ctx->profile.info_without_id_context;
  cbor_item_t *info = cbor_new_definite_array(with_idctx ? 5 : 4);
  if (info == NULL)
    return 0;
  bool ok = push(info, id ? cbor_build_bytestring(id->ptr, id->len)
                          : cbor_new_null());
  if (ok && with_idctx)
    ok = push(info, ctx->has_id_context
                        ? cbor_build_bytestring(ctx->id_context,
                                                ctx->id_context_len)
                        : cbor_new_null());
  ok = ok && push(info, build_int(ctx->alg->cose)) &&
       push(info, cbor_build_string(type)) &&
       push(info, build_int((int64_t)out_len));
  size_t n = ok ? cbor_serialize(info, buf, cap) : 0;
  cbor_decref(&info);
  return n;
}

static oscore_err derive_one(const oscore_ctx *ctx, const oscore_ctx_params *p,
                             const oscore_bytes *id, const char *type,
                             uint8_t *out, size_t out_len) {
  /* Upper bound: 1 (array) + 1+7 (id) + 2+32 (id context) + 9 (alg)
   * + 1+3 (type) + 9 (L). */
  uint8_t info[80];
  size_t info_len = encode_info(id, ctx, type, out_len, info, sizeof info);
  if (info_len == 0)
    return OSCORE_ERR_NO_MEMORY;
  return oscore_hkdf(ctx->hkdf, p->master_salt, p->master_secret,
                     OSCORE_BYTES(info, info_len), out, out_len);
}

static bool slice_ok(oscore_bytes b) {
  return b.ptr != NULL || b.len == 0;
}

oscore_err oscore_ctx_derive(oscore_ctx *ctx, const oscore_ctx_params *p) {
  if (ctx == NULL || p == NULL)
    return OSCORE_ERR_INVALID_ARG;
  if (!slice_ok(p->master_secret) || !slice_ok(p->master_salt) ||
      !slice_ok(p->sender_id) || !slice_ok(p->recipient_id) ||
      (p->has_id_context && !slice_ok(p->id_context)))
    return OSCORE_ERR_INVALID_ARG;
  const oscore_aead_info *alg = oscore_aead_by_cose(p->aead_cose);
  if (alg == NULL)
    return OSCORE_ERR_UNKNOWN_ALG;
  if (oscore_hash_name(p->hkdf) == NULL)
    return OSCORE_ERR_UNKNOWN_HASH;
  /* §5.2: the nonce has room for nonce_len - 6 bytes of ID. */
  size_t max_id = alg->nonce_len - 6;
  if (p->sender_id.len > max_id || p->recipient_id.len > max_id)
    return OSCORE_ERR_ID_TOO_LONG;
  if (p->has_id_context && p->id_context.len > OSCORE_MAX_IDCTX_LEN)
    return OSCORE_ERR_INVALID_ARG;
  if (p->replay_window > OSCORE_REPLAY_MAX_SIZE)
    return OSCORE_ERR_INVALID_ARG;

  /* Built aside and copied at the end: |p|'s slices may point into the
   * context being replaced, and a failure leaves |ctx| as it was. */
  oscore_ctx n;
  memset(&n, 0, sizeof n);
  n.alg = alg;
  n.hkdf = p->hkdf;
  if (p->profile)
    n.profile = *p->profile;
  if (p->sender_id.len)
    memcpy(n.sender_id, p->sender_id.ptr, p->sender_id.len);
  n.sender_id_len = p->sender_id.len;
  if (p->recipient_id.len)
    memcpy(n.recipient_id, p->recipient_id.ptr, p->recipient_id.len);
  n.recipient_id_len = p->recipient_id.len;
  n.has_id_context = p->has_id_context;
  if (p->has_id_context && p->id_context.len)
    memcpy(n.id_context, p->id_context.ptr, p->id_context.len);
  n.id_context_len = p->has_id_context ? p->id_context.len : 0;

  oscore_bytes sid = OSCORE_BYTES(n.sender_id, n.sender_id_len);
  oscore_bytes rid = OSCORE_BYTES(n.recipient_id, n.recipient_id_len);
  /* §3.2.1: the common IV's info carries the empty ID; draft-08's
   * published vectors used nil there (DRAFT08.md). */
  static const uint8_t none[1];
  oscore_bytes empty = OSCORE_BYTES(none, 0);
  const oscore_bytes *iv_id = n.profile.common_iv_id_null ? NULL : &empty;
  oscore_err err = derive_one(&n, p, &sid, "Key", n.sender_key, alg->key_len);
  if (err == OSCORE_OK)
    err = derive_one(&n, p, &rid, "Key", n.recipient_key, alg->key_len);
  if (err == OSCORE_OK)
    err = derive_one(&n, p, iv_id, "IV", n.common_iv, alg->nonce_len);
  if (err == OSCORE_OK)
    err = oscore_replay_init_empty(&n.replay, p->replay_window);
  if (err != OSCORE_OK) {
    oscore_ctx_wipe(&n);
    return err;
  }
  n.sender_seq = 0;
  n.seq_limit = 0;
  *ctx = n;
  oscore_ctx_wipe(&n);
  return OSCORE_OK;
}

void oscore_ctx_wipe(oscore_ctx *ctx) {
  if (ctx == NULL)
    return;
  oscore_wipe(ctx, sizeof *ctx);
}

oscore_err oscore_ctx_nonce(const oscore_ctx *ctx, oscore_bytes id,
                            oscore_bytes piv, uint8_t *out, size_t out_cap) {
  if (ctx == NULL || ctx->alg == NULL || out == NULL || !slice_ok(id) ||
      !slice_ok(piv))
    return OSCORE_ERR_INVALID_ARG;
  size_t n = ctx->alg->nonce_len;
  size_t id_room = n - 6;
  if (id.len > id_room)
    return OSCORE_ERR_ID_TOO_LONG;
  if (piv.len > 5)
    return OSCORE_ERR_INVALID_ARG;
  if (out_cap < n)
    return OSCORE_ERR_BUFFER_TOO_SMALL;
  /* §5.2: size of ID | ID left-padded to nonce_len - 6 | PIV left-padded
   * to 5 bytes, then XOR with the common IV. */
  uint8_t nonce[OSCORE_MAX_NONCE_LEN] = { 0 };
  nonce[0] = (uint8_t)id.len;
  if (id.len)
    memcpy(nonce + 1 + id_room - id.len, id.ptr, id.len);
  if (piv.len)
    memcpy(nonce + n - piv.len, piv.ptr, piv.len);
  for (size_t i = 0; i < n; i++)
    out[i] = nonce[i] ^ ctx->common_iv[i];
  return OSCORE_OK;
}

size_t oscore_piv_encode(uint64_t seq, uint8_t out[5]) {
  if (seq > OSCORE_MAX_SEQ || out == NULL)
    return 0;
  size_t len = 1;
  while (len < 5 && (seq >> (8 * len)) != 0)
    len++;
  for (size_t i = 0; i < len; i++)
    out[i] = (uint8_t)(seq >> (8 * (len - 1 - i)));
  return len;
}

oscore_err oscore_piv_decode(oscore_bytes piv, uint64_t *seq) {
  if (seq == NULL)
    return OSCORE_ERR_INVALID_ARG;
  /* §6.1: a present partial IV has 1..5 bytes. Leading zeros are accepted
   * as aiocoap does (int.from_bytes); the nonce pads them away anyway. */
  if (piv.len == 0 || piv.len > 5 || piv.ptr == NULL)
    return OSCORE_ERR_OPTION_MALFORMED;
  uint64_t v = 0;
  for (size_t i = 0; i < piv.len; i++)
    v = (v << 8) | piv.ptr[i];
  *seq = v;
  return OSCORE_OK;
}
