/* Credentials and ID_CRED_x (edhoc_cred.h). */
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <string.h>
#include "edhoc_cred.h"
#include "edhoc_wire.h"

void edhoc_cred_clear(edhoc_cred *c) {
  if (c == NULL)
    return;
  edhoc_key_free(c->pub);
  memset(c, 0, sizeof *c);
}

static edhoc_err map_bytes(const edhoc_cbor_val *map, int64_t key,
                           oscore_bytes *out, bool *found) {
  edhoc_cbor_val v;
  edhoc_err err = edhoc_cbor_map_get(map, key, &v, found);
  if (err != EDHOC_OK || !*found)
    return err;
  if (v.type != EDHOC_CBOR_BSTR)
    return EDHOC_ERR_CRED_MALFORMED;
  *out = v.bytes;
  return EDHOC_OK;
}

static edhoc_err map_int(const edhoc_cbor_val *map, int64_t key,
                         int64_t *out) {
  edhoc_cbor_val v;
  bool found;
  edhoc_err err = edhoc_cbor_map_get(map, key, &v, &found);
  if (err != EDHOC_OK)
    return EDHOC_ERR_CRED_MALFORMED;
  if (!found || v.type != EDHOC_CBOR_INT)
    return EDHOC_ERR_CRED_MALFORMED;
  *out = v.i;
  return EDHOC_OK;
}

/* COSE_Key (RFC 9052 §7) -> public key and kid. */
static edhoc_err cose_key(const edhoc_cbor_val *k, edhoc_cred *out) {
  int64_t kty, crv;
  if (k->type != EDHOC_CBOR_MAP || map_int(k, 1, &kty) != EDHOC_OK ||
      map_int(k, -1, &crv) != EDHOC_OK)
    return EDHOC_ERR_CRED_MALFORMED;
  edhoc_curve c;
  if (kty == 1 && crv == 4)
    c = EDHOC_CURVE_X25519;
  else if (kty == 1 && crv == 6)
    c = EDHOC_CURVE_ED25519;
  else if (kty == 2 && crv == 1)
    c = EDHOC_CURVE_P256;
  else
    return EDHOC_ERR_CRED_MALFORMED;
  oscore_bytes x = { 0 }, y = { 0 }, kid = { 0 };
  bool has_x, has_y = false, has_kid;
  if (map_bytes(k, -2, &x, &has_x) != EDHOC_OK || !has_x ||
      (c == EDHOC_CURVE_P256 &&
       (map_bytes(k, -3, &y, &has_y) != EDHOC_OK || !has_y)) ||
      map_bytes(k, 2, &kid, &has_kid) != EDHOC_OK)
    return EDHOC_ERR_CRED_MALFORMED;
  if (x.len != EDHOC_COORD_LEN || (has_y && y.len != EDHOC_COORD_LEN) ||
      (has_kid && (kid.len == 0 || kid.len > EDHOC_MAX_KID)))
    return EDHOC_ERR_CRED_MALFORMED;
  if (has_kid) {
    memcpy(out->kid, kid.ptr, kid.len);
    out->kid_len = kid.len;
    out->has_kid = true;
  }
  edhoc_err err = edhoc_key_from_public(c, x, y, &out->pub);
  return err == EDHOC_ERR_BAD_KEY ? EDHOC_ERR_CRED_MALFORMED : err;
}

edhoc_err edhoc_cred_from_ccs(oscore_bytes ccs, edhoc_cred *out) {
  memset(out, 0, sizeof *out);
  if (ccs.ptr == NULL || ccs.len > EDHOC_MAX_CRED)
    return EDHOC_ERR_CRED_MALFORMED;
  edhoc_r r;
  edhoc_cbor_val map, cnf, key;
  bool found;
  edhoc_r_init(&r, ccs);
  if (edhoc_r_next(&r, &map) != EDHOC_OK || !edhoc_r_at_end(&r) ||
      map.type != EDHOC_CBOR_MAP ||
      edhoc_cbor_map_get(&map, 8, &cnf, &found) != EDHOC_OK || !found ||
      cnf.type != EDHOC_CBOR_MAP ||
      edhoc_cbor_map_get(&cnf, 1, &key, &found) != EDHOC_OK || !found)
    return EDHOC_ERR_CRED_MALFORMED;
  edhoc_err err = cose_key(&key, out);
  if (err != EDHOC_OK) {
    edhoc_cred_clear(out);
    return err;
  }
  out->kind = EDHOC_CRED_CCS;
  memcpy(out->item, ccs.ptr, ccs.len);
  out->item_len = ccs.len;
  return EDHOC_OK;
}

