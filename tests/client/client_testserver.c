/* A small CoAP server for the oscore-client integration tests, built on
 * the dispatcher (src/coap/coapx_server.h), so that every request goes
 * through the same OSCORE gate (B.1.2 Echo included) as the fileserver.
 *
 *   client_testserver [--credentials FILE] [--bind HOST:PORT]
 *
 * prints "port N" on stdout once bound and serves until SIGTERM/SIGINT.
 * Resources (paths):
 *   /hello          "Hello world" (text/plain)
 *   /empty          2.05 with no payload
 *   /big/N          N bytes of a fixed pattern, block-wise (Block2 as asked,
 *                   1024 by default), ETag, Size2
 *   /changing/N     like /big/N, but the ETag changes after block 0
 *   /store          PUT (2.04) / POST (2.01, Location-Path) a body, Block1
 *                   reassembled (Request-Tag must stay the same); GET it
 *                   back block-wise; DELETE (2.02, then 4.04)
 *   /query          the Uri-Query arguments joined with '&'
 *   /info           what arrived: "code=N cf=N accept=N host=H port=N len=N
 *                   proxy-scheme=S proxy-uri=U id=IDENTITY" (also answers
 *                   any request with Proxy-Uri, acting as the proxy)
 *   /link /json /cbor  small bodies of those formats
 *   /fail5          5.03 with diagnostic payload "try later"
 *   /obs            observable: "n=K" every 100 ms, K counting from 0
 *                   per observation
 *   /obs-final      observable: three notifications, then 4.04
 *   /obs-big        observable, 3000-byte representations (block-wise)
 * A server that never answers is a plain silent socket in the scripts. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "coapx_server.h"
#include "store.h"

#define MAX_OBS 16
#define STORE_MAX (8u << 20)

static volatile sig_atomic_t stop;
static void on_signal(int s) {
  (void)s;
  stop = 1;
}

static struct {
  coapx_observation *obs[MAX_OBS];
  uint8_t *store;
  size_t store_len;
  bool store_exists;
  /* Block1 reassembly of the upload in progress. */
  uint8_t *up;
  size_t up_len;
  uint8_t up_tag[8];
  size_t up_tag_len;
  bool up_active;
} app;

typedef struct {
  int final_after;     /* >0: notification number that answers 4.04 */
  int sent;
  size_t size;         /* representation size (obs-big) */
} obs_data;

static uint8_t pattern(size_t i) { return (uint8_t)(i * 7 + i / 251); }

static const oscore_opt *opt(const oscore_msg *m, uint16_t n) {
  return oscore_msg_find_opt(m, n);
}

static bool path_is(const oscore_msg *m, const char *a, const char *b) {
  size_t k = 0;
  const char *want[2] = { a, b };
  for (size_t i = 0; i < m->n_opts; i++) {
    if (m->opts[i].number != OSCORE_OPT_URI_PATH) continue;
    if (k >= 2 || !want[k]) return false;
    if (strlen(want[k]) != m->opts[i].value.len ||
        memcmp(want[k], m->opts[i].value.ptr, m->opts[i].value.len))
      return false;
    k++;
  }
  return k == (b ? 2u : 1u);
}

/* The second path segment as a number (/big/N). */
static bool path_num(const oscore_msg *m, const char *first, size_t *n) {
  size_t k = 0;
  for (size_t i = 0; i < m->n_opts; i++) {
    if (m->opts[i].number != OSCORE_OPT_URI_PATH) continue;
    oscore_bytes v = m->opts[i].value;
    if (k == 0 && (v.len != strlen(first) || memcmp(v.ptr, first, v.len)))
      return false;
    if (k == 1) {
      char buf[24];
      if (v.len == 0 || v.len >= sizeof buf) return false;
      memcpy(buf, v.ptr, v.len);
      buf[v.len] = '\0';
      char *end;
      unsigned long long x = strtoull(buf, &end, 10);
      if (*end) return false;
      *n = (size_t)x;
    }
    k++;
  }
  return k == 2;
}

static bool block_of(const oscore_msg *m, uint16_t number, uint32_t *num,
                     bool *more, unsigned *szx) {
  const oscore_opt *o = opt(m, number);
  if (!o) return false;
  uint32_t v;
  if (oscore_opt_uint(o->value, &v) != OSCORE_OK) return false;
  *num = v >> 4;
  *more = (v >> 3) & 1;
  *szx = v & 7;
  return true;
}

