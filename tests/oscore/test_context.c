/* Crypto half of the core: RFC 8613 Appendix C derivation vectors, nonces,
 * partial IV codec, HKDF and AEAD known answers, and the failure paths of
 * seal/open (tampering, short buffers). */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include "../unit.h"
#include "oscore_alg.h"
#include "oscore_context.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

static long hex_or_die(const char *hex, uint8_t *out, size_t cap) {
  long n = unit_hex(hex, out, cap);
  if (n < 0) {
    fprintf(stderr, "bad hex in test data: %s\n", hex);
    exit(1);
  }
  return n;
}

/* ---- RFC 8613 Appendix C.1-C.3 from the JSON copy of the RFC ---- */

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (cap - len < 4096) {
      cap = cap ? cap * 2 : 8192;
      char *nb = realloc(buf, cap + 1);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  fclose(f);
  buf[len] = '\0';
  return buf;
}

static const char *jstr(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Checks one vector; returns false when the vector itself is unusable. */
static bool check_vector(const cJSON *v) {
  const char *id = jstr(v, "id");
  const char *fields[] = { "master_secret", "master_salt", "sender_id",
                           "recipient_id", "sender_key", "recipient_key",
                           "common_iv", "sender_nonce", "recipient_nonce" };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    if (jstr(v, fields[i]) == NULL) {
      fprintf(stderr, "vector %s lacks %s\n", id ? id : "?", fields[i]);
      return false;
    }
  const cJSON *ssn = cJSON_GetObjectItemCaseSensitive(v, "sender_sequence_number");
  if (!cJSON_IsNumber(ssn))
    return false;

  uint8_t secret[64], salt[64], sid[16], rid[16], idctx[64];
  uint8_t skey[32], rkey[32], iv[16], snonce[16], rnonce[16];
  oscore_ctx_params p = { 0 };
  p.aead_cose = 10; /* the whole appendix uses AES-CCM-16-64-128 */
  p.hkdf = OSCORE_HASH_SHA256;
  p.master_secret = OSCORE_BYTES(secret, hex_or_die(jstr(v, "master_secret"), secret, sizeof secret));
  p.master_salt = OSCORE_BYTES(salt, hex_or_die(jstr(v, "master_salt"), salt, sizeof salt));
  p.sender_id = OSCORE_BYTES(sid, hex_or_die(jstr(v, "sender_id"), sid, sizeof sid));
  p.recipient_id = OSCORE_BYTES(rid, hex_or_die(jstr(v, "recipient_id"), rid, sizeof rid));
  const char *ic = jstr(v, "id_context");
  p.has_id_context = ic != NULL;
  if (ic)
    p.id_context = OSCORE_BYTES(idctx, hex_or_die(ic, idctx, sizeof idctx));
  long skl = hex_or_die(jstr(v, "sender_key"), skey, sizeof skey);
  long rkl = hex_or_die(jstr(v, "recipient_key"), rkey, sizeof rkey);
  long ivl = hex_or_die(jstr(v, "common_iv"), iv, sizeof iv);
  long snl = hex_or_die(jstr(v, "sender_nonce"), snonce, sizeof snonce);
  long rnl = hex_or_die(jstr(v, "recipient_nonce"), rnonce, sizeof rnonce);

  oscore_ctx ctx;
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
  fprintf(stderr, "vector %s\n", id ? id : "?");
  CHECK_MEM(ctx.sender_key, ctx.alg->key_len, skey, (size_t)skl);
  CHECK_MEM(ctx.recipient_key, ctx.alg->key_len, rkey, (size_t)rkl);
  CHECK_MEM(ctx.common_iv, ctx.alg->nonce_len, iv, (size_t)ivl);
  CHECK_EQ_INT(ctx.has_id_context, p.has_id_context);

  uint8_t piv[5], nonce[OSCORE_MAX_NONCE_LEN];
  size_t pl = oscore_piv_encode((uint64_t)ssn->valuedouble, piv);
  CHECK(pl >= 1);
  CHECK_EQ_INT(oscore_ctx_nonce(&ctx, p.sender_id, OSCORE_BYTES(piv, pl),
                                nonce, sizeof nonce), OSCORE_OK);
  CHECK_MEM(nonce, ctx.alg->nonce_len, snonce, (size_t)snl);
  /* The vectors' recipient nonce is the peer's first request, PIV 0. */
  pl = oscore_piv_encode(0, piv);
  CHECK_EQ_INT(oscore_ctx_nonce(&ctx, p.recipient_id, OSCORE_BYTES(piv, pl),
                                nonce, sizeof nonce), OSCORE_OK);
  CHECK_MEM(nonce, ctx.alg->nonce_len, rnonce, (size_t)rnl);

  /* A fresh derivation may not send yet and has an empty, usable window. */
  CHECK_EQ_INT(ctx.sender_seq, 0);
  CHECK_EQ_INT(ctx.seq_limit, 0);
  CHECK(ctx.replay.initialised);
  CHECK_EQ_INT(ctx.replay.size, OSCORE_REPLAY_DEFAULT_SIZE);
  CHECK_EQ_INT(oscore_replay_check(&ctx.replay, 0), OSCORE_OK);

  oscore_ctx_wipe(&ctx);
  static const uint8_t zero[sizeof ctx.sender_key];
  CHECK_MEM(ctx.sender_key, sizeof ctx.sender_key, zero, sizeof zero);
  CHECK_MEM(ctx.recipient_key, sizeof ctx.recipient_key, zero, sizeof zero);
  CHECK_MEM(ctx.common_iv, sizeof ctx.common_iv, zero, sizeof ctx.common_iv);
  return true;
}

static void test_rfc_vectors(void) {
  const char *dir = getenv("SRCDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/vectors/rfc8613-appendix-c.json",
           dir && *dir ? dir : TEST_SRCDIR);
  char *text = read_file(path);
  CHECK(text != NULL);
  if (text == NULL) {
    fprintf(stderr, "cannot read %s\n", path);
    return;
  }
  cJSON *root = cJSON_Parse(text);
  free(text);
  CHECK(root != NULL);
  const cJSON *vectors = cJSON_GetObjectItemCaseSensitive(root, "vectors");
  CHECK(cJSON_IsArray(vectors));
  const char *want[] = { "C.1.1", "C.1.2", "C.2.1", "C.2.2", "C.3.1", "C.3.2" };
  bool seen[sizeof want / sizeof want[0]] = { false };
  const cJSON *v;
  cJSON_ArrayForEach(v, vectors) {
    const char *id = jstr(v, "id");
    /* C.4 onwards are whole messages: the message half tests those. */
    if (id == NULL || strlen(id) != 5 || strncmp(id, "C.", 2) != 0 ||
        id[2] < '1' || id[2] > '3')
      continue;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
      if (strcmp(id, want[i]) == 0)
        seen[i] = true;
    CHECK(check_vector(v));
  }
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    if (!seen[i])
      fprintf(stderr, "vector %s missing from %s\n", want[i], path);
    CHECK(seen[i]);
  }
  cJSON_Delete(root);
}

