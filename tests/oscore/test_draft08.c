/* draft-ietf-core-object-security-08 mode (oscore_profile.h): every vector
 * of the draft's Appendix C byte for byte on both sides, with the errata of
 * ../shared/spec/DRAFT08.md (the published Common IVs, nonces and
 * ciphertexts used a null id; the "corrected" set uses h'' as the text
 * says), and the behaviour that differs from RFC 8613: Observe outer only,
 * outer 2.04 for every response, a partial IV in every notification, the
 * option number (21 or 9), no ID context in the KDF. */
#include <stdlib.h>
#include "oscore_protect.h"
#include "unit.h"

#define BUF 2048
#define NOPTS 32

static const char *SECRET = "0102030405060708090a0b0c0d0e0f10";
static const char *SALT = "9e7ca92223786340";
/* The unprotected request and response of every vector (GET coap://
 * localhost/tv1; 2.05 "Hello World!"). */
static const char *REQ = "440149c60000f2a7396c6f63616c686f737483747631";
static const char *RESP = "644549c60000f2a7ff48656c6c6f20576f726c6421";

static size_t hx(const char *s, uint8_t *out, size_t cap) {
  long n = unit_hex(s, out, cap);
  if (n < 0) {
    fprintf(stderr, "bad hex in the test: %s\n", s);
    exit(1);
  }
  return (size_t)n;
}

/* A context of the draft's vectors: TV1 (with salt, sender h'' recipient
 * 01) or TV2 (no salt, sender 00 recipient 01); |server| swaps the IDs. */
static void derive_tv(oscore_ctx *ctx, int tv, bool server, bool iv_null,
                      uint16_t option) {
  uint8_t secret[16], salt[8];
  static const uint8_t id00[1] = { 0x00 }, id01[1] = { 0x01 };
  oscore_profile prof;
  if (oscore_profile_draft08(option, iv_null, &prof) != OSCORE_OK) exit(1);
  oscore_ctx_params p = { .aead_cose = 10, .hkdf = OSCORE_HASH_SHA256,
                          .profile = &prof };
  p.master_secret = OSCORE_BYTES(secret, hx(SECRET, secret, sizeof secret));
  if (tv == 1) p.master_salt = OSCORE_BYTES(salt, hx(SALT, salt, sizeof salt));
  oscore_bytes cli = tv == 1 ? OSCORE_BYTES(id00, 0) : OSCORE_BYTES(id00, 1);
  oscore_bytes srv = OSCORE_BYTES(id01, 1);
  p.sender_id = server ? srv : cli;
  p.recipient_id = server ? cli : srv;
  if (oscore_ctx_derive(ctx, &p) != OSCORE_OK) {
    fprintf(stderr, "derivation failed\n");
    exit(1);
  }
  ctx->seq_limit = 1000;
}

typedef struct {
  uint8_t raw[512];
  size_t len;
  oscore_opt opts[NOPTS];
  oscore_datagram d;
} dgram;

static void dg_hex(dgram *g, const char *hex) {
  g->len = hx(hex, g->raw, sizeof g->raw);
  oscore_msg_init(&g->d.msg, g->opts, NOPTS);
  if (oscore_datagram_decode(OSCORE_BYTES(g->raw, g->len), &g->d)) exit(1);
}

/* |m| serialised under the header and token of |hdr|. */
static size_t dg_encode(const oscore_datagram *hdr, const oscore_msg *m,
                        uint8_t *out, size_t cap) {
  oscore_datagram d = *hdr;
  d.msg = *m;
  size_t len = 0;
  return oscore_datagram_encode(&d, out, cap, &len) == OSCORE_OK ? len : 0;
}

static oscore_err server_open(oscore_ctx *srv, const oscore_msg *outer,
                              oscore_msg *plain, oscore_opt *po, uint8_t *buf,
                              oscore_request_id *rid) {
  oscore_msg_init(plain, po, NOPTS);
  const oscore_opt *o =
      oscore_msg_find_opt(outer, oscore_profile_option(&srv->profile));
  if (!o) return OSCORE_ERR_NO_OSCORE_OPTION;
  oscore_option opt;
  oscore_err e = oscore_option_decode(o->value, &opt);
  if (e != OSCORE_OK) return e;
  return oscore_unprotect_request(srv, &opt, outer, plain, buf, BUF, rid);
}

