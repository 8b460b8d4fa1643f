/* Writes the seed corpora of the fuzz harnesses, tests/fuzz/corpus/<target>/,
 * from the RFC 8613 Appendix C vectors (tests/vectors/), the example
 * credentials (credentials-examples/), the plugtest contexts (tests/data/)
 * and a few hand-made messages that reach the harnesses' modes (see the
 * comment at the top of each fuzz_*.c for what the message ID selects).
 * The output is committed; run this again after changing a harness:
 *
 *   ninja -C build tests/fuzz/fuzz_seedgen &&
 *     build/tests/fuzz/fuzz_seedgen "$PWD"
 *
 * Files it writes are named "seed-*" and replaced; other files in the
 * corpus directories (regression inputs, "crash-*", "regress-*") are left
 * alone. Not a test: nothing here checks anything. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "oscore_msg.h"
#include "oscore_option.h"

static const char *top;

static void die(const char *what) {
  fprintf(stderr, "fuzz_seedgen: %s\n", what);
  exit(1);
}

static void put(const char *target, const char *name, const void *data,
                size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s", top, target);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) die(path);
  snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s/seed-%s", top, target,
           name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) die(path);
}

static size_t read_all(const char *rel, char *out, size_t cap) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", top, rel);
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  size_t n = fread(out, 1, cap - 1, f);
  fclose(f);
  out[n] = '\0';
  return n;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = strlen(hex) / 2;
  if (n > cap) die("hex too long");
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) die("bad hex");
    out[i] = (uint8_t)v;
  }
  return n;
}

/* ---- building datagrams ---- */

typedef struct {
  oscore_opt opts[32];
  oscore_datagram d;
  uint8_t wire[2048];
  size_t len;
} dgram;

static void dg_init(dgram *g, uint8_t type, uint8_t code, uint16_t mid) {
  memset(g, 0, sizeof *g);
  g->d.type = type;
  g->d.mid = mid;
  g->d.token_len = 2;
  g->d.token[0] = 0x5e;
  g->d.token[1] = 0xed;
  oscore_msg_init(&g->d.msg, g->opts, 32);
  g->d.msg.code = code;
}

static void dg_opt(dgram *g, uint16_t num, const char *v) {
  size_t n = strlen(v);
  oscore_msg_add_opt(&g->d.msg, num, OSCORE_BYTES(n ? v : NULL, n));
}

static void dg_raw(dgram *g, uint16_t num, const void *v, size_t n) {
  oscore_msg_add_opt(&g->d.msg, num, OSCORE_BYTES(n ? v : NULL, n));
}

static void dg_payload(dgram *g, const void *p, size_t n) {
  g->d.msg.payload = OSCORE_BYTES(n ? p : NULL, n);
}

static void dg_done(dgram *g) {
  if (oscore_datagram_encode(&g->d, g->wire, sizeof g->wire, &g->len) !=
      OSCORE_OK)
    die("cannot encode a seed");
}

/* The plaintext of an OSCORE message (§5.3): code, options, payload. */
static size_t plaintext(const oscore_msg *m, uint8_t *out, size_t cap) {
  size_t len;
  out[0] = m->code;
  if (oscore_opts_payload_encode(m, out + 1, cap - 1, &len) != OSCORE_OK)
    die("cannot encode a plaintext");
  return 1 + len;
}

/* ---- the RFC vectors ---- */

typedef struct {
  uint8_t req[256], ureq[256], resp[256], uresp[256];
  size_t req_len, ureq_len, resp_len, uresp_len;
} vec;

static cJSON *vectors;