/* ---- nonces with a non-zero PIV (RFC 8613 C.4, C.5, C.6: PIV 0x14) ---- */

static const uint8_t rfc_secret[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
  0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };
static const uint8_t rfc_salt[] = { 0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78,
  0x63, 0x40 };
static const uint8_t rfc_idctx[] = { 0x37, 0xcb, 0xf3, 0x21, 0x00, 0x17,
  0xa2, 0xd3 };
static const uint8_t id_00[] = { 0x00 };
static const uint8_t id_01[] = { 0x01 };

static oscore_ctx_params c1_client(void) {
  oscore_ctx_params p = { 0 };
  p.aead_cose = 10;
  p.hkdf = OSCORE_HASH_SHA256;
  p.master_secret = OSCORE_BYTES(rfc_secret, sizeof rfc_secret);
  p.master_salt = OSCORE_BYTES(rfc_salt, sizeof rfc_salt);
  p.sender_id = OSCORE_BYTES(id_01, 0);
  p.recipient_id = OSCORE_BYTES(id_01, 1);
  return p;
}

static void expect_nonce(const oscore_ctx_params *p, const char *want_hex) {
  oscore_ctx ctx;
  uint8_t want[16], got[OSCORE_MAX_NONCE_LEN], piv[5];
  long wl = hex_or_die(want_hex, want, sizeof want);
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, p), OSCORE_OK);
  size_t pl = oscore_piv_encode(20, piv);
  CHECK_EQ_INT(pl, 1);
  CHECK_EQ_INT(oscore_ctx_nonce(&ctx, p->sender_id, OSCORE_BYTES(piv, pl),
                                got, sizeof got), OSCORE_OK);
  CHECK_MEM(got, ctx.alg->nonce_len, want, (size_t)wl);
  oscore_ctx_wipe(&ctx);
}

