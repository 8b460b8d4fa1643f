/* The .cosekey private key codec (edhoc_cosekey.h). */
#include "oscore_secret.h"
#include "edhoc_cosekey.h"

edhoc_err edhoc_cosekey_write(const edhoc_key *k, edhoc_w *w) {
  uint8_t d[EDHOC_COORD_LEN];
  edhoc_err err = edhoc_key_private(k, d);
  if (err != EDHOC_OK)
    return err;
  edhoc_curve c = edhoc_key_curve(k);
  edhoc_w_map(w, 3);
  edhoc_w_int(w, 1);
  edhoc_w_int(w, c == EDHOC_CURVE_P256 ? 2 : 1);
  edhoc_w_int(w, -1);
  edhoc_w_int(w, c == EDHOC_CURVE_P256 ? 1 : c == EDHOC_CURVE_X25519 ? 4 : 6);
  edhoc_w_int(w, -4);
  edhoc_w_bstr(w, OSCORE_BYTES(d, sizeof d));
  oscore_wipe(d, sizeof d);
  return edhoc_w_status(w);
}

static edhoc_err bad(const char **why, const char *text) {
  if (why)
    *why = text;
  return EDHOC_ERR_CRED_MALFORMED;
}

edhoc_err edhoc_cosekey_read(oscore_bytes in, edhoc_key **out,
                             const char **why) {
  edhoc_r r;
  edhoc_cbor_val map;
  edhoc_r_init(&r, in);
  if (edhoc_r_next(&r, &map) != EDHOC_OK || !edhoc_r_at_end(&r) ||
      map.type != EDHOC_CBOR_MAP)
    return bad(why, "not one CBOR map (a COSE_Key)");
  int64_t kty = 0, crv = 0;
  oscore_bytes d = { 0 };
  bool seen[3] = { false, false, false };
  edhoc_r pairs;
  edhoc_r_init(&pairs, map.inner);
  for (size_t i = 0; i < map.n; i++) {
    edhoc_cbor_val k, v;
    if (edhoc_r_next(&pairs, &k) != EDHOC_OK ||
        edhoc_r_next(&pairs, &v) != EDHOC_OK || k.type != EDHOC_CBOR_INT)
      return bad(why, "COSE_Key labels must be integers");
    int slot = k.i == 1 ? 0 : k.i == -1 ? 1 : k.i == -4 ? 2 : -1;
    /* aiocoap refuses extra members too ("Extraneous data in key"). */
    if (slot < 0 || seen[slot])
      return bad(why, "COSE_Key may only hold 1 (kty), -1 (crv), -4 (d)");
    seen[slot] = true;
    if (slot < 2 && v.type != EDHOC_CBOR_INT)
      return bad(why, "kty and crv must be integers");
    if (slot == 0)
      kty = v.i;
    else if (slot == 1)
      crv = v.i;
    else if (v.type != EDHOC_CBOR_BSTR || v.bytes.len != EDHOC_COORD_LEN)
      return bad(why, "d (-4) must be a 32-byte byte string");
    else
      d = v.bytes;
  }
  if (!seen[0] || !seen[1] || !seen[2])
    return bad(why, "COSE_Key needs 1 (kty), -1 (crv) and -4 (d)");
  edhoc_curve c;
  if (kty == 2 && crv == 1)
    c = EDHOC_CURVE_P256;
  else if (kty == 1 && crv == 4)
    c = EDHOC_CURVE_X25519;
  else if (kty == 1 && crv == 6)
    c = EDHOC_CURVE_ED25519;
  else
    return bad(why, "key type not supported (EC2 P-256, OKP X25519 or Ed25519)");
  edhoc_err err = edhoc_key_from_private(c, d, out);
  if (err != EDHOC_OK)
    return bad(why, "d (-4) is not a valid private key");
  return EDHOC_OK;
}