static bool vector(const char *id, vec *v) {
  memset(v, 0, sizeof *v);
  const cJSON *arr = cJSON_GetObjectItem(vectors, "vectors"), *e;
  cJSON_ArrayForEach(e, arr) {
    const cJSON *i = cJSON_GetObjectItem(e, "id");
    if (!cJSON_IsString(i) || strcmp(i->valuestring, id)) continue;
    const cJSON *x;
    if ((x = cJSON_GetObjectItem(e, "protected_coap_request")))
      v->req_len = unhex(x->valuestring, v->req, sizeof v->req);
    if ((x = cJSON_GetObjectItem(e, "unprotected_coap_request")))
      v->ureq_len = unhex(x->valuestring, v->ureq, sizeof v->ureq);
    if ((x = cJSON_GetObjectItem(e, "protected_coap_response")))
      v->resp_len = unhex(x->valuestring, v->resp, sizeof v->resp);
    if ((x = cJSON_GetObjectItem(e, "unprotected_coap_response")))
      v->uresp_len = unhex(x->valuestring, v->uresp, sizeof v->uresp);
    return true;
  }
  die(id);
  return false;
}

/* |src| with the low byte of its message ID set to |low|. */
static void put_mid(const char *target, const char *name, const uint8_t *src,
                    size_t len, uint8_t low) {
  uint8_t b[2048];
  memcpy(b, src, len);
  if (len >= 4) b[3] = low;
  put(target, name, b, len);
}

/* |prot| (a protected message) with its payload replaced by the plaintext
 * of |plain| (a whole unprotected datagram), MID low byte |low|: the
 * harnesses' "seal here" mode. */
static void put_sealable(const char *target, const char *name,
                         const uint8_t *prot, size_t plen, const uint8_t *plain,
                         size_t ulen, uint8_t low) {
  dgram p, u;
  dg_init(&p, 0, 0, 0);
  dg_init(&u, 0, 0, 0);
  if (oscore_datagram_decode(OSCORE_BYTES(prot, plen), &p.d) != OSCORE_OK ||
      oscore_datagram_decode(OSCORE_BYTES(plain, ulen), &u.d) != OSCORE_OK)
    die("vector does not decode");
  /* Class U options stay outside (§4.1.2). */
  oscore_msg_remove_opt(&u.d.msg, OSCORE_OPT_URI_HOST);
  oscore_msg_remove_opt(&u.d.msg, OSCORE_OPT_URI_PORT);
  uint8_t pt[2048];
  size_t n = plaintext(&u.d.msg, pt, sizeof pt);
  p.d.msg.payload = OSCORE_BYTES(pt, n);
  p.d.mid = (uint16_t)((p.d.mid & 0xFF00) | low);
  dg_done(&p);
  put(target, name, p.wire, p.len);
}

static void option_seeds(const vec *v, const char *id) {
  const uint8_t *msgs[2] = { v->req, v->resp };
  size_t lens[2] = { v->req_len, v->resp_len };
  for (int i = 0; i < 2; i++) {
    /* C.7 and C.8 repeat C.4's request. */
    if (!lens[i] || (i == 0 && v->resp_len)) continue;
    dgram g;
    dg_init(&g, 0, 0, 0);
    if (oscore_datagram_decode(OSCORE_BYTES(msgs[i], lens[i]), &g.d) !=
        OSCORE_OK)
      die("vector does not decode");
    const oscore_opt *o = oscore_msg_find_opt(&g.d.msg, OSCORE_OPT_OSCORE);
    char name[64];
    snprintf(name, sizeof name, "rfc-%s-%s", id, i ? "response" : "request");
    if (o) put("option", name, o->value.ptr, o->value.len);
  }
}