static void test_nonce_nonzero_piv(void) {
  oscore_ctx_params p = c1_client();
  expect_nonce(&p, "4622d4dd6d944168eefb549868"); /* C.4 */
  p.master_salt = OSCORE_BYTES(rfc_salt, 0);
  p.sender_id = OSCORE_BYTES(id_00, 1);
  expect_nonce(&p, "bf35ae297d2dace910c52e99ed"); /* C.5 */
  p = c1_client();
  p.has_id_context = true;
  p.id_context = OSCORE_BYTES(rfc_idctx, sizeof rfc_idctx);
  expect_nonce(&p, "2ca58fb85ff1b81c0b7181b84a"); /* C.6 */

  /* Bounds of the nonce call itself. */
  oscore_ctx ctx;
  p = c1_client();
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
  uint8_t out[OSCORE_MAX_NONCE_LEN + 1];
  uint8_t longid[8] = { 0 }, piv6[6] = { 0 };
  memset(out, 0xa5, sizeof out);
  CHECK_EQ_INT(oscore_ctx_nonce(&ctx, OSCORE_BYTES(longid, 7),
                                OSCORE_BYTES(piv6, 5), out, 12),
               OSCORE_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(out[0], 0xa5);
  CHECK_EQ_INT(oscore_ctx_nonce(&ctx, OSCORE_BYTES(longid, 7),
                                OSCORE_BYTES(piv6, 5), out, 13), OSCORE_OK);
  CHECK_EQ_INT(out[13], 0xa5);
  CHECK_EQ_INT(oscore_ctx_nonce(&ctx, OSCORE_BYTES(longid, 8),
                                OSCORE_BYTES(piv6, 1), out, sizeof out),
               OSCORE_ERR_ID_TOO_LONG);
  CHECK(oscore_ctx_nonce(&ctx, OSCORE_BYTES(longid, 1),
                         OSCORE_BYTES(piv6, 6), out, sizeof out) != OSCORE_OK);
  oscore_ctx_wipe(&ctx);
}

/* ---- partial IV codec (§6.1) ---- */

static void test_piv(void) {
  uint8_t b[5];
  uint64_t v;
  CHECK_EQ_INT(oscore_piv_encode(0, b), 1);
  CHECK_EQ_INT(b[0], 0x00);
  CHECK_EQ_INT(oscore_piv_encode(0xff, b), 1);
  CHECK_EQ_INT(b[0], 0xff);
  CHECK_EQ_INT(oscore_piv_encode(0x100, b), 2);
  CHECK(b[0] == 0x01 && b[1] == 0x00);
  CHECK_EQ_INT(oscore_piv_encode(OSCORE_MAX_SEQ, b), 5);
  CHECK(b[0] == 0xff && b[4] == 0xff);
  CHECK_EQ_INT(oscore_piv_encode(OSCORE_MAX_SEQ + 1, b), 0);
  CHECK_EQ_INT(oscore_piv_encode(UINT64_MAX, b), 0);

  uint64_t samples[] = { 0, 1, 23, 255, 256, 65535, 65536, 0x123456789aULL,
                         OSCORE_MAX_SEQ };
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    size_t n = oscore_piv_encode(samples[i], b);
    CHECK(n >= 1 && n <= 5);
    CHECK(n == 1 || b[0] != 0); /* minimal */
    CHECK_EQ_INT(oscore_piv_decode(OSCORE_BYTES(b, n), &v), OSCORE_OK);
    CHECK_EQ_INT(v, samples[i]);
  }
  const uint8_t six[6] = { 1, 2, 3, 4, 5, 6 };
  CHECK_EQ_INT(oscore_piv_decode(OSCORE_BYTES(six, 0), &v),
               OSCORE_ERR_OPTION_MALFORMED);
  CHECK_EQ_INT(oscore_piv_decode(OSCORE_BYTES(six, 6), &v),
               OSCORE_ERR_OPTION_MALFORMED);
  const uint8_t padded[2] = { 0x00, 0x14 };
  CHECK_EQ_INT(oscore_piv_decode(OSCORE_BYTES(padded, 2), &v), OSCORE_OK);
  CHECK_EQ_INT(v, 20);
}

/* ---- algorithm table ---- */

static void test_table(void) {
  static const struct { int cose; const char *name; size_t k, t, n; } want[] = {
    { 10, "AES-CCM-16-64-128", 16, 8, 13 }, { 11, "AES-CCM-16-64-256", 32, 8, 13 },
    { 12, "AES-CCM-64-64-128", 16, 8, 7 }, { 13, "AES-CCM-64-64-256", 32, 8, 7 },
    { 30, "AES-CCM-16-128-128", 16, 16, 13 }, { 31, "AES-CCM-16-128-256", 32, 16, 13 },
    { 32, "AES-CCM-64-128-128", 16, 16, 7 }, { 33, "AES-CCM-64-128-256", 32, 16, 7 },
    { 1, "A128GCM", 16, 16, 12 }, { 2, "A192GCM", 24, 16, 12 },
    { 3, "A256GCM", 32, 16, 12 }, { 24, "ChaCha20/Poly1305", 32, 16, 12 },
  };
  size_t count = 0;
  while (oscore_aead_at(count) != NULL)
    count++;
  CHECK_EQ_INT(count, sizeof want / sizeof want[0]);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const oscore_aead_info *a = oscore_aead_by_cose(want[i].cose);
    CHECK(a != NULL);
    if (a == NULL)
      continue;
    CHECK(oscore_aead_by_name(want[i].name) == a);
    CHECK(strcmp(a->name, want[i].name) == 0);
    CHECK_EQ_INT(a->key_len, want[i].k);
    CHECK_EQ_INT(a->tag_len, want[i].t);
    CHECK_EQ_INT(a->nonce_len, want[i].n);
    CHECK(a->key_len <= OSCORE_MAX_KEY_LEN && a->tag_len <= OSCORE_MAX_TAG_LEN &&
          a->nonce_len <= OSCORE_MAX_NONCE_LEN);
  }
  CHECK(oscore_aead_by_cose(0) == NULL);
  CHECK(oscore_aead_by_cose(-7) == NULL);
  CHECK(oscore_aead_by_name("aes-ccm-16-64-128") == NULL);
  CHECK(oscore_aead_by_name("") == NULL);
  CHECK(oscore_aead_by_name(NULL) == NULL);

  oscore_hash h;
  CHECK_EQ_INT(oscore_hash_by_name("sha256", &h), OSCORE_OK);
  CHECK_EQ_INT(h, OSCORE_HASH_SHA256);
  CHECK_EQ_INT(oscore_hash_by_name("sha384", &h), OSCORE_OK);
  CHECK_EQ_INT(h, OSCORE_HASH_SHA384);
  CHECK_EQ_INT(oscore_hash_by_name("sha512", &h), OSCORE_OK);
  CHECK_EQ_INT(h, OSCORE_HASH_SHA512);
  CHECK_EQ_INT(oscore_hash_by_name("SHA256", &h), OSCORE_ERR_UNKNOWN_HASH);
  CHECK_EQ_INT(oscore_hash_by_name("sha1", &h), OSCORE_ERR_UNKNOWN_HASH);
  CHECK(strcmp(oscore_hash_name(OSCORE_HASH_SHA384), "sha384") == 0);

  for (int e = OSCORE_OK; e <= OSCORE_ERR_NO_MEMORY; e++) {
    const char *s = oscore_strerror((oscore_err)e);
    CHECK(s != NULL && *s && strcmp(s, "unknown error") != 0);
  }
  CHECK(oscore_strerror((oscore_err)999) != NULL);
}

