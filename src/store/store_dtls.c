/* aiocoap "dtls" credentials: {"psk": BIN, "client-identity": BIN}. */
#include "store_dtls.h"
#include <string.h>
#include "oscore_secret.h"
#include "store_diag.h"
#include "store_json.h"

store_err store_dtls_entry_parse(const cJSON *v, const char *key,
                                 const char *path, store_dtls_entry *out,
                                 store_diag *diag) {
  memset(out, 0, sizeof *out);
  if (!cJSON_IsObject(v))
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"dtls\" takes an object such as "
                      "{\"psk\": {\"ascii\": ...}, \"client-identity\": "
                      "{\"ascii\": ...}}", path, key);
  static const char *const names[] = { "psk", "client-identity" };
  const cJSON *slots[2], *bad;
  bool twice;
  if (!store_json_pick_members(v, names, slots, 2, &bad, &twice))
    return twice ? store_fail(diag, STORE_ERR_DUPLICATE,
                              "%s: entry \"%.100s\": \"%s\" given twice",
                              path, key, bad->string)
                 : store_fail(diag, STORE_ERR_MALFORMED,
                              "%s: entry \"%.100s\": unexpected member "
                              "\"%.64s\" in \"dtls\" (expected \"psk\" and "
                              "\"client-identity\")", path, key, bad->string);
  const cJSON *psk = slots[0], *id = slots[1];
  if (!psk || !id)
    return store_fail(diag, STORE_ERR_MISSING,
                      "%s: entry \"%.100s\": \"dtls\" lacks \"%s\"", path, key,
                      psk ? "client-identity" : "psk");
  const char *why = NULL;
  /* aiocoap's annotation is bytes: a plain string is a type mismatch
   * there, so it is refused here too rather than guessed at. */
  if (!store_json_binary(psk, out->psk, sizeof out->psk, &out->psk_len, &why)) {
    store_dtls_entry_clear(out);
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"psk\": %s (at most %d bytes)",
                      path, key, why, STORE_DTLS_MAX_PSK);
  }
  if (!store_json_binary(id, out->identity, sizeof out->identity,
                         &out->identity_len, &why)) {
    store_dtls_entry_clear(out);
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"client-identity\": %s (at most "
                      "%d bytes)", path, key, why, STORE_DTLS_MAX_IDENTITY);
  }
  if (!out->psk_len) {
    store_dtls_entry_clear(out);
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"psk\" is empty", path, key);
  }
  return STORE_OK;
}

void store_dtls_entry_clear(store_dtls_entry *e) {
  if (e) oscore_wipe(e, sizeof *e);
}