static void rfc_seeds(void) {
  static const char *const ids[] = { "C.4", "C.5", "C.6", "C.7", "C.8" };
  char name[96];
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    vec v;
    vector(ids[i], &v);
    option_seeds(&v, ids[i]);
    const uint8_t *all[4] = { v.req, v.ureq, v.resp, v.uresp };
    const size_t lens[4] = { v.req_len, v.ureq_len, v.resp_len, v.uresp_len };
    const char *kinds[4] = { "protected-request", "request",
                             "protected-response", "response" };
    for (int k = 0; k < 4; k++) {
      if (!lens[k] || (k < 2 && v.resp_len)) continue;
      snprintf(name, sizeof name, "rfc-%s-%s", ids[i], kinds[k]);
      put("codec", name, all[k], lens[k]);
    }
    bool is_resp = v.resp_len > 0;
    if (!is_resp) {
      /* Requests C.4-C.6: every window mode, the own-PIV answer, sealing. */
      static const uint8_t lows[] = { 0x00, 0x01, 0x02, 0x03, 0x08 };
      for (size_t m = 0; m < sizeof lows; m++) {
        snprintf(name, sizeof name, "rfc-%s-mid%02x", ids[i], lows[m]);
        put_mid("unprotect_request", name, v.req, v.req_len, lows[m]);
      }
      snprintf(name, sizeof name, "rfc-%s-sealed", ids[i]);
      put_sealable("unprotect_request", name, v.req, v.req_len, v.ureq,
                   v.ureq_len, 0x04);
      for (uint8_t low = 0; low < 3; low++) {
        snprintf(name, sizeof name, "rfc-%s-mid%02x", ids[i], low);
        put_mid("server", name, v.req, v.req_len, low);
        put_mid("roundtrip", name, v.ureq, v.ureq_len, low);
      }
      snprintf(name, sizeof name, "rfc-%s-plain", ids[i]);
      put_mid("server", name, v.ureq, v.ureq_len, 0);
    } else {
      snprintf(name, sizeof name, "rfc-%s", ids[i]);
      put_mid("unprotect_response", name, v.resp, v.resp_len, 0x00);
      snprintf(name, sizeof name, "rfc-%s-sealed", ids[i]);
      put_sealable("unprotect_response", name, v.resp, v.resp_len, v.uresp,
                   v.uresp_len, 0x04);
      snprintf(name, sizeof name, "rfc-%s-response", ids[i]);
      put_mid("roundtrip", name, v.uresp, v.uresp_len, 0);
    }
  }
}

/* ---- hand-made messages ---- */

static void option_values(void) {
  static const struct { const char *name, *hex; } vals[] = {
    { "empty", "" },
    { "piv-only", "0114" },
    { "kid-empty", "08" },
    { "piv5-kid", "0d0102030405aabbccddeeff00" },
    { "kidctx", "1901140837cbf3210017a2d3" },
    { "kidctx-empty-kid", "19011400" },
    { "reserved-bits", "e9" },
    { "piv6", "06010203040506" },
  };
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    uint8_t b[64];
    size_t n = unhex(vals[i].hex, b, sizeof b);
    put("option", vals[i].name, b, n);
  }
}

/* An inner request for the server harness's application. */
static void app_request(dgram *g, uint8_t type, uint8_t code, uint16_t mid,
                        const char *path) {
  dg_init(g, type, code, mid);
  if (path) dg_opt(g, OSCORE_OPT_URI_PATH, path);
}