/* ---- HKDF: RFC 5869 A.1, and the same inputs under SHA-384/512 checked
 * against Python's hmac module (an independent implementation). ---- */

static void test_hkdf(void) {
  uint8_t ikm[22], salt[13], info[10], out[42], want[42];
  memset(ikm, 0x0b, sizeof ikm);
  for (size_t i = 0; i < sizeof salt; i++)
    salt[i] = (uint8_t)i;
  for (size_t i = 0; i < sizeof info; i++)
    info[i] = (uint8_t)(0xf0 + i);
  static const struct { oscore_hash h; const char *okm; } cases[] = {
    { OSCORE_HASH_SHA256, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865" },
    { OSCORE_HASH_SHA384, "9b5097a86038b805309076a44b3a9f38063e25b516dcbf369f394cfab43685f748b6457763e4f0204fc5" },
    { OSCORE_HASH_SHA512, "832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c1481579338da362cb8d9f925d7cb" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hex_or_die(cases[i].okm, want, sizeof want);
    CHECK_EQ_INT(oscore_hkdf(cases[i].h, OSCORE_BYTES(salt, sizeof salt),
                             OSCORE_BYTES(ikm, sizeof ikm),
                             OSCORE_BYTES(info, sizeof info), out, sizeof out),
                 OSCORE_OK);
    CHECK_MEM(out, sizeof out, want, sizeof want);
  }
  CHECK_EQ_INT(oscore_hkdf((oscore_hash)7, OSCORE_BYTES(salt, 0),
                           OSCORE_BYTES(ikm, 1), OSCORE_BYTES(info, 0), out, 16),
               OSCORE_ERR_UNKNOWN_HASH);
}

/* ---- derivation details ---- */

static void test_id_limits(void) {
  uint8_t id[16];
  memset(id, 0x42, sizeof id);
  for (size_t i = 0; oscore_aead_at(i) != NULL; i++) {
    const oscore_aead_info *a = oscore_aead_at(i);
    size_t max = a->nonce_len - 6;
    oscore_ctx_params p = c1_client();
    p.aead_cose = a->cose;
    oscore_ctx ctx;
    p.sender_id = OSCORE_BYTES(id, max);
    p.recipient_id = OSCORE_BYTES(id, max);
    CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
    p.sender_id = OSCORE_BYTES(id, max + 1);
    CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_ERR_ID_TOO_LONG);
    p.sender_id = OSCORE_BYTES(id, 0);
    p.recipient_id = OSCORE_BYTES(id, max + 1);
    CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_ERR_ID_TOO_LONG);
    oscore_ctx_wipe(&ctx);
  }
}

static void test_params(void) {
  oscore_ctx ctx;
  oscore_ctx_params p = c1_client();
  p.aead_cose = 99;
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_ERR_UNKNOWN_ALG);
  p = c1_client();
  p.hkdf = (oscore_hash)9;
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_ERR_UNKNOWN_HASH);

  uint8_t big[OSCORE_MAX_IDCTX_LEN + 1] = { 0 };
  p = c1_client();
  p.has_id_context = true;
  p.id_context = OSCORE_BYTES(big, OSCORE_MAX_IDCTX_LEN);
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
  CHECK_EQ_INT(ctx.id_context_len, OSCORE_MAX_IDCTX_LEN);
  p.id_context = OSCORE_BYTES(big, OSCORE_MAX_IDCTX_LEN + 1);
  CHECK(oscore_ctx_derive(&ctx, &p) != OSCORE_OK);

  p = c1_client();
  p.replay_window = 64;
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
  CHECK_EQ_INT(ctx.replay.size, 64);
  p.replay_window = 1;
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
  CHECK_EQ_INT(ctx.replay.size, 1);
  p.replay_window = 65;
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_ERR_INVALID_ARG);
  /* A refused derivation leaves the old context alone. */
  CHECK_EQ_INT(ctx.replay.size, 1);

  /* Parameters that point into the context being re-derived. */
  p = c1_client();
  p.sender_id = OSCORE_BYTES(id_01, 1);
  p.recipient_id = OSCORE_BYTES(id_00, 1);
  oscore_ctx ref;
  CHECK_EQ_INT(oscore_ctx_derive(&ref, &p), OSCORE_OK);
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
  p.sender_id = OSCORE_BYTES(ctx.sender_id, ctx.sender_id_len);
  p.recipient_id = OSCORE_BYTES(ctx.recipient_id, ctx.recipient_id_len);
  CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
  CHECK_MEM(ctx.sender_key, 16, ref.sender_key, 16);
  CHECK_MEM(ctx.recipient_key, 16, ref.recipient_key, 16);
  CHECK_MEM(ctx.common_iv, 13, ref.common_iv, 13);
  oscore_ctx_wipe(&ref);
  oscore_ctx_wipe(&ctx);
}

