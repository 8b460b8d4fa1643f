/* The whole server dispatch path (coapx_server: libcoap's parser, the
 * retransmission cache, the OSCORE gate with the store, observe, protect,
 * answer) fed raw datagrams over loopback. Once per process a server is
 * bound to 127.0.0.1:0 with the three RFC 8613 Appendix C server contexts
 * (C.1, C.2, C.3, in context directories of a private temporary
 * directory) and a small application; each input is then sent from one
 * client socket:
 *   1. as given, except for its message ID, which becomes a fresh number
 *      so that the retransmission cache does not answer the whole corpus
 *      from memory;
 *   2. the same datagram again: the retransmission, which for a
 *      confirmable request must get the very same answer (RFC 7252 §4.5);
 *   3. once more with another message ID: a replay for OSCORE.
 * The input's own message ID selects, in its low byte:
 *   bits 0-1  the replay windows all contexts start the input with:
 *             0-1 empty, 2 unknown (B.1.2: the Echo challenge), 3 as the
 *             previous input left them;
 *   bit 2     the payload is the plaintext of an OSCORE request, encrypted
 *             here for the kid and partial IV of the OSCORE option (when a
 *             context has that kid), so fuzzed inner requests reach the
 *             application.
 * The application answers by the first Uri-Path segment: "obs" accepts an
 * observation (at most 8 at a time), "notify" asks for a notification of
 * each, "big" answers more than fits, "err" 4.04, "none" leaves the code
 * unset, "opts" fills the option array; anything else echoes the payload.
 *
 * The map also holds EDHOC credentials (a P-256 key of our own, and a
 * peer entry accepting any credential sent by value), so POSTs to
 * /.well-known/edhoc and RFC 9668 combined requests (options 9 and 21)
 * reach the EDHOC responder.
 *
 * The gate draws its Echo value at random; the harness reads it out of the
 * first protected challenge (it holds the client keys) and from then on
 * puts it into every Echo option of a sealed plaintext, so a sealed
 * request with an Echo option reaches the success side of B.1.2 recovery
 * (the third send of the input that drew the challenge already does). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "coapx_server.h"
#include "fuzz.h"
#include "fuzz_common.h"
#include "oscore_protect.h"
#include "store.h"
#include "store_cosekey.h"
#include "edhoc.h"

#define MAX_DGRAM 1600
#define MAX_FILED 8

static coapx_server *srv;
static store_credentials *creds;   /* owned by srv; kept to reset windows */
static store_context *ctxs[4];
static int sock = -1;
static uint16_t next_mid;
static coapx_observation *filed[MAX_FILED];

static bool seg_is(const oscore_msg *m, const char *name) {
  const oscore_opt *o = oscore_msg_find_opt(m, OSCORE_OPT_URI_PATH);
  size_t n = strlen(name);
  return o && o->value.len == n && !memcmp(o->value.ptr, name, n);
}

static void handler(const coapx_request *req, coapx_response *resp,
                    void *arg) {
  (void)arg;
  const oscore_msg *m = req->msg;
  if (req->is_notification) {
    coapx_response_set_payload(resp, "n", 1);
    return;
  }
  if (seg_is(m, "obs")) {
    for (size_t i = 0; req->observation && i < MAX_FILED; i++) {
      if (filed[i]) continue;
      filed[i] = req->observation;
      resp->observe = true;
      break;
    }
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, 0);
    coapx_response_set_payload(resp, "obs", 3);
  } else if (seg_is(m, "notify")) {
    for (size_t i = 0; i < MAX_FILED; i++)
      if (filed[i]) coapx_server_notify(srv, filed[i]);
    resp->msg.code = OSCORE_CODE(2, 4);
  } else if (seg_is(m, "big")) {
    uint8_t *p = coapx_response_payload_space(resp, 1500);
    if (p) memset(p, 'x', 1500);
  } else if (seg_is(m, "err")) {
    coapx_response_error(resp, OSCORE_CODE(4, 4), NULL);
  } else if (seg_is(m, "none")) {
    resp->msg.code = 0;
  } else if (seg_is(m, "opts")) {
    for (uint16_t i = 0; i < 40; i++)
      if (coapx_response_add_uint(resp, (uint16_t)(2048 + i), i) != COAPX_OK)
        break;
  } else {
    size_t n = m->payload.len < 1024 ? m->payload.len : 1024;
    coapx_response_add_opt(resp, OSCORE_OPT_ETAG, "\x01\x02", 2);
    coapx_response_set_payload(resp, m->payload.ptr, n);
  }
}

/* The log line never names an identity for an unprotected request, and
 * its path is printable text. */
