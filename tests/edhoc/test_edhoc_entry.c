/* "edhoc-oscore" entries of credentials maps, as aiocoap's EDHOC example
 * writes them (doc/stateofedhoc.rst): the server's own entry with a
 * by-key-id credential and its .cosekey file, a peer entry, the
 * unauthenticated forms; credentials are kept canonically encoded whatever
 * order the map wrote them in; each mistake is named; the JSON form with
 * {"hex": ...} credentials reads the same. */
#include <cbor.h>
#include <cjson/cJSON.h>
#include <sys/stat.h>
#include "../scratch.h"
#include "../unit.h"
#include "edhoc_testutil.h"
#include "store_cosekey.h"
#include "store_edhoc.h"

static char dir[] = "/tmp/edhoc-entry-XXXXXX";
static char map_path[256];

typedef struct {
  const char *name;
  int kind;            /* 0 int, 1 text, 2 raw CBOR */
  int i;
  const char *text;
  const uint8_t *raw;
  size_t raw_len;
} member;

/* Encodes an entry object and hands it to the parser. */
static store_err parse(const member *m, size_t n, store_edhoc_entry *e,
                       store_diag *diag) {
  uint8_t buf[2048];
  edhoc_w w;
  edhoc_w_init(&w, buf, sizeof buf);
  edhoc_w_map(&w, n);
  for (size_t k = 0; k < n; k++) {
    edhoc_w_tstr(&w, m[k].name);
    if (m[k].kind == 0)
      edhoc_w_int(&w, m[k].i);
    else if (m[k].kind == 1)
      edhoc_w_tstr(&w, m[k].text);
    else
      edhoc_w_raw(&w, OSCORE_BYTES(m[k].raw, m[k].raw_len));
  }
  struct cbor_load_result res;
  cbor_item_t *it = cbor_load(buf, w.len, &res);
  CHECK(it != NULL);
  store_err err = store_edhoc_entry_parse(it, ":entry", map_path, e, diag);
  cbor_decref(&it);
  return err;
}

/* {14: CCS} of |k| with kid |kid|; |scrambled| writes the COSE_Key's
 * members in another order (a hand-written map may). */
static size_t cred(const edhoc_key *k, uint8_t kid, bool scrambled,
                   uint8_t *out, size_t cap) {
  edhoc_w w;
  edhoc_w_init(&w, out, cap);
  edhoc_w_map(&w, 1);
  edhoc_w_int(&w, 14);
  if (!scrambled) {
    CHECK_EQ_INT(edhoc_ccs_write(k, OSCORE_BYTES(&kid, 1), NULL, &w), EDHOC_OK);
    return w.len;
  }
  uint8_t x[32], y[32];
  CHECK_EQ_INT(edhoc_key_public(k, x, y), EDHOC_OK);
  edhoc_w_map(&w, 1);
  edhoc_w_int(&w, 8);
  edhoc_w_map(&w, 1);
  edhoc_w_int(&w, 1);
  edhoc_w_map(&w, 5);
  edhoc_w_int(&w, -3);
  edhoc_w_bstr(&w, OSCORE_BYTES(y, 32));
  edhoc_w_int(&w, -2);
  edhoc_w_bstr(&w, OSCORE_BYTES(x, 32));
  edhoc_w_int(&w, -1);
  edhoc_w_int(&w, 1);
  edhoc_w_int(&w, 2);
  edhoc_w_bstr(&w, OSCORE_BYTES(&kid, 1));
  edhoc_w_int(&w, 1);
  edhoc_w_int(&w, 2);
  return w.len;
}

