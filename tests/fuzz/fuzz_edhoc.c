/* The EDHOC parsers (RFC 9528) with the fixed keys of RFC 9529 trace 2
 * (method 3, suite 2, CCS by kid). The first input byte picks the mode,
 * the rest is the message:
 *   0  message_1 to a responder (edhoc_r_process_message_1)
 *   1  message_2 to the initiator as sent, after the trace's message_1
 *   2  PLAINTEXT_2 "sealed here": XORed with the trace's KEYSTREAM_2 and
 *      sent after the trace's G_Y, so the inner decoder gets it
 *   3  message_3 to the responder as sent, after the trace's message_2
 *   4  PLAINTEXT_3 sealed here with the trace's K_3 / IV_3
 *   5  error message, CCS and X.509 credential parsers
 *   6  a credentials-map "edhoc-oscore" entry (CBOR) for the store's
 *      parser; key files named in it do not exist
 * Invariants: a failed step leaves the session refusing the next one; a
 * step that succeeds authenticated the trace's peer credential; decoded
 * errors and credentials stay within their bounds. */
#include <cbor.h>
#include <openssl/err.h>
#include <string.h>
#include "edhoc.h"
#include "store_edhoc.h"
#include "edhoc_kdf.h"
#include "fuzz.h"

static size_t unhex(const char *h, uint8_t *out) {
  size_t n = strlen(h) / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf(h + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
  return n;
}

/* RFC 9529 §4 (trace 2) values. */
#define SK_I "fb13adeb6518cee5f88417660841142e830a81fe334380a953406a1305e8706b"
#define SK_R "72cc4761dbd4c78f758931aa589d348d1ef874a7e303ede2f140dcf3e6aa4aac"
#define X "368ec1f69aeb659ba37d5a8d45b21bdc0299dceaa8ef235f3ca42ce3530f9525"
#define Y "e2f4126777205e853b437d6eaca1e1f753cdcc3e2c69fa884b0a1a640977e418"
#define G_Y "419701d7f00a26c2dc587a36dd752549f33763c893422c8ea0f955a13a4ff5d5"
#define TH_2 "356efd53771425e008f3fe3a86c83ff4c6b16e57028ff39d5236c182b202084b"
#define PRK_2E "5aa0d69f3e3d1e0c479f0b8a486690c9802630c3466b1dc92371c982563170b5"
#define CRED_I "a2027734322d35302d33312d46462d45462d33372d33322d333908a101a5" \
  "010202412b2001215820ac75e9ece3e50bfc8ed60399889522405c47bf16df96660a4129" \
  "8cb4307f7eb62258206e5de611388a4b8a8211334ac7d37ecb52a387d257e6db3c2a93df21ff3affc8"
#define CRED_R "a2026b6578616d706c652e65647508a101a501020241322001215820bbc3" \
  "4960526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f02258204519e2" \
  "57236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072"

static uint8_t cred_i[128], cred_r[128];
static size_t cred_i_len, cred_r_len;

static edhoc_err lookup(void *arg, const edhoc_id_cred *id, edhoc_cred *out) {
  (void)arg;
  for (int i = 0; i < 2; i++) {
    oscore_bytes b = i ? OSCORE_BYTES(cred_i, cred_i_len)
                       : OSCORE_BYTES(cred_r, cred_r_len);
    if (edhoc_cred_from_ccs(b, out) == EDHOC_OK && edhoc_id_cred_matches(id, out))
      return EDHOC_OK;
    edhoc_cred_clear(out);
  }
  return EDHOC_ERR_UNKNOWN_CRED;
}

static edhoc_key *key(edhoc_curve c, const char *hex) {
  uint8_t d[32];
  unhex(hex, d);
  edhoc_key *k = NULL;
  FUZZ_CHECK(edhoc_key_from_private(c, OSCORE_BYTES(d, 32), &k) == EDHOC_OK);
  return k;
}

static void strip_spaces(const char *in, char *out) {
  for (; *in; in++)
    if (*in != ' ')
      *out++ = *in;
  *out = 0;
}

typedef struct {
  edhoc_key *sk_i, *sk_r, *x, *y;
  edhoc_cred ci, cr;
  edhoc_session *i, *r;
} world;

/* Keys and credentials are made once per process (they are the slow
 * part); each input gets fresh sessions. */
static world fixed;

static void setup_once(void) {
  if (fixed.sk_i)
    return;
  char hex[512];
  strip_spaces(CRED_I, hex);
  cred_i_len = unhex(hex, cred_i);
  cred_r_len = unhex(CRED_R, cred_r);
  fixed.sk_i = key(EDHOC_CURVE_P256, SK_I);
  fixed.sk_r = key(EDHOC_CURVE_P256, SK_R);
  fixed.x = key(EDHOC_CURVE_P256, X);
  fixed.y = key(EDHOC_CURVE_P256, Y);
  FUZZ_CHECK(edhoc_cred_from_ccs(OSCORE_BYTES(cred_i, cred_i_len), &fixed.ci) == EDHOC_OK);
  FUZZ_CHECK(edhoc_cred_from_ccs(OSCORE_BYTES(cred_r, cred_r_len), &fixed.cr) == EDHOC_OK);
}

static edhoc_key *ref(const edhoc_key *k) {
  edhoc_key *out = NULL;
  FUZZ_CHECK(edhoc_key_ref(k, &out) == EDHOC_OK);
  return out;
}

static void setup(world *w) {
  setup_once();
  *w = fixed;
  edhoc_config ci = { .method = 3, .suites = { 2 }, .n_suites = 1,
                      .own_cred = &w->ci, .own_key = w->sk_i,
                      .own_id = EDHOC_IDCRED_KID, .lookup = lookup,
                      .cid = { 0x37 }, .cid_len = 1 };
  edhoc_config cr = { .methods = 0xf, .suites = { 2 }, .n_suites = 1,
                      .own_cred = &w->cr, .own_key = w->sk_r,
                      .own_id = EDHOC_IDCRED_KID, .lookup = lookup,
                      .cid = { 0x27 }, .cid_len = 1 };
  FUZZ_CHECK(edhoc_session_new(EDHOC_INITIATOR, &ci, &w->i) == EDHOC_OK);
  FUZZ_CHECK(edhoc_session_new(EDHOC_RESPONDER, &cr, &w->r) == EDHOC_OK);
}

static void teardown(world *w) {
  edhoc_session_free(w->i);
  edhoc_session_free(w->r);
  /* Failed OpenSSL calls queue errors; drop them so that every input
   * ends with what it allocated freed. */
  ERR_clear_error();
}

static void parsers(const uint8_t *d, size_t n) {
  edhoc_peer_error e;
  if (edhoc_error_decode(OSCORE_BYTES(d, n), &e) == EDHOC_OK) {
    FUZZ_CHECK(e.n_suites_r <= EDHOC_MAX_SUITES);
    FUZZ_CHECK(memchr(e.diag, 0, sizeof e.diag) != NULL);
  }
  edhoc_cred c;
  if (edhoc_cred_from_ccs(OSCORE_BYTES(d, n), &c) == EDHOC_OK)
    FUZZ_CHECK(c.pub != NULL && c.item_len == n && c.kid_len <= EDHOC_MAX_KID);
  edhoc_cred_clear(&c);
  if (edhoc_cred_from_x509(OSCORE_BYTES(d, n), &c) == EDHOC_OK)
    FUZZ_CHECK(c.pub != NULL && c.der.len == n);
  edhoc_cred_clear(&c);
}

static void entry(const uint8_t *d, size_t n) {
  /* Bound the item first (cbor_load allocates what heads claim). */
  edhoc_r r;
  edhoc_cbor_val v;
  edhoc_r_init(&r, OSCORE_BYTES(d, n));
  if (edhoc_r_next(&r, &v) != EDHOC_OK)
    return;
  struct cbor_load_result res;
  cbor_item_t *it = cbor_load(d, v.span.len, &res);
  if (it == NULL)
    return;
  store_edhoc_entry e;
  store_diag diag = { .msg = "" };
  if (store_edhoc_entry_parse(it, ":fuzz", "/nonexistent/map.diag", &e,
                              &diag) == STORE_OK) {
    /* Without a key file only peer-side or unauthenticated entries load. */
    FUZZ_CHECK(!e.has_own || e.own_unauthenticated);
    FUZZ_CHECK(e.suite >= 0 && e.method >= 0 && e.method <= 3);
    if (e.peer_ccs) {
      edhoc_cred c;
      FUZZ_CHECK(edhoc_cred_from_ccs(OSCORE_BYTES(e.peer_ccs, e.peer_ccs_len),
                                     &c) == EDHOC_OK);
      edhoc_cred_clear(&c);
    }
    store_edhoc_entry_clear(&e);
  } else {
    FUZZ_CHECK(memchr(diag.msg, 0, sizeof diag.msg) && diag.msg[0]);
  }
  cbor_decref(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > EDHOC_MAX_MESSAGE)
    return 0;
  uint8_t mode = data[0] % 7;
  if (mode == 6) {
    entry(data + 1, size - 1);
    ERR_clear_error();
    return 0;
  }
  const uint8_t *d = data + 1;
  size_t n = size - 1;
  if (mode == 5) {
    parsers(d, n);
    ERR_clear_error();
    return 0;
  }
  world w;
  setup(&w);
  uint8_t m[EDHOC_MAX_MESSAGE + 64], buf[EDHOC_MAX_MESSAGE + 64];
  size_t len;
  if (mode == 0) {
    edhoc_err err = edhoc_r_process_message_1(w.r, OSCORE_BYTES(d, n));
    edhoc_key *y = ref(w.y);
    edhoc_err err2 = edhoc_r_message_2(w.r, y, m, sizeof m, &len);
    if (err != EDHOC_OK)
      FUZZ_CHECK(err2 == EDHOC_ERR_STATE);
    teardown(&w);
    return 0;
  }
  FUZZ_CHECK(edhoc_i_message_1(w.i, ref(w.x), m, sizeof m,
                               &len) == EDHOC_OK);
  FUZZ_CHECK(edhoc_r_process_message_1(w.r, OSCORE_BYTES(m, len)) == EDHOC_OK);
  FUZZ_CHECK(edhoc_r_message_2(w.r, ref(w.y), m, sizeof m,
                               &len) == EDHOC_OK);
  oscore_bytes msg = OSCORE_BYTES(d, n);
  if (mode == 2 && n > 0 && n <= EDHOC_MAX_KDF_OUT) {
    uint8_t th[32], prk[32], ks[EDHOC_MAX_KDF_OUT];
    unhex(TH_2, th);
    unhex(PRK_2E, prk);
    FUZZ_CHECK(edhoc_kdf(prk, 0, OSCORE_BYTES(th, 32), ks, n) == EDHOC_OK);
    size_t at = 0;
    buf[at++] = 0x59; /* bstr, 2-byte length: the deterministic form below */
    size_t total = 32 + n;
    if (total < 256) {
      buf[0] = 0x58;
      buf[at++] = (uint8_t)total;
    } else {
      buf[at++] = (uint8_t)(total >> 8);
      buf[at++] = (uint8_t)total;
    }
    at += unhex(G_Y, buf + at);
    for (size_t i = 0; i < n; i++)
      buf[at + i] = d[i] ^ ks[i];
    msg = OSCORE_BYTES(buf, at + n);
  }
  if (mode == 1 || mode == 2) {
    edhoc_err err = edhoc_i_process_message_2(w.i, msg);
    if (err == EDHOC_OK) {
      const edhoc_cred *pc = edhoc_session_peer_cred(w.i);
      FUZZ_CHECK(pc && pc->item_len == cred_r_len &&
                 memcmp(pc->item, cred_r, cred_r_len) == 0);
    } else if (err != EDHOC_ERR_PEER_ERROR) {
      FUZZ_CHECK(edhoc_i_message_3(w.i, m, sizeof m, &len) == EDHOC_ERR_STATE);
    }
    teardown(&w);
    return 0;
  }
  /* modes 3 and 4: message_3 to the responder */
  if (mode == 4) {
    const edhoc_values *v = edhoc_session_values(w.r);
    const oscore_aead_info *a = oscore_aead_by_cose(10);
    uint8_t k3[16], iv3[13], aad[45];
    FUZZ_CHECK(edhoc_kdf(v->prk_3e2m, 3, OSCORE_BYTES(v->th_3, 32), k3, 16) == EDHOC_OK);
    FUZZ_CHECK(edhoc_kdf(v->prk_3e2m, 4, OSCORE_BYTES(v->th_3, 32), iv3, 13) == EDHOC_OK);
    memcpy(aad, "\x83\x68" "Encrypt0" "\x40\x58\x20", 13);
    memcpy(aad + 13, v->th_3, 32);
    size_t ct = 0;
    if (n + 8 < 24 || n + 8 > 1000) {
      teardown(&w);
      return 0;
    }
    size_t head = n + 8 < 256 ? 2 : 3;
    FUZZ_CHECK(oscore_aead_encrypt(a, OSCORE_BYTES(k3, 16), OSCORE_BYTES(iv3, 13),
                                   OSCORE_BYTES(aad, 45), OSCORE_BYTES(d, n),
                                   buf + head, sizeof buf - head, &ct) == OSCORE_OK);
    if (head == 2) {
      buf[0] = 0x58;
      buf[1] = (uint8_t)ct;
    } else {
      buf[0] = 0x59;
      buf[1] = (uint8_t)(ct >> 8);
      buf[2] = (uint8_t)ct;
    }
    msg = OSCORE_BYTES(buf, head + ct);
  }
  edhoc_err err = edhoc_r_process_message_3(w.r, msg);
  if (err == EDHOC_OK) {
    const edhoc_cred *pc = edhoc_session_peer_cred(w.r);
    FUZZ_CHECK(pc && pc->item_len == cred_i_len &&
               memcmp(pc->item, cred_i, cred_i_len) == 0);
    edhoc_oscore o;
    FUZZ_CHECK(edhoc_oscore_params(w.r, &o) == EDHOC_OK);
  } else {
    FUZZ_CHECK(edhoc_r_message_4(w.r, m, sizeof m, &len) == EDHOC_ERR_STATE);
  }
  teardown(&w);
  return 0;
}