static void on_log(const coapx_log_entry *e, void *arg) {
  (void)arg;
  FUZZ_CHECK(e->peer && e->path);
  FUZZ_CHECK(e->is_protected || !e->identity);
  for (const char *c = e->path; *c; c++)
    FUZZ_CHECK(*c >= 0x20 && *c < 0x7f);
  /* FUZZ_DEBUG=1: what the inputs reach, one line per answer. */
  if (getenv("FUZZ_DEBUG"))
    fprintf(stderr, "%s %s %u.%02u path=%s -> %u.%02u%s%s\n",
            e->is_protected ? "oscore" : "plain",
            e->identity ? e->identity : "-", e->method >> 5, e->method & 31,
            e->path, e->code >> 5, e->code & 31,
            e->from_cache ? " (cache)" : "",
            e->notification ? " (notification)" : "");
}

static void on_end(coapx_observation *obs, coapx_obs_end why, void *arg) {
  (void)why; (void)arg;
  for (size_t i = 0; i < MAX_FILED; i++)
    if (filed[i] == obs) filed[i] = NULL;
}

static void write_context(const char *top, const char *name, fuzz_vec v) {
  char d[4300];
  snprintf(d, sizeof d, "%s/%s", top, name);
  FUZZ_CHECK(mkdir(d, 0700) == 0);
  const char *s = fuzz_settings_json(v, true), *k = fuzz_secret_json(v);
  FUZZ_CHECK(fuzz_write(d, "settings.json", s, strlen(s)));
  FUZZ_CHECK(fuzz_write(d, "secret.json", k, strlen(k)));
}

static void stop(void) {
  coapx_server_free(srv);   /* writes the sequence files back, closes */
  srv = NULL;
  if (sock >= 0) close(sock);
}

/* The EDHOC entries of the map: a fixed P-256 key (key file written
 * here) as the server's own credential, by key ID, and anyone by value. */
static void edhoc_entries(const char *top, char *out, size_t cap) {
  uint8_t d[32], ccs[256], cred[260];
  for (size_t i = 0; i < sizeof d; i++) d[i] = (uint8_t)(i + 1);
  edhoc_key *k = NULL;
  FUZZ_CHECK(edhoc_key_from_private(EDHOC_CURVE_P256, OSCORE_BYTES(d, 32),
                                    &k) == EDHOC_OK);
  char path[4300];
  snprintf(path, sizeof path, "%s/server.cosekey", top);
  FUZZ_CHECK(store_cosekey_create(path, k, NULL) == STORE_OK);
  edhoc_w w;
  edhoc_w_init(&w, ccs, sizeof ccs);
  FUZZ_CHECK(edhoc_ccs_write(k, OSCORE_BYTES("\x0a", 1), NULL, &w) ==
             EDHOC_OK);
  edhoc_key_free(k);
  cred[0] = 0xa1;   /* {14: CCS} */
  cred[1] = 0x0e;
  memcpy(cred + 2, ccs, w.len);
  char hex[2 * sizeof cred + 1];
  for (size_t i = 0; i < w.len + 2; i++)
    snprintf(hex + 2 * i, 3, "%02x", cred[i]);
  snprintf(out, cap,
           ", \"coap://*\": {\"edhoc-oscore\": {\"suite\": 2, \"method\": 3,"
           " \"own_cred_style\": \"by-key-id\", \"own_cred\": {\"hex\": "
           "\"%s\"}, \"private_key_file\": \"server.cosekey\"}},"
           " \":anyone\": {\"edhoc-oscore\": {\"suite\": 2, \"method\": 3,"
           " \"peer_cred\": {\"unauthenticated\": true}}}", hex);
}

static void start(void) {
  char top[4200], path[4300];
  snprintf(top, sizeof top, "%s/server", fuzz_tmpdir());
  FUZZ_CHECK(mkdir(top, 0700) == 0);
  write_context(top, "c1", FUZZ_VEC_C1);
  write_context(top, "c2", FUZZ_VEC_C2);
  write_context(top, "c3", FUZZ_VEC_C3);
  char edhoc[1200], map[1600];
  edhoc_entries(top, edhoc, sizeof edhoc);
  snprintf(map, sizeof map,
           "{\":c1\": {\"oscore\": {\"basedir\": \"c1\"}},"
           " \":c2\": {\"oscore\": {\"basedir\": \"c2\"}},"
           " \":c3\": {\"oscore\": {\"basedir\": \"c3\"}}%s}", edhoc);
  FUZZ_CHECK(fuzz_write(top, "credentials.json", map, strlen(map)));
  snprintf(path, sizeof path, "%s/credentials.json", top);
  store_diag diag = { .warn = NULL };
  store_enable_edhoc();
  FUZZ_CHECK(store_credentials_load(path, &diag, &creds) == STORE_OK);
  FUZZ_CHECK(store_credentials_open_all(creds, &diag) == STORE_OK);
  static const uint8_t ctxid[8] = { 0x37, 0xcb, 0xf3, 0x21,
                                    0x00, 0x17, 0xa2, 0xd3 };
  static const uint8_t kid00[1] = { 0x00 };
  ctxs[1] = store_credentials_find(creds, NULL, 0, false, NULL, 0, NULL);
  ctxs[2] = store_credentials_find(creds, kid00, 1, false, NULL, 0, NULL);
  ctxs[3] = store_credentials_find(creds, NULL, 0, true, ctxid, 8, NULL);
  FUZZ_CHECK(ctxs[1] && ctxs[2] && ctxs[3]);

  coapx_libcoap_verbosity(0);
  static const char *const bind[] = { "127.0.0.1:0" };
  coapx_server_config cfg = {
    .bind = bind, .n_bind = 1, .credentials = creds,
    .handler = handler, .on_observe_end = on_end, .log = on_log,
  };
  FUZZ_CHECK(coapx_server_new(&cfg, &srv) == COAPX_OK);
  atexit(stop);

  sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET,
                           .sin_port = htons(coapx_server_port(srv, 0)) };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  FUZZ_CHECK(sock >= 0 && a.sin_port != 0 &&
             connect(sock, (struct sockaddr *)&a, sizeof a) == 0);
}