static void check_hex(const uint8_t *got, size_t n, const char *want) {
  uint8_t w[64];
  size_t wn = hx(want, w, sizeof w);
  CHECK_MEM(got, n, w, wn);
}

/* TV1 and TV2 (DRAFT08.md): keys, and the Common IV both ways. */
static void test_keys(void) {
  oscore_ctx c;
  derive_tv(&c, 1, false, true, 21);
  check_hex(c.sender_key, 16, "7230aab3b549d94c9224aacc744e93ab");
  check_hex(c.recipient_key, 16, "e534a26a64aa3982e988e31f1e401e65");
  check_hex(c.common_iv, 13, "01727733ab49ead385b18f7d91");
  derive_tv(&c, 1, false, false, 21);
  check_hex(c.sender_key, 16, "7230aab3b549d94c9224aacc744e93ab");
  check_hex(c.common_iv, 13, "9091b60715f92b3de49a011911");
  derive_tv(&c, 2, false, true, 21);
  check_hex(c.sender_key, 16, "f8f3b887436285ed5a66f6026ac2cdc1");
  check_hex(c.recipient_key, 16, "d904cb101f7341c3f4c56c300fa69941");
  check_hex(c.common_iv, 13, "d1a1949aa253278f34c528d2cc");
  derive_tv(&c, 2, false, false, 21);
  check_hex(c.common_iv, 13, "64e3ff1cdc31cb040c048396f3");
  /* The server side derives the same keys the other way round. */
  oscore_ctx s;
  derive_tv(&s, 1, true, true, 21);
  check_hex(s.recipient_key, 16, "7230aab3b549d94c9224aacc744e93ab");
  check_hex(s.sender_key, 16, "e534a26a64aa3982e988e31f1e401e65");

  /* For contrast, RFC 8613 with TV1's inputs (5-element info). */
  uint8_t secret[16], salt[8];
  oscore_ctx_params p = { .aead_cose = 10, .hkdf = OSCORE_HASH_SHA256 };
  p.master_secret = OSCORE_BYTES(secret, hx(SECRET, secret, sizeof secret));
  p.master_salt = OSCORE_BYTES(salt, hx(SALT, salt, sizeof salt));
  p.sender_id = OSCORE_BYTES(secret, 0);
  p.recipient_id = OSCORE_BYTES("\x01", 1);
  CHECK_EQ_INT(oscore_ctx_derive(&c, &p), OSCORE_OK);
  check_hex(c.sender_key, 16, "f0910ed7295e6ad4b54fc793154302ff");
  CHECK_EQ_INT(c.profile.version, OSCORE_VERSION_RFC8613);
  CHECK_EQ_INT(oscore_profile_option(&c.profile), 9);

  /* draft-08: the ID context is a lookup hint, not a KDF input. */
  oscore_profile prof;
  CHECK_EQ_INT(oscore_profile_draft08(21, true, &prof), OSCORE_OK);
  p.profile = &prof;
  p.has_id_context = true;
  p.id_context = OSCORE_BYTES("\x37\xcb\xf3\x21\x00\x17\xa2\xd3", 8);
  CHECK_EQ_INT(oscore_ctx_derive(&c, &p), OSCORE_OK);
  check_hex(c.sender_key, 16, "7230aab3b549d94c9224aacc744e93ab");
  check_hex(c.common_iv, 13, "01727733ab49ead385b18f7d91");
  CHECK(c.has_id_context);
  CHECK_EQ_INT(oscore_profile_draft08(7, true, &prof), OSCORE_ERR_INVALID_ARG);
  CHECK_EQ_INT(oscore_profile_draft08(9, false, &prof), OSCORE_OK);
}

/* A request vector: the client protects GET /tv1 with SSN 20 into exactly
 * |protected|; the server opens it back into the plain request. */