edhoc_err edhoc_cred_from_x509(oscore_bytes der, edhoc_cred *out) {
  memset(out, 0, sizeof *out);
  if (der.ptr == NULL || der.len == 0 || der.len > EDHOC_MAX_CRED)
    return EDHOC_ERR_CRED_MALFORMED;
  const unsigned char *p = der.ptr;
  X509 *x = d2i_X509(NULL, &p, (long)der.len);
  if (x == NULL || p != der.ptr + der.len) {
    X509_free(x);
    return EDHOC_ERR_CRED_MALFORMED;
  }
  EVP_PKEY *pkey = X509_get_pubkey(x);
  X509_free(x);
  if (pkey == NULL)
    return EDHOC_ERR_CRED_MALFORMED;
  if (edhoc_key_from_evp(pkey, &out->pub) != EDHOC_OK)
    return EDHOC_ERR_CRED_MALFORMED; /* it released |pkey| */
  edhoc_w w;
  edhoc_w_init(&w, out->item, sizeof out->item);
  edhoc_w_bstr(&w, der);
  out->kind = EDHOC_CRED_X509;
  out->item_len = w.len;
  out->der = OSCORE_BYTES(out->item + w.len - der.len, der.len);
  return EDHOC_OK;
}

edhoc_err edhoc_ccs_write(const edhoc_key *k, oscore_bytes kid,
                          const char *subject, edhoc_w *w) {
  uint8_t x[EDHOC_COORD_LEN], y[EDHOC_COORD_LEN];
  edhoc_curve c = edhoc_key_curve(k);
  bool ec2 = c == EDHOC_CURVE_P256;
  if (kid.len > EDHOC_MAX_KID || (kid.len && kid.ptr == NULL))
    return EDHOC_ERR_INVALID_ARG;
  edhoc_err err = edhoc_key_public(k, x, ec2 ? y : NULL);
  if (err != EDHOC_OK)
    return err;
  edhoc_w_map(w, subject ? 2 : 1);
  if (subject) {
    edhoc_w_int(w, 2);
    edhoc_w_tstr(w, subject);
  }
  edhoc_w_int(w, 8);
  edhoc_w_map(w, 1);
  edhoc_w_int(w, 1);
  edhoc_w_map(w, (ec2 ? 4 : 3) + (kid.len ? 1 : 0));
  edhoc_w_int(w, 1);
  edhoc_w_int(w, ec2 ? 2 : 1);
  if (kid.len) {
    edhoc_w_int(w, 2);
    edhoc_w_bstr(w, kid);
  }
  edhoc_w_int(w, -1);
  edhoc_w_int(w, ec2 ? 1 : c == EDHOC_CURVE_X25519 ? 4 : 6);
  edhoc_w_int(w, -2);
  edhoc_w_bstr(w, OSCORE_BYTES(x, EDHOC_COORD_LEN));
  if (ec2) {
    edhoc_w_int(w, -3);
    edhoc_w_bstr(w, OSCORE_BYTES(y, EDHOC_COORD_LEN));
  }
  return edhoc_w_status(w);
}

/* SHA-256/64 (COSE -15) or full SHA-256 (-16) of a certificate. */
static size_t x5t_hash(int64_t alg, oscore_bytes der, uint8_t out[32]) {
  if ((alg != -15 && alg != -16) || edhoc_sha256(der, out) != EDHOC_OK)
    return 0;
  return alg == -15 ? 8 : 32;
}

edhoc_err edhoc_id_cred_write(const edhoc_cred *c, edhoc_idcred_kind kind,
                              edhoc_w *w) {
  edhoc_w_map(w, 1);
  switch (kind) {
  case EDHOC_IDCRED_KID:
    if (!c->has_kid)
      return EDHOC_ERR_INVALID_ARG;
    edhoc_w_int(w, 4);
    edhoc_w_bstr(w, OSCORE_BYTES(c->kid, c->kid_len));
    break;
  case EDHOC_IDCRED_KCCS:
    if (c->kind != EDHOC_CRED_CCS)
      return EDHOC_ERR_INVALID_ARG;
    edhoc_w_int(w, 14);
    edhoc_w_raw(w, OSCORE_BYTES(c->item, c->item_len));
    break;
  case EDHOC_IDCRED_X5CHAIN:
    if (c->kind != EDHOC_CRED_X509)
      return EDHOC_ERR_INVALID_ARG;
    edhoc_w_int(w, 33);
    edhoc_w_raw(w, OSCORE_BYTES(c->item, c->item_len));
    break;
  case EDHOC_IDCRED_X5T: {
    uint8_t h[32];
    if (c->kind != EDHOC_CRED_X509)
      return EDHOC_ERR_INVALID_ARG;
    size_t n = x5t_hash(-15, c->der, h);
    if (n == 0)
      return EDHOC_ERR_CRYPTO;
    edhoc_w_int(w, 34);
    edhoc_w_array(w, 2);
    edhoc_w_int(w, -15);
    edhoc_w_bstr(w, OSCORE_BYTES(h, n));
    break;
  }
  }
  return edhoc_w_status(w);
}