static void server_and_codec_seeds(void) {
  static const char *const paths[] = { "obs", "notify", "big", "err", "none",
                                       "opts", "echo" };
  char name[96];
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    for (uint8_t type = 0; type < 2; type++) {
      dgram g;
      app_request(&g, type, OSCORE_CODE(0, 1), 0x1100, paths[i]);
      if (!strcmp(paths[i], "obs")) dg_raw(&g, OSCORE_OPT_OBSERVE, "", 0);
      if (!strcmp(paths[i], "echo")) dg_payload(&g, "hello", 5);
      dg_done(&g);
      snprintf(name, sizeof name, "plain-%s-%s", type ? "non" : "con",
               paths[i]);
      put("server", name, g.wire, g.len);
      put("codec", name, g.wire, g.len);
      put("roundtrip", name, g.wire, g.len);
    }
  }
  /* Sealed OSCORE requests for each path, under C.1 (kid ""), C.2 (kid 00)
   * and C.3 (kid context): the harness encrypts the payload; 0x06 also
   * starts with an unknown window (Echo challenge). */
  static const struct { const char *name, *opt_hex; } kids[] = {
    { "c1", "0914" }, { "c2", "091400" }, { "c3", "19140837cbf3210017a2d3" },
  };
  for (size_t k = 0; k < 3; k++) {
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
      for (uint8_t low = 0x04; low <= 0x06; low += 2) {
        dgram inner;
        app_request(&inner, 0, OSCORE_CODE(0, 1), 0, paths[i]);
        if (!strcmp(paths[i], "obs")) dg_raw(&inner, OSCORE_OPT_OBSERVE, "", 0);
        if (!strcmp(paths[i], "echo")) dg_payload(&inner, "hello", 5);
        uint8_t pt[512];
        size_t ptn = plaintext(&inner.d.msg, pt, sizeof pt);
        dgram g;
        bool obs = !strcmp(paths[i], "obs");
        dg_init(&g, 0, OSCORE_CODE(0, obs ? 5 : 2), (uint16_t)(0x2200 | low));
        uint8_t ov[40];
        size_t on = unhex(kids[k].opt_hex, ov, sizeof ov);
        if (obs) dg_raw(&g, OSCORE_OPT_OBSERVE, "", 0);
        dg_raw(&g, OSCORE_OPT_OSCORE, ov, on);
        dg_payload(&g, pt, ptn);
        dg_done(&g);
        snprintf(name, sizeof name, "sealed-%s-%s-mid%02x", kids[k].name,
                 paths[i], low);
        put("server", name, g.wire, g.len);
        if (!strcmp(paths[i], "echo") || obs)
          put("unprotect_request", name, g.wire, g.len);
      }
    }
  }
  /* B.1.2 recovery: an unknown window (0x06) and an Echo option inside,
   * whose value the harness replaces by the server's once it knows it. */
  for (size_t k = 0; k < 3; k++) {
    dgram inner;
    app_request(&inner, 0, OSCORE_CODE(0, 3), 0, "echo");
    dg_raw(&inner, OSCORE_OPT_ECHO, "\0\0\0\0\0\0\0\0", 8);
    dg_payload(&inner, "put", 3);
    uint8_t pt[512];
    size_t ptn = plaintext(&inner.d.msg, pt, sizeof pt);
    dgram g;
    dg_init(&g, 0, OSCORE_CODE(0, 2), 0x2206);
    uint8_t ov[40];
    size_t on = unhex(kids[k].opt_hex, ov, sizeof ov);
    dg_raw(&g, OSCORE_OPT_OSCORE, ov, on);
    dg_payload(&g, pt, ptn);
    dg_done(&g);
    snprintf(name, sizeof name, "sealed-%s-echo-recovery", kids[k].name);
    put("server", name, g.wire, g.len);
  }
  /* EDHOC (RFC 9528 Appendix A.2, RFC 9668) at the harness's responder:
   * "true, message_1" (RFC 9529 trace 2's second message_1: method 3,
   * suites [6, 2]), message_3 for a C_R nobody has, and a combined
   * request (options 9 and 21, message_3 in front of the ciphertext). */
  static const struct { const char *name, *payload_hex; bool combined; } ed[] = {
    { "edhoc-message-1", "f50382060258208af6f430ebe18d34184017a9a11bf511c8df"
      "f8f834730b96c1b7c8dbca2fc3b637", false },
    { "edhoc-message-3-unknown-cr", "41774a0102030405060708090a", false },
    { "edhoc-combined", "4a0102030405060708090a0b0c0d0e0f", true },
  };
  for (size_t i = 0; i < sizeof ed / sizeof ed[0]; i++) {
    uint8_t pl[200], ov[8];
    size_t pn = unhex(ed[i].payload_hex, pl, sizeof pl);
    dgram g;
    dg_init(&g, 0, OSCORE_CODE(0, 2), 0x3300);
    if (ed[i].combined) {
      size_t on = unhex("0905", ov, sizeof ov);   /* PIV 5, kid "" */
      dg_raw(&g, OSCORE_OPT_OSCORE, ov, on);
      dg_raw(&g, 21, "", 0);
    } else {
      dg_opt(&g, OSCORE_OPT_URI_PATH, ".well-known");
      dg_opt(&g, OSCORE_OPT_URI_PATH, "edhoc");
    }
    dg_payload(&g, pl, pn);
    dg_done(&g);
    put("server", ed[i].name, g.wire, g.len);
  }
  /* Retransmission-cache and libcoap corners: empty CON (ping), RST, ACK,
   * a request with a critical unknown option, .well-known/core, a response
   * sent to the server. */
  static const struct { const char *name, *hex; } raw[] = {
    { "ping", "40001234" },
    { "rst", "70001234" },
    { "ack", "60001234" },
    { "critical-unknown", "420112341234e006f4" },
    { "wellknown-core", "410112347bbb2e77656c6c2d6b6e6f776e04636f7265" },
    { "response-to-server", "6145123412ff6869" },
    { "oscore-on-get", "410112340193091400" },
    { "oscore-garbage", "4102123401919fff00" },
  };
  for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
    uint8_t b[256];
    size_t n = unhex(raw[i].hex, b, sizeof b);
    put("server", raw[i].name, b, n);
    put("codec", raw[i].name, b, n);
  }
  /* Proxy-Uri, Uri-Port, No-Response, Block2, several queries and a long
   * option: the class U/E/split corners of protect (roundtrip). */
  dgram g;
  dg_init(&g, 0, OSCORE_CODE(0, 1), 0x3300);
  dg_opt(&g, OSCORE_OPT_PROXY_URI, "coap://example.com:5683/a/b%20c?x=1&y");
  dg_done(&g);
  put("roundtrip", "proxy-uri", g.wire, g.len);
  put("codec", "proxy-uri", g.wire, g.len);
  dg_init(&g, 0, OSCORE_CODE(0, 3), 0x3304);
  dg_opt(&g, OSCORE_OPT_URI_HOST, "example.com");
  dg_raw(&g, OSCORE_OPT_URI_PORT, "\x16\x33", 2);
  dg_opt(&g, OSCORE_OPT_URI_PATH, "a");
  dg_opt(&g, OSCORE_OPT_URI_QUERY, "x=1");
  dg_opt(&g, OSCORE_OPT_URI_QUERY, "y");
  dg_raw(&g, OSCORE_OPT_BLOCK2, "\x16", 1);
  dg_raw(&g, OSCORE_OPT_NO_RESPONSE, "\x02", 1);
  dg_opt(&g, OSCORE_OPT_PROXY_SCHEME, "coap");
  static const char longv[300] = { 'L' };
  dg_raw(&g, 2000, longv, sizeof longv);
  dg_payload(&g, "payload", 7);
  dg_done(&g);
  put("roundtrip", "many-options", g.wire, g.len);
  put("codec", "many-options", g.wire, g.len);
  dg_init(&g, 0, OSCORE_CODE(0, 5), 0x33ff);
  g.d.token_len = 8;
  memset(g.d.token, 0xff, 8);
  dg_raw(&g, OSCORE_OPT_OBSERVE, "", 0);
  dg_opt(&g, OSCORE_OPT_URI_PATH, "obs");
  dg_done(&g);
  put("roundtrip", "observe-fetch-max-seq", g.wire, g.len);
}