static void check_request(int tv, bool iv_null, const char *protected) {
  oscore_ctx cli, srv;
  derive_tv(&cli, tv, false, iv_null, 21);
  derive_tv(&srv, tv, true, iv_null, 21);
  cli.sender_seq = 20;
  dgram req, want;
  dg_hex(&req, REQ);
  dg_hex(&want, protected);
  oscore_opt oo[NOPTS], po[NOPTS];
  oscore_msg outer, plain;
  oscore_msg_init(&outer, oo, NOPTS);
  uint8_t buf[BUF], wire[512];
  oscore_request_id rid;
  CHECK_EQ_INT(oscore_protect_request(&cli, &req.d.msg, &outer, buf, BUF,
                                      &rid), OSCORE_OK);
  size_t n = dg_encode(&want.d, &outer, wire, sizeof wire);
  if (n != want.len || memcmp(wire, want.raw, n))
    fprintf(stderr, "TV%d (%s IV id): protected request differs\n", tv,
            iv_null ? "null" : "empty");
  CHECK_MEM(wire, n, want.raw, want.len);

  oscore_request_id srid;
  CHECK_EQ_INT(server_open(&srv, &want.d.msg, &plain, po, buf, &srid),
               OSCORE_OK);
  n = dg_encode(&req.d, &plain, wire, sizeof wire);
  CHECK_MEM(wire, n, req.raw, req.len);
  CHECK(srid.piv_reusable);
}

/* A response vector to the request of context |tv| (SSN 20): the server
 * answers 2.05 "Hello World!" (with its partial IV 0 when |own|) into
 * exactly |protected|; the client opens it back. */
static void check_response(int tv, bool iv_null, bool own,
                           const char *protected_req, const char *protected) {
  oscore_ctx cli, srv;
  derive_tv(&cli, tv, false, iv_null, 21);
  derive_tv(&srv, tv, true, iv_null, 21);
  cli.sender_seq = 20;
  dgram req, preq, resp, want;
  dg_hex(&req, REQ);
  dg_hex(&preq, protected_req);
  dg_hex(&resp, RESP);
  dg_hex(&want, protected);
  oscore_opt oo[NOPTS], po[NOPTS];
  oscore_msg outer, plain;
  uint8_t buf[BUF], buf2[BUF], wire[512];
  oscore_request_id srid, crid;
  CHECK_EQ_INT(server_open(&srv, &preq.d.msg, &plain, po, buf, &srid),
               OSCORE_OK);
  oscore_msg_init(&outer, oo, NOPTS);
  CHECK_EQ_INT(oscore_protect_response(&srv, &srid, own, &resp.d.msg, &outer,
                                       buf2, BUF), OSCORE_OK);
  size_t n = dg_encode(&want.d, &outer, wire, sizeof wire);
  if (n != want.len || memcmp(wire, want.raw, n))
    fprintf(stderr, "TV%d (%s IV id, %s): protected response differs\n", tv,
            iv_null ? "null" : "empty", own ? "own PIV" : "request's nonce");
  CHECK_MEM(wire, n, want.raw, want.len);

  oscore_msg_init(&outer, oo, NOPTS);
  CHECK_EQ_INT(oscore_protect_request(&cli, &req.d.msg, &outer, buf, BUF,
                                      &crid), OSCORE_OK);
  oscore_response_info info;
  oscore_msg_init(&plain, po, NOPTS);
  CHECK_EQ_INT(oscore_unprotect_response(&cli, &crid, &want.d.msg, &plain,
                                         buf2, BUF, &info), OSCORE_OK);
  n = dg_encode(&resp.d, &plain, wire, sizeof wire);
  CHECK_MEM(wire, n, resp.raw, resp.len);
  CHECK_EQ_INT(info.has_piv, own);
}

static void test_published_vectors(void) {
  /* TV3: TV2's context (the draft names TV1's: erratum). */
  check_request(2, true, "44026dd30000acc5396c6f63616c686f7374d305091400ff"
                         "55b3710d47c611cd3924838a44");
  /* TV4: TV1's context. */
  check_request(1, true, "44023bfc000066ef396c6f63616c686f7374d2050914ff"
                         "6be9214aad448260ff1be1f594");
  static const char *tv3 = "44026dd30000acc5396c6f63616c686f7374d305091400ff"
                           "55b3710d47c611cd3924838a44";
  /* TV5: the request's nonce; TV6: partial IV 0. */
  check_response(2, true, false, tv3,
                 "64446dd30000acc5d008ffe4e8c28c41c8f31ca56eec24f6c71d94eacb"
                 "cdffdc6d");
  check_response(2, true, true, tv3,
                 "64442b130000b29ed2080100ffa7e3ca27f221f453c0ba68c350bf652e"
                 "a096b328a1bf");
}