int main(void) {
  CHECK(mkdtemp(dir) != NULL);
  snprintf(map_path, sizeof map_path, "%s/fileserver.cred.diag", dir);
  char key_path[300];
  snprintf(key_path, sizeof key_path, "%s/fileserver.cosekey", dir);
  store_diag diag = { .msg = "" };
  edhoc_key *k = NULL, *other = NULL;
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_P256, &k), EDHOC_OK);
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_P256, &other), EDHOC_OK);
  CHECK_EQ_INT(store_cosekey_create(key_path, k, &diag), STORE_OK);
  uint8_t own[256], scr[256], peer[256];
  size_t own_len = cred(k, 0x0a, false, own, sizeof own);
  size_t scr_len = cred(k, 0x0a, true, scr, sizeof scr);
  size_t peer_len = cred(other, 0x01, false, peer, sizeof peer);
  CHECK(scr_len == own_len && memcmp(scr, own, own_len) != 0);

  /* The server's own entry, with the COSE_Key written out of order. */
  member srv[] = {
    { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 },
    { "own_cred_style", 1, 0, "by-key-id", 0, 0 },
    { "own_cred", 2, 0, 0, scr, scr_len },
    { "private_key_file", 1, 0, "fileserver.cosekey", 0, 0 },
  };
  store_edhoc_entry e;
  CHECK_EQ_INT(parse(srv, 5, &e, &diag), STORE_OK);
  CHECK(e.has_own && !e.has_peer && e.own_style == EDHOC_IDCRED_KID);
  CHECK_EQ_INT(e.suite, 2);
  CHECK_EQ_INT(e.method, 3);
  CHECK_EQ_INT(e.combined, -1);
  CHECK_MEM(e.own_ccs, e.own_ccs_len, own + 2, own_len - 2); /* after a1 0e */
  CHECK(e.own_key != NULL);
  store_edhoc_entry_clear(&e);

  /* A peer entry (":ourclient"), and the unauthenticated forms. */
  member pe[] = { { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 },
                  { "peer-cred", 2, 0, 0, peer, peer_len } };
  CHECK_EQ_INT(parse(pe, 3, &e, &diag), STORE_OK);
  CHECK(e.has_peer && !e.peer_unauthenticated && !e.has_own);
  CHECK_MEM(e.peer_ccs, e.peer_ccs_len, peer + 2, peer_len - 2);
  store_edhoc_entry_clear(&e);
  static const uint8_t unauth[] = { 0xa1, 0x6f, 'u', 'n', 'a', 'u', 't', 'h',
                                    'e', 'n', 't', 'i', 'c', 'a', 't', 'e',
                                    'd', 0xf5 };
  member un[] = { { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 },
                  { "peer_cred", 2, 0, 0, unauth, sizeof unauth },
                  { "own_cred", 2, 0, 0, unauth, sizeof unauth } };
  CHECK_EQ_INT(parse(un, 4, &e, &diag), STORE_OK);
  CHECK(e.peer_unauthenticated && e.own_unauthenticated &&
        e.own_style == EDHOC_IDCRED_KCCS);
  store_edhoc_entry_clear(&e);

  /* Mistakes, each named. */
  struct { member m[5]; size_t n; store_err err; const char *says; } bad[] = {
    { { { "method", 0, 3, 0, 0, 0 } }, 1, STORE_ERR_MISSING, "suite" },
    { { { "suite", 0, 7, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 } }, 2,
      STORE_ERR_UNSUPPORTED, "suite must be" },
    { { { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 4, 0, 0, 0 } }, 2,
      STORE_ERR_UNSUPPORTED, "method must be" },
    { { { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 },
        { "own_cred", 2, 0, 0, own, own_len } }, 3, STORE_ERR_MISSING,
      "come together" },
    { { { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 },
        { "own_cred_style", 1, 0, "by-hash", 0, 0 },
        { "own_cred", 2, 0, 0, own, own_len },
        { "private_key_file", 1, 0, "fileserver.cosekey", 0, 0 } }, 5,
      STORE_ERR_MALFORMED, "by-key-id" },
    { { { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 },
        { "own_cred_style", 1, 0, "by-value", 0, 0 },
        { "own_cred", 2, 0, 0, peer, peer_len },
        { "private_key_file", 1, 0, "fileserver.cosekey", 0, 0 } }, 5,
      STORE_ERR_MALFORMED, "is not the key of own_cred" },
    { { { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 },
        { "peer_cred", 2, 0, 0, (const uint8_t *)"\xa1\x0f\x01", 3 } }, 3,
      STORE_ERR_UNSUPPORTED, "{14: {...}}" },
    { { { "suite", 0, 2, 0, 0, 0 }, { "method", 0, 3, 0, 0, 0 },
        { "peer_cred", 2, 0, 0, (const uint8_t *)"\xa1\x0e\xa0", 3 } }, 3,
      STORE_ERR_MALFORMED, "not a usable CWT" },
    { { { "suite", 0, 2, 0, 0, 0 }, { "frobnicate", 0, 3, 0, 0, 0 } }, 2,
      STORE_ERR_MALFORMED, "frobnicate" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    diag.msg[0] = 0;
    CHECK_EQ_INT(parse(bad[i].m, bad[i].n, &e, &diag), bad[i].err);
    CHECK(strstr(diag.msg, bad[i].says) && strstr(diag.msg, ":entry") &&
          strstr(diag.msg, map_path));
    if (!strstr(diag.msg, bad[i].says))
      fprintf(stderr, "case %zu said: %s\n", i, diag.msg);
  }
  /* A key file others may read is refused, as aiocoap refuses it. */
  chmod(key_path, 0644);
  CHECK_EQ_INT(parse(srv, 5, &e, &diag), STORE_ERR_MALFORMED);
  CHECK(strstr(diag.msg, "group or world accessible") != NULL);
  chmod(key_path, 0600);

  /* JSON: the credential as {"hex": CBOR of {14: CCS}}, dashes in names. */
  char hex[600], json[1200];
  for (size_t i = 0; i < own_len; i++)
    snprintf(hex + 2 * i, 3, "%02x", own[i]);
  snprintf(json, sizeof json,
           "{\"suite\": 2, \"method\": 3, \"own-cred-style\": \"by-key-id\","
           " \"own_cred\": {\"hex\": \"%s\"}, \"private-key-file\":"
           " \"fileserver.cosekey\", \"peer_cred\": {\"unauthenticated\": true},"
           " \"use_combined_edhoc\": false}", hex);
  cJSON *j = cJSON_Parse(json);
  CHECK_EQ_INT(store_edhoc_entry_parse_json(j, ":entry", map_path, &e, &diag),
               STORE_OK);
  CHECK(e.has_own && e.peer_unauthenticated && e.combined == 0);
  CHECK_MEM(e.own_ccs, e.own_ccs_len, own + 2, own_len - 2);
  store_edhoc_entry_clear(&e);
  cJSON_Delete(j);
  j = cJSON_Parse("{\"suite\": 2, \"method\": 3, \"peer_cred\": {\"hex\": \"zz\"}}");
  CHECK_EQ_INT(store_edhoc_entry_parse_json(j, ":entry", map_path, &e, &diag),
               STORE_ERR_MALFORMED);
  cJSON_Delete(j);

  edhoc_key_free(k);
  edhoc_key_free(other);
  scratch_rmtree(dir);
  return unit_summary("edhoc_entry");
}