static void test_absent_vs_empty_idctx(void) {
  oscore_ctx a, e, c;
  oscore_ctx_params p = c1_client();
  CHECK_EQ_INT(oscore_ctx_derive(&a, &p), OSCORE_OK);
  p.has_id_context = true;
  p.id_context = OSCORE_BYTES(rfc_idctx, 0);
  CHECK_EQ_INT(oscore_ctx_derive(&e, &p), OSCORE_OK);
  CHECK(!a.has_id_context && e.has_id_context && e.id_context_len == 0);
  CHECK(memcmp(a.sender_key, e.sender_key, 16) != 0);
  CHECK(memcmp(a.recipient_key, e.recipient_key, 16) != 0);
  CHECK(memcmp(a.common_iv, e.common_iv, 13) != 0);
  /* Absent is the RFC's C.1 (nil in the info array). */
  uint8_t want[16];
  hex_or_die("f0910ed7295e6ad4b54fc793154302ff", want, sizeof want);
  CHECK_MEM(a.sender_key, 16, want, sizeof want);
  p.id_context = OSCORE_BYTES(rfc_idctx, sizeof rfc_idctx);
  CHECK_EQ_INT(oscore_ctx_derive(&c, &p), OSCORE_OK);
  CHECK(memcmp(c.sender_key, e.sender_key, 16) != 0);
  oscore_ctx_wipe(&a);
  oscore_ctx_wipe(&e);
  oscore_ctx_wipe(&c);
}

/* Derivations outside the RFC's vectors (COSE numbers >= 24 need a two-byte
 * CBOR integer in the info array), cross-checked against a Python HKDF over
 * a hand-encoded info array: secret and salt of C.1, sender ID 01,
 * recipient ID empty. */