edhoc_err edhoc_id_cred_write_compact(oscore_bytes map, edhoc_w *w) {
  edhoc_r r;
  edhoc_cbor_val m, kid;
  bool found;
  edhoc_r_init(&r, map);
  if (edhoc_r_next(&r, &m) != EDHOC_OK || m.type != EDHOC_CBOR_MAP)
    return EDHOC_ERR_INVALID_ARG;
  if (m.n == 1 && edhoc_cbor_map_get(&m, 4, &kid, &found) == EDHOC_OK &&
      found && kid.type == EDHOC_CBOR_BSTR) {
    edhoc_wire_write_id(w, kid.bytes);
    return edhoc_w_status(w);
  }
  edhoc_w_raw(w, map);
  return edhoc_w_status(w);
}

edhoc_err edhoc_id_cred_read(const edhoc_cbor_val *v, edhoc_id_cred *id,
                             edhoc_w *map_w) {
  memset(id, 0, sizeof *id);
  if (v->type == EDHOC_CBOR_INT || v->type == EDHOC_CBOR_BSTR) {
    edhoc_err err = edhoc_wire_read_id(v, &id->kid);
    if (err != EDHOC_OK)
      return err;
    id->kind = EDHOC_IDCRED_KID;
    edhoc_w_map(map_w, 1);
    edhoc_w_int(map_w, 4);
    edhoc_w_bstr(map_w, id->kid);
    return edhoc_w_status(map_w) == EDHOC_OK ? EDHOC_OK : EDHOC_ERR_MALFORMED;
  }
  if (v->type != EDHOC_CBOR_MAP || v->n != 1)
    return EDHOC_ERR_MALFORMED;
  edhoc_r r;
  edhoc_cbor_val key, val;
  edhoc_r_init(&r, v->inner);
  if (edhoc_r_next(&r, &key) != EDHOC_OK || edhoc_r_next(&r, &val) != EDHOC_OK ||
      key.type != EDHOC_CBOR_INT)
    return EDHOC_ERR_MALFORMED;
  switch (key.i) {
  case 4:
    /* A kid-only map must have been sent compact (RFC 9528 §3.5.3.2). */
    return EDHOC_ERR_MALFORMED;
  case 14:
    if (val.type != EDHOC_CBOR_MAP)
      return EDHOC_ERR_MALFORMED;
    id->kind = EDHOC_IDCRED_KCCS;
    id->value = val.span;
    break;
  case 33: /* one certificate, or a chain whose first is the peer's */
    if (val.type == EDHOC_CBOR_ARRAY && val.n >= 1) {
      edhoc_r cr;
      edhoc_cbor_val first;
      edhoc_r_init(&cr, val.inner);
      if (edhoc_r_next(&cr, &first) != EDHOC_OK)
        return EDHOC_ERR_MALFORMED;
      val = first;
    }
    if (val.type != EDHOC_CBOR_BSTR)
      return EDHOC_ERR_MALFORMED;
    id->kind = EDHOC_IDCRED_X5CHAIN;
    id->value = val.bytes;
    break;
  case 34: {
    edhoc_r ar;
    if (val.type != EDHOC_CBOR_ARRAY || val.n != 2)
      return EDHOC_ERR_MALFORMED;
    edhoc_r_init(&ar, val.inner);
    if (edhoc_r_int(&ar, &id->x5t_alg) != EDHOC_OK ||
        edhoc_r_bstr(&ar, &id->value) != EDHOC_OK)
      return EDHOC_ERR_MALFORMED;
    id->kind = EDHOC_IDCRED_X5T;
    break;
  }
  default:
    return EDHOC_ERR_UNKNOWN_CRED;
  }
  edhoc_w_raw(map_w, v->span);
  return edhoc_w_status(map_w) == EDHOC_OK ? EDHOC_OK : EDHOC_ERR_MALFORMED;
}

bool edhoc_id_cred_matches(const edhoc_id_cred *id, const edhoc_cred *c) {
  switch (id->kind) {
  case EDHOC_IDCRED_KID:
    return c->has_kid && id->kid.len == c->kid_len &&
           memcmp(id->kid.ptr, c->kid, c->kid_len) == 0;
  case EDHOC_IDCRED_KCCS:
    return c->kind == EDHOC_CRED_CCS && id->value.len == c->item_len &&
           memcmp(id->value.ptr, c->item, c->item_len) == 0;
  case EDHOC_IDCRED_X5CHAIN:
    return c->kind == EDHOC_CRED_X509 && id->value.len == c->der.len &&
           memcmp(id->value.ptr, c->der.ptr, c->der.len) == 0;
  case EDHOC_IDCRED_X5T: {
    uint8_t h[32];
    if (c->kind != EDHOC_CRED_X509)
      return false;
    size_t n = x5t_hash(id->x5t_alg, c->der, h);
    return n != 0 && n == id->value.len && memcmp(h, id->value.ptr, n) == 0;
  }
  }
  return false;
}