static void test_corrected_vectors(void) {
  static const char *req1 = "44025d1f00003974396c6f63616c686f7374d2050914ff"
                            "1103eba88aee253823fe52f14b";
  check_request(1, false, req1);
  check_request(2, false, "440271c30000b932396c6f63616c686f7374d305091400ff"
                          "f529dfd94c8c26b8fe1628a839");
  check_response(1, false, false, req1,
                 "64445d1f00003974d008ff4e4f25d4179124f8f35a7c84b7bd989d0f06"
                 "3c5667fd");
  check_response(1, false, true, req1,
                 "64445d1f00003974d2080100fff27bab77519d76e016c03a4c4e6b1dd5"
                 "f371d3e690ae");
}

static bool has_opt(const oscore_msg *m, uint16_t n) {
  return oscore_msg_find_opt(m, n) != NULL;
}

/* Observe outer only, 2.04 for every response, a partial IV in every
 * notification, and option 9 when chosen. */
static void test_behaviour(uint16_t option) {
  oscore_ctx cli, srv;
  derive_tv(&cli, 2, false, false, option);
  derive_tv(&srv, 2, true, false, option);
  uint16_t other = option == 9 ? 21 : 9;
  oscore_opt ro[NOPTS], oo[NOPTS], po[NOPTS], no[NOPTS];
  oscore_msg req, outer, plain, note;
  oscore_msg_init(&req, ro, NOPTS);
  req.code = OSCORE_CODE(0, OSCORE_CODE_GET);
  oscore_msg_add_opt(&req, OSCORE_OPT_OBSERVE, OSCORE_BYTES(NULL, 0));
  oscore_msg_add_opt(&req, OSCORE_OPT_URI_PATH, OSCORE_BYTES("tv1", 3));
  uint8_t buf[BUF], buf2[BUF], buf3[BUF];
  oscore_request_id crid, srid;
  oscore_msg_init(&outer, oo, NOPTS);
  CHECK_EQ_INT(oscore_protect_request(&cli, &req, &outer, buf, BUF, &crid),
               OSCORE_OK);
  CHECK_EQ_INT(outer.code, OSCORE_CODE(0, OSCORE_CODE_FETCH));
  CHECK(has_opt(&outer, option));
  CHECK(!has_opt(&outer, other));
  CHECK(has_opt(&outer, OSCORE_OPT_OBSERVE));
  /* Observe is not in the plaintext: 1 (code) + 4 (Uri-Path) + 8 (tag). */
  CHECK_EQ_INT(outer.payload.len, 13);
  CHECK_EQ_INT(server_open(&srv, &outer, &plain, po, buf2, &srid), OSCORE_OK);
  CHECK(has_opt(&plain, OSCORE_OPT_OBSERVE));
  CHECK(srid.observe);

  /* The registration's answer is a notification: own partial IV even
   * though the caller would reuse the request's nonce; outer 2.04. */
  oscore_msg_init(&note, no, NOPTS);
  note.code = OSCORE_CODE(2, 5);
  oscore_msg_add_opt(&note, OSCORE_OPT_OBSERVE, OSCORE_BYTES("\x05", 1));
  note.payload = OSCORE_BYTES("one", 3);
  CHECK(oscore_response_needs_own_piv(&srv, &srid, false, &note));
  oscore_opt ao[NOPTS];
  oscore_msg ans;
  oscore_msg_init(&ans, ao, NOPTS);
  uint64_t before = srv.sender_seq;
  CHECK_EQ_INT(oscore_protect_response(&srv, &srid, false, &note, &ans, buf3,
                                       BUF), OSCORE_OK);
  CHECK_EQ_INT(srv.sender_seq, before + 1);
  CHECK_EQ_INT(ans.code, OSCORE_CODE(2, 4));
  CHECK(has_opt(&ans, OSCORE_OPT_OBSERVE));
  CHECK_EQ_INT(ans.payload.len, 1 + 1 + 3 + 8);
  oscore_response_info info;
  oscore_msg_init(&plain, po, NOPTS);
  CHECK_EQ_INT(oscore_unprotect_response(&cli, &crid, &ans, &plain, buf2, BUF,
                                         &info), OSCORE_OK);
  CHECK(info.has_piv);
  CHECK(has_opt(&plain, OSCORE_OPT_OBSERVE));
  CHECK_EQ_INT(plain.code, OSCORE_CODE(2, 5));

  /* The other version's option beside ours never reaches the plain
   * message. */
  oscore_msg_add_opt(&ans, other, OSCORE_BYTES("\x09\x14", 2));
  oscore_msg_init(&plain, po, NOPTS);
  CHECK_EQ_INT(oscore_unprotect_response(&cli, &crid, &ans, &plain, buf2, BUF,
                                         &info), OSCORE_OK);
  CHECK(!has_opt(&plain, 9) && !has_opt(&plain, 21));
  oscore_msg_remove_opt(&ans, other);

  /* A plain answer to a non-Observe request still reuses the nonce. */
  oscore_msg_init(&note, no, NOPTS);
  note.code = OSCORE_CODE(2, 5);
  CHECK(!oscore_response_needs_own_piv(&srv, &srid, false, &note));

  /* The same message with the other option number is not OSCORE here. */
  for (size_t i = 0; i < ans.n_opts; i++)
    if (ans.opts[i].number == option) ans.opts[i].number = other;
  oscore_msg_init(&plain, po, NOPTS);
  CHECK_EQ_INT(oscore_unprotect_response(&cli, &crid, &ans, &plain, buf2, BUF,
                                         &info), OSCORE_ERR_NO_OSCORE_OPTION);
  CHECK_EQ_INT(oscore_profile_option(&cli.profile), option);
  CHECK(strcmp(oscore_profile_replay_text(&cli.profile),
               "Replay protection failed") == 0);
  CHECK(strcmp(oscore_profile_name(&cli.profile), "draft-08") == 0);
}