static void test_derive_cross_checked(void) {
  static const struct {
    int cose;
    oscore_hash h;
    int idctx; /* 0 absent, 1 empty, 2 C.3's */
    const char *skey, *rkey, *iv;
  } cases[] = {
    { 24, OSCORE_HASH_SHA512, 0,
      "4ed46bc3d80b18ac7292337c50dd4f167c0acb26358a3163c7a5c83e21408d97",
      "708ebdab941feacdd88991e268ba1bee47bb0926889b2c44a8e59b9084d6e63b",
      "1b98bfae429f68a81ef40249" },
    { 3, OSCORE_HASH_SHA384, 2,
      "63986d9f4b7890f92a95500cd38fe02cf80d06cd21c5412d18e36416d6a798d4",
      "9dabe78afcec60ce5679b250c812d5f6b4161e5c808ba4ba12b4db07141ca7ae",
      "37d5e51b8e5d5ce005bd4cfb" },
    { 33, OSCORE_HASH_SHA256, 1,
      "b491391f062376ae5985c0431c5f911ca14a55607b66052cc50736c5176bad5c",
      "6052d49900d311157d91e4fcdea3a1b151eae1c707f927b543e31b1a9d7d4624",
      "9b5255639b4c02" },
    { 2, OSCORE_HASH_SHA256, 0,
      "e43133821d4c136d6298d0dcb1debd8633cdfce47d0f236b",
      "2c8e884c3089b09b70f153a59508bcdc10f68fa0817de952",
      "c8e1857b04daada7267bfe07" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    oscore_ctx_params p = c1_client();
    p.aead_cose = cases[i].cose;
    p.hkdf = cases[i].h;
    p.sender_id = OSCORE_BYTES(id_01, 1);
    p.recipient_id = OSCORE_BYTES(id_01, 0);
    p.has_id_context = cases[i].idctx != 0;
    p.id_context = OSCORE_BYTES(rfc_idctx, cases[i].idctx == 2 ? sizeof rfc_idctx : 0);
    oscore_ctx ctx;
    uint8_t w[32];
    CHECK_EQ_INT(oscore_ctx_derive(&ctx, &p), OSCORE_OK);
    long n = hex_or_die(cases[i].skey, w, sizeof w);
    CHECK_MEM(ctx.sender_key, ctx.alg->key_len, w, (size_t)n);
    n = hex_or_die(cases[i].rkey, w, sizeof w);
    CHECK_MEM(ctx.recipient_key, ctx.alg->key_len, w, (size_t)n);
    n = hex_or_die(cases[i].iv, w, sizeof w);
    CHECK_MEM(ctx.common_iv, ctx.alg->nonce_len, w, (size_t)n);
    oscore_ctx_wipe(&ctx);
  }
}

/* ---- AEAD: every algorithm and hash, round trip and tampering ---- */

static void roundtrip_one(const oscore_aead_info *a, oscore_hash h) {
  oscore_ctx_params pc = c1_client(), ps = c1_client();
  pc.aead_cose = ps.aead_cose = a->cose;
  pc.hkdf = ps.hkdf = h;
  ps.sender_id = pc.recipient_id;
  ps.recipient_id = pc.sender_id;
  oscore_ctx cli, srv;
  CHECK_EQ_INT(oscore_ctx_derive(&cli, &pc), OSCORE_OK);
  CHECK_EQ_INT(oscore_ctx_derive(&srv, &ps), OSCORE_OK);
  CHECK_MEM(cli.sender_key, a->key_len, srv.recipient_key, a->key_len);
  CHECK_MEM(cli.recipient_key, a->key_len, srv.sender_key, a->key_len);
  CHECK_MEM(cli.common_iv, a->nonce_len, srv.common_iv, a->nonce_len);
  CHECK(memcmp(cli.sender_key, cli.recipient_key, a->key_len) != 0);

  uint8_t piv[5], n1[OSCORE_MAX_NONCE_LEN], n2[OSCORE_MAX_NONCE_LEN];
  size_t pl = oscore_piv_encode(0x2a, piv);
  CHECK_EQ_INT(oscore_ctx_nonce(&cli, pc.sender_id, OSCORE_BYTES(piv, pl), n1,
                                sizeof n1), OSCORE_OK);
  CHECK_EQ_INT(oscore_ctx_nonce(&srv, ps.recipient_id, OSCORE_BYTES(piv, pl),
                                n2, sizeof n2), OSCORE_OK);
  CHECK_MEM(n1, a->nonce_len, n2, a->nonce_len);

  const uint8_t plain[] = "\x45\xbbhello\xff payload of a protected message";
  uint8_t aad[20];
  for (size_t i = 0; i < sizeof aad; i++)
    aad[i] = (uint8_t)(i * 7);
  oscore_bytes key_c = OSCORE_BYTES(cli.sender_key, a->key_len);
  oscore_bytes key_s = OSCORE_BYTES(srv.recipient_key, a->key_len);
  oscore_bytes nonce = OSCORE_BYTES(n1, a->nonce_len);
  uint8_t ct[128], pt[128];
  size_t ctl = 0, ptl = 0;
  CHECK_EQ_INT(oscore_aead_encrypt(a, key_c, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(plain, sizeof plain), ct,
                                   sizeof ct, &ctl), OSCORE_OK);
  CHECK_EQ_INT(ctl, sizeof plain + a->tag_len);
  CHECK(memcmp(ct, plain, sizeof plain) != 0);
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl), pt, sizeof pt, &ptl),
               OSCORE_OK);
  CHECK_MEM(pt, ptl, plain, sizeof plain);

  /* One flipped bit anywhere must be refused, and leave no plaintext. */
  size_t spots[] = { 0, sizeof plain / 2, ctl - a->tag_len, ctl - 1 };
  for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
    ct[spots[s]] ^= 0x01;
    memset(pt, 0x5a, sizeof pt);
    CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce,
                                     OSCORE_BYTES(aad, sizeof aad),
                                     OSCORE_BYTES(ct, ctl), pt, sizeof pt, &ptl),
                 OSCORE_ERR_DECRYPT);
    CHECK(memcmp(pt, plain, 8) != 0);
    ct[spots[s]] ^= 0x01;
  }
  aad[3] ^= 0x80;
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl), pt, sizeof pt, &ptl),
               OSCORE_ERR_DECRYPT);
  aad[3] ^= 0x80;
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad - 1),
                                   OSCORE_BYTES(ct, ctl), pt, sizeof pt, &ptl),
               OSCORE_ERR_DECRYPT);
  n2[a->nonce_len - 1] ^= 1;
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, OSCORE_BYTES(n2, a->nonce_len),
                                   OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl), pt, sizeof pt, &ptl),
               OSCORE_ERR_DECRYPT);
  /* The wrong direction's key fails too. */
  CHECK_EQ_INT(oscore_aead_decrypt(a, OSCORE_BYTES(srv.sender_key, a->key_len),
                                   nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl), pt, sizeof pt, &ptl),
               OSCORE_ERR_DECRYPT);
  /* Truncated: shorter than the tag, and one byte short. */
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, a->tag_len - 1), pt,
                                   sizeof pt, &ptl), OSCORE_ERR_DECRYPT);
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl - 1), pt, sizeof pt, &ptl),
               OSCORE_ERR_DECRYPT);

  /* Output capacity: exactly enough works, one less is refused untouched. */
  uint8_t small[128];
  memset(small, 0xee, sizeof small);
  CHECK_EQ_INT(oscore_aead_encrypt(a, key_c, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(plain, sizeof plain), small,
                                   ctl - 1, &ctl), OSCORE_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(small[0], 0xee);
  CHECK_EQ_INT(oscore_aead_encrypt(a, key_c, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(plain, sizeof plain), small,
                                   ctl, &ctl), OSCORE_OK);
  CHECK_EQ_INT(small[ctl], 0xee);
  CHECK_MEM(small, ctl, ct, ctl);
  memset(pt, 0xee, sizeof pt);
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl), pt, sizeof plain - 1,
                                   &ptl), OSCORE_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(pt[0], 0xee);
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl), pt, sizeof plain, &ptl),
               OSCORE_OK);
  CHECK_EQ_INT(pt[sizeof plain], 0xee);

  /* In place (out == input), as a caller with one buffer would do. */
  uint8_t buf[128];
  memcpy(buf, plain, sizeof plain);
  size_t bl = 0;
  CHECK_EQ_INT(oscore_aead_encrypt(a, key_c, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(buf, sizeof plain), buf,
                                   sizeof buf, &bl), OSCORE_OK);
  CHECK_MEM(buf, bl, ct, ctl);
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(buf, bl), buf, sizeof buf, &bl),
               OSCORE_OK);
  CHECK_MEM(buf, bl, plain, sizeof plain);

  /* Empty plaintext still carries a tag that verifies (and one that fails). */
  CHECK_EQ_INT(oscore_aead_encrypt(a, key_c, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(NULL, 0), ct, sizeof ct, &ctl),
               OSCORE_OK);
  CHECK_EQ_INT(ctl, a->tag_len);
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl), pt, 0, &ptl), OSCORE_OK);
  CHECK_EQ_INT(ptl, 0);
  ct[0] ^= 4;
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(aad, sizeof aad),
                                   OSCORE_BYTES(ct, ctl), pt, 0, &ptl),
               OSCORE_ERR_DECRYPT);
  /* Empty AAD works as well. */
  CHECK_EQ_INT(oscore_aead_encrypt(a, key_c, nonce, OSCORE_BYTES(NULL, 0),
                                   OSCORE_BYTES(plain, sizeof plain), ct,
                                   sizeof ct, &ctl), OSCORE_OK);
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, nonce, OSCORE_BYTES(NULL, 0),
                                   OSCORE_BYTES(ct, ctl), pt, sizeof pt, &ptl),
               OSCORE_OK);
  CHECK_MEM(pt, ptl, plain, sizeof plain);

  /* Wrong key or nonce length is the caller's bug, not a decryption error. */
  CHECK_EQ_INT(oscore_aead_encrypt(a, OSCORE_BYTES(cli.sender_key, a->key_len - 1),
                                   nonce, OSCORE_BYTES(NULL, 0),
                                   OSCORE_BYTES(plain, 4), ct, sizeof ct, &ctl),
               OSCORE_ERR_INVALID_ARG);
  CHECK_EQ_INT(oscore_aead_decrypt(a, key_s, OSCORE_BYTES(n1, a->nonce_len + 1),
                                   OSCORE_BYTES(NULL, 0), OSCORE_BYTES(ct, ctl),
                                   pt, sizeof pt, &ptl), OSCORE_ERR_INVALID_ARG);
  oscore_ctx_wipe(&cli);
  oscore_ctx_wipe(&srv);
}