/* Responses with Observe and own partial IVs for the response harness:
 * outer Observe + OSCORE "01xx" and a sealed payload (mid bit 2). */
static void response_seeds(void) {
  static const struct { const char *name, *opt_hex; bool obs; } r[] = {
    { "own-piv", "0105", false },
    { "notification", "0107", true },
    { "nonce-reuse-observe", "", true },
    { "kid-in-response", "0901" "01", false },
    { "kidctx-in-response", "1901050837cbf3210017a2d3", false },
  };
  for (uint8_t low = 0x04; low <= 0x06; low++) {
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
      dgram inner;
      dg_init(&inner, 0, OSCORE_CODE(2, 5), 0);
      dg_raw(&inner, OSCORE_OPT_CONTENT_FORMAT, "", 0);
      if (r[i].obs) dg_raw(&inner, OSCORE_OPT_OBSERVE, "\x03", 1);
      dg_payload(&inner, "data", 4);
      uint8_t pt[256];
      size_t ptn = plaintext(&inner.d.msg, pt, sizeof pt);
      dgram g;
      dg_init(&g, 2, OSCORE_CODE(2, 5), (uint16_t)(0x4400 | low));
      uint8_t ov[40];
      size_t on = unhex(r[i].opt_hex, ov, sizeof ov);
      if (r[i].obs) dg_raw(&g, OSCORE_OPT_OBSERVE, "\x07", 1);
      dg_raw(&g, OSCORE_OPT_OSCORE, ov, on);
      dg_payload(&g, pt, ptn);
      dg_done(&g);
      char name[96];
      snprintf(name, sizeof name, "%s-mid%02x", r[i].name, low);
      put("unprotect_response", name, g.wire, g.len);
    }
  }
}