static void set_windows(unsigned mode) {
  if (mode == 3) return;
  for (size_t i = 1; i <= 3; i++) {
    oscore_replay *w = &store_context_oscore(ctxs[i])->replay;
    FUZZ_CHECK((mode == 2 ? oscore_replay_init_unknown(w, w->size)
                          : oscore_replay_init_empty(w, w->size)) ==
               OSCORE_OK);
  }
}

/* The server's Echo value (B.1.2), once a challenge revealed it: the
 * harness holds the client keys, so it can read the protected 4.01. */
static uint8_t echo[64];
static size_t echo_len;

/* Replace the payload of the OSCORE request in |pkt| by its encryption
 * under the context its option names; |*len| may change. When the Echo
 * value is known, every Echo option inside the plaintext gets it first. */
static void seal(uint8_t *pkt, size_t *len) {
  oscore_opt opts[64], inner_opts[64];
  oscore_datagram d;
  oscore_msg_init(&d.msg, opts, 64);
  if (oscore_datagram_decode(OSCORE_BYTES(pkt, *len), &d) != OSCORE_OK)
    return;
  const oscore_opt *oo = oscore_msg_find_opt(&d.msg, OSCORE_OPT_OSCORE);
  oscore_option o;
  if (!oo || oscore_option_decode(oo->value, &o) != OSCORE_OK || !o.has_kid ||
      o.piv.len < 1 || o.piv.len > 5)
    return;
  store_context *sc = store_credentials_find(
      creds, o.kid.ptr, o.kid.len, o.has_kid_context, o.kid_context.ptr,
      o.kid_context.len, NULL);
  if (!sc) return;
  static uint8_t plain[MAX_DGRAM + 64], sealed[MAX_DGRAM + 64],
      out[MAX_DGRAM + 128];
  oscore_bytes pt = d.msg.payload;
  oscore_msg inner;
  oscore_msg_init(&inner, inner_opts, 64);
  size_t n;
  if (echo_len && pt.len >= 1 &&
      oscore_opts_payload_decode(OSCORE_BYTES(pt.ptr + 1, pt.len - 1),
                                 &inner) == OSCORE_OK &&
      oscore_msg_find_opt(&inner, OSCORE_OPT_ECHO)) {
    for (size_t i = 0; i < inner.n_opts; i++)
      if (inner.opts[i].number == OSCORE_OPT_ECHO)
        inner.opts[i].value = OSCORE_BYTES(echo, echo_len);
    plain[0] = pt.ptr[0];
    if (oscore_opts_payload_encode(&inner, plain + 1, sizeof plain - 1, &n) ==
        OSCORE_OK)
      pt = OSCORE_BYTES(plain, n + 1);
  }
  size_t slen, olen;
  if (!fuzz_seal_as_peer(store_context_oscore(sc), o.kid, o.piv, o.kid, o.piv,
                         pt, sealed, sizeof sealed, &slen))
    return;
  d.msg.payload = OSCORE_BYTES(sealed, slen);
  if (oscore_datagram_encode(&d, out, sizeof out, &olen) == OSCORE_OK &&
      olen <= MAX_DGRAM) {
    memcpy(pkt, out, olen);
    *len = olen;
  }
}

/* If |ans| is the protected 4.01 challenge to request |req|, read the Echo
 * value out of it. true when a new value was learnt. */