/* Serve |len| bytes produced by |get| (or from |data|) block-wise. */
static void serve_blocks(const coapx_request *req, coapx_response *resp,
                         const uint8_t *data, size_t len, uint16_t cf,
                         const char *etag0, const char *etag_later) {
  uint32_t num = 0;
  bool more;
  unsigned szx = 6;
  block_of(req->msg, OSCORE_OPT_BLOCK2, &num, &more, &szx);
  if (szx > 6) szx = 6;
  size_t bs = (size_t)16 << szx;
  size_t off = (size_t)num * bs;
  if (len > bs || num > 0) {
    if (off >= len && !(off == 0 && len == 0)) {
      coapx_response_error(resp, OSCORE_CODE(4, 2), "block out of range");
      return;
    }
  }
  resp->msg.code = OSCORE_CODE(2, 5);
  const char *etag = num == 0 ? etag0 : etag_later;
  coapx_response_add_opt(resp, OSCORE_OPT_ETAG, etag, strlen(etag));
  coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, cf);
  size_t n = len - off < bs ? len - off : bs;
  if (len > bs) {
    bool m = off + n < len;
    coapx_response_add_uint(resp, OSCORE_OPT_BLOCK2,
                            num << 4 | (uint32_t)m << 3 | szx);
    if (num == 0) coapx_response_add_uint(resp, OSCORE_OPT_SIZE2, (uint32_t)len);
  }
  if (n) {
    uint8_t *p = coapx_response_payload_space(resp, n);
    if (!p) {
      coapx_response_error(resp, OSCORE_CODE(5, 0), "no space");
      return;
    }
    for (size_t i = 0; i < n; i++) p[i] = data ? data[off + i] : pattern(off + i);
  }
}

static void handle_store(const coapx_request *req, coapx_response *resp) {
  const oscore_msg *m = req->msg;
  uint8_t code = m->code;
  if (code == OSCORE_CODE_GET) {
    if (!app.store_exists) {
      coapx_response_error(resp, OSCORE_CODE(4, 4), NULL);
      return;
    }
    serve_blocks(req, resp, app.store, app.store_len, 42, "st", "st");
    return;
  }
  if (code == OSCORE_CODE_DELETE) {
    if (!app.store_exists) {
      coapx_response_error(resp, OSCORE_CODE(4, 4), NULL);
      return;
    }
    app.store_exists = false;
    app.store_len = 0;
    resp->msg.code = OSCORE_CODE(2, 2);
    return;
  }
  if (code != OSCORE_CODE_PUT && code != OSCORE_CODE_POST) {
    coapx_response_error(resp, OSCORE_CODE(4, 5), NULL);
    return;
  }
  uint32_t num;
  bool more;
  unsigned szx;
  const oscore_opt *tag = opt(m, OSCORE_OPT_REQUEST_TAG);
  if (block_of(m, OSCORE_OPT_BLOCK1, &num, &more, &szx)) {
    size_t bs = (size_t)16 << szx;
    if (num == 0) {
      app.up_len = 0;
      app.up_active = true;
      app.up_tag_len = tag ? tag->value.len : 0;
      if (tag && tag->value.len <= sizeof app.up_tag)
        memcpy(app.up_tag, tag->value.ptr, tag->value.len);
    } else if (!app.up_active || (size_t)num * bs != app.up_len ||
               (tag ? tag->value.len : 0) != app.up_tag_len ||
               (tag && memcmp(tag->value.ptr, app.up_tag, app.up_tag_len))) {
      coapx_response_error(resp, OSCORE_CODE(4, 8), "out of sequence");
      return;
    }
    if (app.up_len + m->payload.len > STORE_MAX) {
      coapx_response_error(resp, OSCORE_CODE(4, 13), NULL);
      return;
    }
    memcpy(app.up + app.up_len, m->payload.ptr, m->payload.len);
    app.up_len += m->payload.len;
    if (more) {
      resp->msg.code = OSCORE_CODE(2, 31);
      coapx_response_add_uint(resp, OSCORE_OPT_BLOCK1,
                              num << 4 | 1u << 3 | szx);
      return;
    }
    memcpy(app.store, app.up, app.up_len);
    app.store_len = app.up_len;
    app.up_active = false;
    coapx_response_add_uint(resp, OSCORE_OPT_BLOCK1, num << 4 | szx);
  } else {
    if (m->payload.len > STORE_MAX) {
      coapx_response_error(resp, OSCORE_CODE(4, 13), NULL);
      return;
    }
    if (m->payload.len) memcpy(app.store, m->payload.ptr, m->payload.len);
    app.store_len = m->payload.len;
  }
  app.store_exists = true;
  if (code == OSCORE_CODE_POST) {
    resp->msg.code = OSCORE_CODE(2, 1);
    coapx_response_add_opt(resp, OSCORE_OPT_LOCATION_PATH, "store", 5);
  } else {
    resp->msg.code = OSCORE_CODE(2, 4);
  }
}