/* No-Response goes inner and outer with the same value (as for RFC 8613
 * here), and an RFC 8613 peer cannot read a draft-08 request. */
static void test_no_response_and_mismatch(void) {
  oscore_ctx cli, srv;
  derive_tv(&cli, 2, false, false, 9);
  oscore_opt ro[NOPTS], oo[NOPTS], po[NOPTS];
  oscore_msg req, outer, plain;
  oscore_msg_init(&req, ro, NOPTS);
  req.code = OSCORE_CODE(0, OSCORE_CODE_POST);
  oscore_msg_add_opt(&req, OSCORE_OPT_NO_RESPONSE, OSCORE_BYTES("\x1a", 1));
  uint8_t buf[BUF], buf2[BUF];
  oscore_request_id crid, srid;
  oscore_msg_init(&outer, oo, NOPTS);
  CHECK_EQ_INT(oscore_protect_request(&cli, &req, &outer, buf, BUF, &crid),
               OSCORE_OK);
  CHECK(has_opt(&outer, OSCORE_OPT_NO_RESPONSE));
  CHECK_EQ_INT(outer.payload.len, 1 + 3 + 8);  /* code, inner option 258 */

  /* RFC 8613 server with the same inputs: other keys, decryption fails. */
  uint8_t secret[16];
  oscore_ctx_params p = { .aead_cose = 10, .hkdf = OSCORE_HASH_SHA256 };
  p.master_secret = OSCORE_BYTES(secret, hx(SECRET, secret, sizeof secret));
  p.sender_id = OSCORE_BYTES("\x01", 1);
  p.recipient_id = OSCORE_BYTES("\x00", 1);
  CHECK_EQ_INT(oscore_ctx_derive(&srv, &p), OSCORE_OK);
  CHECK_EQ_INT(server_open(&srv, &outer, &plain, po, buf2, &srid),
               OSCORE_ERR_DECRYPT);
}

int main(void) {
  test_keys();
  test_published_vectors();
  test_corrected_vectors();
  test_behaviour(21);
  test_behaviour(9);
  test_no_response_and_mismatch();
  return unit_summary("oscore_draft08");
}