static void test_all_algorithms(void) {
  size_t n = 0;
  for (size_t i = 0; oscore_aead_at(i) != NULL; i++) {
    for (int h = OSCORE_HASH_SHA256; h <= OSCORE_HASH_SHA512; h++) {
      roundtrip_one(oscore_aead_at(i), (oscore_hash)h);
      n++;
    }
  }
  CHECK_EQ_INT(n, 36);
}

/* ---- AEAD known answers from published sources ---- */

static void kat(int cose, const char *key_hex, const char *nonce_hex,
                const char *aad_hex, const char *plain_hex,
                const char *sealed_hex, const char *label) {
  const oscore_aead_info *a = oscore_aead_by_cose(cose);
  CHECK(a != NULL);
  if (a == NULL)
    return;
  uint8_t key[32], nonce[16], aad[64], plain[128], sealed[160];
  uint8_t out[160], back[160];
  long kl = hex_or_die(key_hex, key, sizeof key);
  long nl = hex_or_die(nonce_hex, nonce, sizeof nonce);
  long al = hex_or_die(aad_hex, aad, sizeof aad);
  long pl = hex_or_die(plain_hex, plain, sizeof plain);
  long sl = hex_or_die(sealed_hex, sealed, sizeof sealed);
  size_t ol = 0, bl = 0;
  fprintf(stderr, "known answer: %s\n", label);
  CHECK_EQ_INT(oscore_aead_encrypt(a, OSCORE_BYTES(key, kl), OSCORE_BYTES(nonce, nl),
                                   OSCORE_BYTES(aad, al), OSCORE_BYTES(plain, pl),
                                   out, sizeof out, &ol), OSCORE_OK);
  CHECK_MEM(out, ol, sealed, (size_t)sl);
  CHECK_EQ_INT(oscore_aead_decrypt(a, OSCORE_BYTES(key, kl), OSCORE_BYTES(nonce, nl),
                                   OSCORE_BYTES(aad, al), OSCORE_BYTES(sealed, sl),
                                   back, sizeof back, &bl), OSCORE_OK);
  CHECK_MEM(back, bl, plain, (size_t)pl);
}