static void add_obs(coapx_observation *o, int final_after, size_t size) {
  for (int i = 0; i < MAX_OBS; i++) {
    if (!app.obs[i]) {
      obs_data *d = calloc(1, sizeof *d);
      if (!d) return;
      d->final_after = final_after;
      d->size = size;
      coapx_observation_set_data(o, d);
      app.obs[i] = o;
      return;
    }
  }
}

static void handle_obs(const coapx_request *req, coapx_response *resp,
                       int final_after, size_t size) {
  obs_data *d = req->observation && req->is_notification
                    ? coapx_observation_data(req->observation)
                    : NULL;
  if (d) {
    d->sent++;
    if (d->final_after && d->sent >= d->final_after) {
      coapx_response_error(resp, OSCORE_CODE(4, 4), "gone");
      return;
    }
  }
  if (req->observation && !req->is_notification) {
    resp->observe = true;
    add_obs(req->observation, final_after, size);
  }
  /* Numbered per observation, so that other clients' observations (or
   * ones a test abandoned) do not show up as gaps. */
  int n = d ? d->sent : 0;
  if (size) {
    /* Each representation differs in its first bytes; the rest is the
     * pattern, so that block-wise follow-ups are checkable. */
    static uint8_t rep[4096];
    for (size_t i = 0; i < size; i++) rep[i] = pattern(i);
    int k = snprintf((char *)rep, 16, "n=%08d", n);
    rep[k] = '\n';
    serve_blocks(req, resp, rep, size, 42, "ob", "ob");
    return;
  }
  char text[32];
  int k = snprintf(text, sizeof text, "n=%d", n);
  resp->msg.code = OSCORE_CODE(2, 5);
  coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, 0);
  coapx_response_set_payload(resp, text, (size_t)k);
}

static void handler(const coapx_request *req, coapx_response *resp,
                    void *arg) {
  (void)arg;
  const oscore_msg *m = req->msg;
  size_t n;
  if (path_is(m, "hello", NULL)) {
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, 0);
    coapx_response_set_payload(resp, "Hello world", 11);
  } else if (path_is(m, "empty", NULL)) {
    resp->msg.code = OSCORE_CODE(2, 5);
  } else if (path_num(m, "big", &n)) {
    serve_blocks(req, resp, NULL, n, 42, "ETAG", "ETAG");
  } else if (path_num(m, "changing", &n)) {
    serve_blocks(req, resp, NULL, n, 42, "v1", "v2");
  } else if (path_is(m, "store", NULL)) {
    handle_store(req, resp);
  } else if (path_is(m, "query", NULL)) {
    char out[512];
    size_t k = 0;
    for (size_t i = 0; i < m->n_opts; i++) {
      if (m->opts[i].number != OSCORE_OPT_URI_QUERY) continue;
      size_t l = m->opts[i].value.len;
      if (k + l + 2 > sizeof out) break;
      if (k) out[k++] = '&';
      memcpy(out + k, m->opts[i].value.ptr, l);
      k += l;
    }
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_set_payload(resp, out, k);
  } else if (path_is(m, "info", NULL) || opt(m, OSCORE_OPT_PROXY_URI)) {
    char out[400];
    uint32_t cf = 9999, acc = 9999;
    const oscore_opt *o;
    if ((o = opt(m, OSCORE_OPT_CONTENT_FORMAT))) oscore_opt_uint(o->value, &cf);
    if ((o = opt(m, OSCORE_OPT_ACCEPT))) oscore_opt_uint(o->value, &acc);
    const oscore_opt *h = opt(m, OSCORE_OPT_URI_HOST);
    const oscore_opt *ps = opt(m, OSCORE_OPT_PROXY_SCHEME);
    const oscore_opt *pu = opt(m, OSCORE_OPT_PROXY_URI);
    const oscore_opt *port = opt(m, OSCORE_OPT_URI_PORT);
    uint32_t portv = 0;
    if (port) oscore_opt_uint(port->value, &portv);
    int k = snprintf(out, sizeof out,
                     "code=%u cf=%u accept=%u host=%.*s port=%u len=%zu "
                     "proxy-scheme=%.*s proxy-uri=%.*s id=%s",
                     m->code, (unsigned)cf, (unsigned)acc,
                     h ? (int)h->value.len : 4,
                     h ? (const char *)h->value.ptr : "none", (unsigned)portv,
                     m->payload.len, ps ? (int)ps->value.len : 4,
                     ps ? (const char *)ps->value.ptr : "none",
                     pu ? (int)pu->value.len : 4,
                     pu ? (const char *)pu->value.ptr : "none",
                     req->identity ? req->identity : "anonymous");
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_set_payload(resp, out, (size_t)k);
  } else if (path_is(m, "link", NULL)) {
    const char *l = "</a>;ct=0,</b/>;ct=40,</c>;rt=\"x,y\"";
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, 40);
    coapx_response_set_payload(resp, l, strlen(l));
  } else if (path_is(m, "json", NULL)) {
    const char *j = "{\"a\":[1,2],\"b\":\"x\"}";
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, 50);
    coapx_response_set_payload(resp, j, strlen(j));
  } else if (path_is(m, "cbor", NULL)) {
    /* {1: [h'0102', "x"], -2: true} */
    static const uint8_t c[] = { 0xa2, 0x01, 0x82, 0x42, 0x01, 0x02, 0x61,
                                 0x78, 0x21, 0xf5 };
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, 60);
    coapx_response_set_payload(resp, c, sizeof c);
  } else if (path_is(m, "fail5", NULL)) {
    coapx_response_error(resp, OSCORE_CODE(5, 3), "try later");
  } else if (path_is(m, "obs", NULL)) {
    handle_obs(req, resp, 0, 0);
  } else if (path_is(m, "obs-final", NULL)) {
    handle_obs(req, resp, 3, 0);
  } else if (path_is(m, "obs-big", NULL)) {
    handle_obs(req, resp, 0, 3000);
  } else {
    coapx_response_error(resp, OSCORE_CODE(4, 4), NULL);
  }
}