/* ---- files: credentials maps and context directories ---- */

static void credentials_seeds(void) {
  char buf[65536];
  size_t n = read_all("credentials-examples/server.json", buf, sizeof buf);
  put("credentials", "example-server", buf, n);
  n = read_all("credentials-examples/client1.json", buf, sizeof buf);
  put("credentials", "example-client1", buf, n);
  static const struct { const char *name, *json; } maps[] = {
    { "beside", "{\"coap://h/*\": {\"oscore\": {\"basedir\": \"ctx/\"}}}" },
    { "absolute", "{\":a\": {\"oscore\": {\"basedir\": \"/nonexistent/x\"}}}" },
    { "contextfile", "{\":a\": {\"oscore\": {\"contextfile\": \"ctx\"}}}" },
    { "references", "{\":a\": {\"oscore\": {\"basedir\": \"ctx\"}}, "
                    "\"coap://x/*\": \":a\", \"coap://y/*\": \"coap://x/*\", "
                    "\"gone\": null}" },
    { "loop", "{\":a\": \":b\", \":b\": \":a\"}" },
    { "dangling", "{\"coap://x/*\": \":nope\"}" },
    { "dtls", "{\"k\": {\"dtls\": {\"psk\": {\"ascii\": \"x\"}, "
              "\"client-identity\": {\"hex\": \"01\"}}}}" },
    { "unsupported-types", "{\"a\": {\"tlscert\": {}}, \"b\": {\"any-of\": []},"
                           " \"c\": {\"edhoc-oscore\": {}}}" },
    { "two-members", "{\"k\": {\"oscore\": {\"basedir\": \"a\"}, "
                     "\"dtls\": {}}}" },
    { "duplicate-key", "{\"k\": \":x\", \"k\": \":x\", "
                       "\":x\": {\"oscore\": {\"basedir\": \"ctx\"}}}" },
    { "patterns", "{\"*\": \":a\", \"coap://[::1]:*\": \":a\", \"a*b*c\": \":a\","
                  " \":a\": {\"oscore\": {\"basedir\": \"ctx\"}}}" },
    { "not-object", "[1, 2, 3]" },
    { "truncated", "{\"k\": " },
  };
  for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
    put("credentials", maps[i].name, maps[i].json, strlen(maps[i].json));
}

static void context_seed(const char *name, const char *settings,
                         const char *secret, const char *sequence,
                         const char *secrets) {
  char b[65536];
  int n = snprintf(b, sizeof b, "%s", settings);
  if (secret) n += snprintf(b + n, sizeof b - (size_t)n, "\n##\n%s", secret);
  if (sequence)
    n += snprintf(b + n, sizeof b - (size_t)n, "\n##\n%s", sequence);
  if (secrets) n += snprintf(b + n, sizeof b - (size_t)n, "\n##\n%s", secrets);
  put("context", name, b, (size_t)n);
}