static bool learn_echo(const uint8_t *req, size_t req_len, const uint8_t *ans,
                       size_t ans_len) {
  oscore_opt ropts[64], aopts[64], popts[64];
  oscore_datagram r, a;
  oscore_msg_init(&r.msg, ropts, 64);
  oscore_msg_init(&a.msg, aopts, 64);
  if (oscore_datagram_decode(OSCORE_BYTES(req, req_len), &r) != OSCORE_OK ||
      oscore_datagram_decode(OSCORE_BYTES(ans, ans_len), &a) != OSCORE_OK)
    return false;
  const oscore_opt *oo = oscore_msg_find_opt(&r.msg, OSCORE_OPT_OSCORE);
  oscore_option o;
  if (!oo || !oscore_msg_find_opt(&a.msg, OSCORE_OPT_OSCORE) ||
      oscore_option_decode(oo->value, &o) != OSCORE_OK || !o.has_kid ||
      o.kid.len > OSCORE_MAX_ID_LEN || o.piv.len < 1 || o.piv.len > 5)
    return false;
  oscore_ctx cl;
  fuzz_ctx(&cl, fuzz_vec_for(&o), false);
  oscore_request_id rid;
  memset(&rid, 0, sizeof rid);
  memcpy(rid.kid, o.kid.ptr, o.kid.len);
  rid.kid_len = o.kid.len;
  memcpy(rid.piv, o.piv.ptr, o.piv.len);
  rid.piv_len = o.piv.len;
  static uint8_t buf[MAX_DGRAM];
  oscore_msg plain;
  oscore_msg_init(&plain, popts, 64);
  oscore_response_info info;
  bool learnt = false;
  if (oscore_unprotect_response(&cl, &rid, &a.msg, &plain, buf, sizeof buf,
                                &info) == OSCORE_OK &&
      plain.code == OSCORE_CODE(4, 1)) {
    /* B.1.2: the challenge carries the server's own partial IV. */
    FUZZ_CHECK(info.has_piv);
    const oscore_opt *e = oscore_msg_find_opt(&plain, OSCORE_OPT_ECHO);
    if (e && e->value.len <= sizeof echo &&
        (e->value.len != echo_len || memcmp(echo, e->value.ptr, echo_len))) {
      memcpy(echo, e->value.ptr, e->value.len);
      echo_len = e->value.len;
      learnt = true;
    }
  }
  oscore_ctx_wipe(&cl);
  return learnt;
}

typedef struct {
  uint8_t data[MAX_DGRAM];
  ssize_t len;      /* -1: nothing */
  bool many;        /* more than one datagram came */
} answer;

/* Let the server handle what is queued, then collect its answers. */
static void pump(answer *a) {
  coapx_server_run_once(srv, 0);
  a->len = -1;
  a->many = false;
  uint8_t scratch[MAX_DGRAM];
  for (int i = 0; i < 64; i++) {
    ssize_t n = recv(sock, a->len < 0 ? a->data : scratch, MAX_DGRAM, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      continue;   /* ICMP errors of earlier sends */
    }
    if (a->len < 0)
      a->len = n;
    else
      a->many = true;
  }
}

static void set_mid(uint8_t *pkt, size_t len) {
  if (len < 4) return;
  next_mid++;
  pkt[2] = (uint8_t)(next_mid >> 8);
  pkt[3] = (uint8_t)next_mid;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!srv) start();
  static uint8_t pkt[MAX_DGRAM], raw[MAX_DGRAM];
  size_t len = size < MAX_DGRAM - 64 ? size : MAX_DGRAM - 64;
  memcpy(raw, data, len);
  unsigned mode = len >= 4 ? data[3] : 0;
  set_windows(mode & 3);
  size_t raw_len = len;
  memcpy(pkt, raw, len);
  if (mode & 4) seal(pkt, &len);
  set_mid(pkt, len);

  answer first, again, replay;
  send(sock, pkt, len, 0);
  pump(&first);
  send(sock, pkt, len, 0);
  pump(&again);
  /* A confirmable request answered once gets the same answer again. */
  bool con_request = len >= 4 && (pkt[0] >> 4 & 3) == 0 && pkt[1] >= 1 &&
                     pkt[1] < 32;
  if (con_request && first.len >= 4 && !first.many && !again.many &&
      first.data[2] == pkt[2] && first.data[3] == pkt[3])
    FUZZ_CHECK(again.len == first.len &&
               !memcmp(again.data, first.data, (size_t)first.len));
  /* Once more under a new message ID: a replay, or, when the first answer
   * was an Echo challenge to a sealed request, the retry carrying it. */
  if ((mode & 4) && first.len > 0 &&
      learn_echo(pkt, len, first.data, (size_t)first.len)) {
    memcpy(pkt, raw, raw_len);
    len = raw_len;
    seal(pkt, &len);
  }
  set_mid(pkt, len);
  send(sock, pkt, len, 0);
  pump(&replay);
  return 0;
}