static void on_obs_end(coapx_observation *o, coapx_obs_end why, void *arg) {
  (void)why;
  (void)arg;
  for (int i = 0; i < MAX_OBS; i++)
    if (app.obs[i] == o) app.obs[i] = NULL;
  free(coapx_observation_data(o));
}

int main(int argc, char **argv) {
  const char *creds_path = NULL;
  const char *bind = "127.0.0.1:0";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--credentials") && i + 1 < argc) creds_path = argv[++i];
    else if (!strcmp(argv[i], "--bind") && i + 1 < argc) bind = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--credentials FILE] [--bind HOST:PORT]\n",
              argv[0]);
      return 2;
    }
  }
  app.store = malloc(STORE_MAX);
  app.up = malloc(STORE_MAX);
  if (!app.store || !app.up) return 1;

  store_credentials *creds = NULL;
  if (creds_path) {
    store_diag diag = { .msg = "" };
    if (store_credentials_load(creds_path, &diag, &creds) != STORE_OK ||
        store_credentials_open_all(creds, &diag) != STORE_OK) {
      fprintf(stderr, "client_testserver: %s\n", diag.msg);
      store_credentials_close(creds, NULL);
      return 1;
    }
  }
  const char *binds[1] = { bind };
  coapx_server_config cfg = { .bind = binds, .n_bind = 1,
                              .credentials = creds, .handler = handler,
                              .on_observe_end = on_obs_end };
  coapx_server *srv;
  coapx_err e = coapx_server_new(&cfg, &srv);
  if (e) {
    fprintf(stderr, "client_testserver: %s\n", coapx_strerror(e));
    store_credentials_close(creds, NULL);
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  printf("port %u\n", coapx_server_port(srv, 0));
  fflush(stdout);

  struct timespec last;
  clock_gettime(CLOCK_MONOTONIC, &last);
  while (!stop) {
    coapx_server_run_once(srv, 20);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - last.tv_sec) * 1000 +
              (now.tv_nsec - last.tv_nsec) / 1000000;
    if (ms >= 100) {
      last = now;
      for (int i = 0; i < MAX_OBS; i++)
        if (app.obs[i]) coapx_server_notify(srv, app.obs[i]);
    }
  }
  coapx_server_free(srv);   /* closes the credentials: exact sequence state */
  free(app.store);
  free(app.up);
  return 0;
}