/* "This is the content." of the COSE examples. */
#define COSE_CONTENT "546869732069732074686520636f6e74656e742e"

static void test_known_answers(void) {
  /* RFC 3610 §8 packet vector #1: M = 8, L = 2 (13-byte nonce), the shape
   * of AES-CCM-16-64-128. */
  kat(10, "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000003020100a0a1a2a3a4a5",
      "0001020304050607", "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
      "588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0",
      "RFC 3610 packet vector 1");
  /* RFC 8613 C.4: the protected request, with C.1's sender key. */
  kat(10, "f0910ed7295e6ad4b54fc793154302ff", "4622d4dd6d944168eefb549868",
      "8368456e63727970743040488501810a40411440", "01b3747631",
      "612f1092f1776f1c1668b3825e", "RFC 8613 C.4");
  /* cose-wg/Examples (the RFC 8152 example set), AES-CCM with a 7-byte
   * nonce (L = 8) and both tag sizes, and a 256-bit key. */
  kat(12, "849b57219dae48de646d07dbb533566e", "89f52f65a1c580",
      "8369456e6372797074656443a1010c40", COSE_CONTENT,
      "191bd858dec79fc11da3428bdfa446ac240d591f972728c9da399222",
      "COSE aes-ccm-enc-03 (AES-CCM-64-64-128)");
  kat(32, "849b57219dae48de646d07dbb533566e", "89f52f65a1c580",
      "8368456e63727970743144a101182040", COSE_CONTENT,
      "191bd858dec79fc11da3428bdfa446ac240d591f5cca53d53b98afbb660c5d0950473d67",
      "COSE aes-ccm-enc-04 (AES-CCM-64-128-128)");
  kat(13, "0f1e2d3c4b5a69788796a5b4c3d2e1f01f2e3d4c5b6a798897a6b5c4d3e2f100",
      "89f52f65a1c580", "8369456e6372797074656443a1010d40", COSE_CONTENT,
      "721908d60812806f2660054238e931adb575771e3198e145e7009fbd",
      "COSE aes-ccm-enc-07 (AES-CCM-64-64-256)");
  kat(31, "0f1e2d3c4b5a69788796a5b4c3d2e1f01f2e3d4c5b6a798897a6b5c4d3e2f100",
      "89f52f65a1c580933b5261a72f", "8369456e6372797074656444a101181f40",
      COSE_CONTENT,
      "28b3bddff844a736c5f0ee0f8c691fd0b7adf9178d9013cd35d210ef953f3b4b025d9bec",
      "COSE aes-ccm-enc-06 (AES-CCM-16-128-256)");
  /* McGrew & Viega, GCM spec test case 4 (AES-128, 12-byte IV, AAD). */
  kat(1, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
      "feedfacedeadbeeffeedfacedeadbeefabaddad2",
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
      "5bc94fbc3221a5db94fae95ae7121a47",
      "GCM spec test case 4");
  kat(2, "0f1e2d3c4b5a69788796a5b4c3d2e1f01f2e3d4c5b6a7988",
      "02d1f7e6f26c43d4868d87ce", "8368456e63727970743143a1010240",
      COSE_CONTENT,
      "134d3b9223a00c1552c77585c157f467f295919dc52863cb0f9c722899e03869617321bf",
      "COSE aes-gcm-enc-02 (A192GCM)");
  kat(3, "0f1e2d3c4b5a69788796a5b4c3d2e1f01f2e3d4c5b6a798897a6b5c4d3e2f100",
      "02d1f7e6f26c43d4868d87ce", "8368456e63727970743143a1010340",
      COSE_CONTENT,
      "9d64a5a59a3b04867dccf6b8ef82f7d1a3b25ef8c6558ca310d588ee6906e3f30193e1fc",
      "COSE aes-gcm-enc-03 (A256GCM)");
  /* RFC 8439 (was 7539) §2.8.2. */
  kat(24, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
      "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
      "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
      "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
      "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
      "637265656e20776f756c642062652069742e",
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
      "3ff4def08e4b7a9de576d26586cec64b6116"
      "1ae10b594f09e26a7e902ecbd0600691",
      "RFC 8439 2.8.2");
}

int main(void) {
  test_table();
  test_piv();
  test_hkdf();
  test_rfc_vectors();
  test_nonce_nonzero_piv();
  test_id_limits();
  test_params();
  test_absent_vs_empty_idctx();
  test_derive_cross_checked();
  test_known_answers();
  test_all_algorithms();
  return unit_summary("test_context");
}