static void context_seeds(void) {
  static const char *const dirs[][2] = {
    { "example-server", "credentials-examples/server/from-client1" },
    { "example-client1", "credentials-examples/client1/for-fileserver" },
    { "plugtest-a", "tests/data/plugtest-contexts/a" },
    { "plugtest-b", "tests/data/plugtest-contexts/b" },
    { "plugtest-c", "tests/data/plugtest-contexts/c" },
    { "plugtest-d", "tests/data/plugtest-contexts/d" },
  };
  static char settings[8192], secret[8192];
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    char rel[512];
    snprintf(rel, sizeof rel, "%s/settings.json", dirs[i][1]);
    read_all(rel, settings, sizeof settings);
    snprintf(rel, sizeof rel, "%s/secret.json", dirs[i][1]);
    read_all(rel, secret, sizeof secret);
    context_seed(dirs[i][0], settings, secret, NULL, NULL);
  }
  static const char s1[] =
      "{\"sender-id_hex\": \"01\", \"recipient-id_hex\": \"\", "
      "\"algorithm\": \"AES-CCM-16-64-128\", \"kdf-hashfun\": \"sha256\"}";
  static const char k1[] =
      "{\"secret_hex\": \"0102030405060708090a0b0c0d0e0f10\", "
      "\"salt_hex\": \"9e7ca92223786340\"}";
  static const char *const seqs[][2] = {
    { "seq-window", "{\"next-to-send\": 5, \"received\": "
                    "{\"index\": 3, \"bitfield\": 5}}" },
    { "seq-unknown", "{\"next-to-send\": 100, \"received\": \"unknown\"}" },
    { "seq-null-index", "{\"next-to-send\": 7, \"received\": "
                        "{\"index\": null, \"bitfield\": 0}}" },
    { "seq-huge-bitfield", "{\"next-to-send\": 1, \"received\": "
                           "{\"index\": 0, \"bitfield\": 18014398509481984}}" },
    { "seq-top", "{\"next-to-send\": 1099511627775, \"received\": "
                 "{\"index\": 1099511627744, \"bitfield\": 1}}" },
    { "seq-negative", "{\"next-to-send\": -1, \"received\": \"unknown\"}" },
    { "seq-float", "{\"next-to-send\": 1.5, \"received\": \"unknown\"}" },
    { "seq-missing", "{\"received\": \"unknown\"}" },
  };
  for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
    context_seed(seqs[i][0], s1, k1, seqs[i][1], NULL);
  context_seed("both-secret-files", s1, k1, "", k1);
  context_seed("no-secret", s1, NULL, NULL, NULL);
  context_seed("ascii-ids-window",
               "{\"sender-id_ascii\": \"srv\", \"recipient-id_ascii\": \"c\", "
               "\"id-context_hex\": \"37cbf3210017a2d3\", \"window\": 64}",
               "{\"secret_ascii\": \"a secret\", \"salt\": {\"hex\": \"00\"}}",
               NULL, NULL);
  static const char *const algs[] = {
    "AES-CCM-16-64-256", "AES-CCM-64-64-128", "AES-CCM-16-128-128", "A128GCM",
    "A256GCM", "ChaCha20/Poly1305", "bogus",
  };
  for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
    char s[512], name[64];
    snprintf(s, sizeof s,
             "{\"sender-id_hex\": \"0102030405\", \"recipient-id_hex\": "
             "\"0a\", \"algorithm\": \"%s\", \"kdf-hashfun\": \"sha512\"}",
             algs[i]);
    snprintf(name, sizeof name, "alg-%zu", i);
    context_seed(name, s, k1, NULL, NULL);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "Usage: %s SOURCE_ROOT\n", argv[0]);
    return 1;
  }
  top = argv[1];
  static char json[1 << 16];
  read_all("tests/vectors/rfc8613-appendix-c.json", json, sizeof json);
  vectors = cJSON_Parse(json);
  if (!vectors) die("vectors not JSON");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/fuzz/corpus", top);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) die(path);
  rfc_seeds();
  option_values();
  server_and_codec_seeds();
  response_seeds();
  credentials_seeds();
  context_seeds();
  cJSON_Delete(vectors);
  return 0;
}
