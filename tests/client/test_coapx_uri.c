/* Unit tests of the client engine's pure parts: URI parsing and the
 * options it yields (RFC 7252 §6.4, §6.5 for proxies), and the Block
 * option codec (RFC 7959 §2.2). */
#include <stdlib.h>
#include "coapx_block.h"
#include "coapx_uri.h"
#include "unit.h"

static bool seg_is(oscore_bytes b, const char *s) {
  return b.len == strlen(s) && memcmp(b.ptr, s, b.len) == 0;
}

static void test_parse_basic(void) {
  coapx_uri u;
  const char *why;
  CHECK_EQ_INT(coapx_uri_parse("CoAP://Example.COM/a/b%20c/?x=1&y=%26&z",
                               &u, &why), COAPX_OK);
  CHECK(strcmp(u.scheme, "coap") == 0);
  CHECK(u.is_coap);
  CHECK(strcmp(u.host, "example.com") == 0);
  CHECK(!u.host_is_literal);
  CHECK_EQ_INT(u.port, 5683);
  CHECK(!u.has_port);
  CHECK_EQ_INT(u.n_path, 3);
  CHECK(seg_is(u.path[0], "a"));
  CHECK(seg_is(u.path[1], "b c"));
  CHECK(seg_is(u.path[2], ""));          /* trailing slash: empty segment */
  CHECK_EQ_INT(u.n_query, 3);
  CHECK(seg_is(u.query[0], "x=1"));
  CHECK(seg_is(u.query[1], "y=&"));
  CHECK(seg_is(u.query[2], "z"));
  CHECK(strcmp(u.normal, "coap://example.com/a/b%20c/?x=1&y=%26&z") == 0);
  coapx_uri_free(&u);

  CHECK_EQ_INT(coapx_uri_parse("coap://h", &u, &why), COAPX_OK);
  CHECK_EQ_INT(u.n_path, 0);
  CHECK_EQ_INT(u.n_query, 0);
  CHECK(strcmp(u.normal, "coap://h/") == 0);   /* aiocoap's form for maps */
  coapx_uri_free(&u);

  CHECK_EQ_INT(coapx_uri_parse("coap://h/", &u, &why), COAPX_OK);
  CHECK_EQ_INT(u.n_path, 0);                   /* "/" alone: no Uri-Path */
  coapx_uri_free(&u);

  CHECK_EQ_INT(coapx_uri_parse("coap://h/?", &u, &why), COAPX_OK);
  CHECK_EQ_INT(u.n_query, 0);
  CHECK(strcmp(u.normal, "coap://h/") == 0);
  coapx_uri_free(&u);
}

static void test_parse_hosts(void) {
  coapx_uri u;
  const char *why;
  CHECK_EQ_INT(coapx_uri_parse("coap://127.0.0.1:1234/x", &u, &why), COAPX_OK);
  CHECK(u.host_is_literal && !u.host_is_ipv6);
  CHECK(strcmp(u.host, "127.0.0.1") == 0);
  CHECK_EQ_INT(u.port, 1234);
  CHECK(u.has_port);
  coapx_uri_free(&u);

  CHECK_EQ_INT(coapx_uri_parse("coap://[2001:DB8::1]:5684", &u, &why),
               COAPX_OK);
  CHECK(u.host_is_literal && u.host_is_ipv6);
  CHECK(strcmp(u.host, "2001:db8::1") == 0);
  CHECK_EQ_INT(u.port, 5684);
  coapx_uri_free(&u);

  CHECK_EQ_INT(coapx_uri_parse("coap://[fe80::1%25eth0]/", &u, &why),
               COAPX_OK);
  CHECK(strcmp(u.host, "fe80::1%eth0") == 0);  /* zone decoded for getaddrinfo */
  coapx_uri_free(&u);

  /* 256.1.1.1 is a (strange) name, not an IPv4 literal. */
  CHECK_EQ_INT(coapx_uri_parse("coap://256.1.1.1/", &u, &why), COAPX_OK);
  CHECK(!u.host_is_literal);
  coapx_uri_free(&u);

  CHECK_EQ_INT(coapx_uri_parse("http://example.com/p", &u, &why), COAPX_OK);
  CHECK(!u.is_coap);
  CHECK_EQ_INT(u.port, 0);
  CHECK(!u.is_sendable);
  coapx_uri_free(&u);

  /* coap+tcp (RFC 8323 §8.2): sent directly, over TCP, default port 5683;
   * coaps+tcp is not (yet) ours. */
  CHECK_EQ_INT(coapx_uri_parse("COAP+TCP://h/x", &u, &why), COAPX_OK);
  CHECK(u.is_sendable && !u.is_coap);
  CHECK_EQ_INT(u.transport, COAPX_TRANSPORT_TCP);
  CHECK_EQ_INT(u.port, 5683);
  CHECK(strcmp(u.normal, "coap+tcp://h/x") == 0);
  coapx_uri_free(&u);
  CHECK_EQ_INT(coapx_uri_parse("coap://h/x", &u, &why), COAPX_OK);
  CHECK(u.is_sendable && u.transport == COAPX_TRANSPORT_UDP);
  coapx_uri_free(&u);
  /* coaps:// is DTLS, port 5684 by default. */
  CHECK_EQ_INT(coapx_uri_parse("coaps://h/x", &u, &why), COAPX_OK);
  CHECK(u.is_sendable && u.transport == COAPX_TRANSPORT_DTLS);
  CHECK_EQ_INT(u.port, 5684);
  coapx_uri_free(&u);
  /* coaps+tcp:// is TLS, port 5684 by default too (RFC 8323 §8.2). */
  CHECK_EQ_INT(coapx_uri_parse("coaps+tcp://h/x", &u, &why), COAPX_OK);
  CHECK(u.is_sendable && u.transport == COAPX_TRANSPORT_TLS);
  CHECK_EQ_INT(u.port, 5684);
  coapx_uri_free(&u);
  CHECK_EQ_INT(coapx_uri_parse("coap+ws://h/x", &u, &why), COAPX_OK);
  CHECK(!u.is_sendable);
  coapx_uri_free(&u);

  CHECK_EQ_INT(coapx_uri_parse("coap://h:/", &u, &why), COAPX_OK);
  CHECK_EQ_INT(u.port, 5683);          /* RFC 3986: an empty port is absent */
  CHECK(!u.has_port);
  coapx_uri_free(&u);
}

static void test_parse_errors(void) {
  static const char *const bad[] = {
    "", "coap", "coap:", "coap:/h/", "coap:h", "/a/b", "1coap://h/",
    "coap://", "coap:///path", "coap://[::1/", "coap://[::1]x/",
    "coap://[zz::1]/", "coap://h:0/", "coap://h:65536/", "coap://h:12a/",
    "coap://h/a%2", "coap://h/a%g0", "coap://h/?q=%", "coap://h/#frag",
    "coap://user@h/", "coap://h/a b", "coap://h%00x/",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    coapx_uri u;
    const char *why = NULL;
    coapx_err e = coapx_uri_parse(bad[i], &u, &why);
    if (e != COAPX_ERR_URI) fprintf(stderr, "accepted: '%s'\n", bad[i]);
    CHECK_EQ_INT(e, COAPX_ERR_URI);
    CHECK(why && *why);
    CHECK(u.buf == NULL && u.path == NULL);    /* nothing left to free */
  }
  /* A 256-byte path segment does not fit Uri-Path. */
  char longseg[300] = "coap://h/";
  memset(longseg + 9, 'a', 256);
  longseg[9 + 256] = '\0';
  coapx_uri u;
  CHECK_EQ_INT(coapx_uri_parse(longseg, &u, NULL), COAPX_ERR_URI);
}

static const oscore_opt *nth(const oscore_msg *m, size_t i) {
  return i < m->n_opts ? &m->opts[i] : NULL;
}

static void test_options(void) {
  coapx_uri u;
  oscore_opt opts[16];
  oscore_msg m;

  /* Direct, name: Uri-Host, no Uri-Port, path, query, sorted. */
  CHECK_EQ_INT(coapx_uri_parse("coap://Host.example:999/a/b?q", &u, NULL),
               COAPX_OK);
  oscore_msg_init(&m, opts, 16);
  CHECK_EQ_INT(coapx_uri_add_options(&u, COAPX_TARGET_DIRECT, true, &m),
               COAPX_OK);
  CHECK_EQ_INT(m.n_opts, 4);
  CHECK(nth(&m, 0)->number == OSCORE_OPT_URI_HOST &&
        seg_is(nth(&m, 0)->value, "host.example"));
  CHECK(nth(&m, 1)->number == OSCORE_OPT_URI_PATH &&
        seg_is(nth(&m, 1)->value, "a"));
  CHECK(nth(&m, 2)->number == OSCORE_OPT_URI_PATH &&
        seg_is(nth(&m, 2)->value, "b"));
  CHECK(nth(&m, 3)->number == OSCORE_OPT_URI_QUERY &&
        seg_is(nth(&m, 3)->value, "q"));
  /* --no-set-hostname */
  oscore_msg_init(&m, opts, 16);
  CHECK_EQ_INT(coapx_uri_add_options(&u, COAPX_TARGET_DIRECT, false, &m),
               COAPX_OK);
  CHECK_EQ_INT(m.n_opts, 3);
  CHECK(nth(&m, 0)->number == OSCORE_OPT_URI_PATH);
  /* Through a proxy: Proxy-Scheme, Uri-Host, Uri-Port as spelled. */
  oscore_msg_init(&m, opts, 16);
  CHECK_EQ_INT(coapx_uri_add_options(&u, COAPX_TARGET_PROXY, false, &m),
               COAPX_OK);
  CHECK_EQ_INT(m.n_opts, 6);
  CHECK(nth(&m, 0)->number == OSCORE_OPT_URI_HOST);
  CHECK(nth(&m, 1)->number == OSCORE_OPT_URI_PORT &&
        nth(&m, 1)->value.len == 2 && nth(&m, 1)->value.ptr[0] == 0x03 &&
        nth(&m, 1)->value.ptr[1] == 0xe7);
  CHECK(nth(&m, 5)->number == OSCORE_OPT_PROXY_SCHEME &&
        seg_is(nth(&m, 5)->value, "coap"));
  /* Too small an option array. */
  oscore_msg_init(&m, opts, 2);
  CHECK_EQ_INT(coapx_uri_add_options(&u, COAPX_TARGET_DIRECT, true, &m),
               COAPX_ERR_TOO_MANY_OPTIONS);
  coapx_uri_free(&u);

  /* Direct, IP literal: no Uri-Host at all (§6.4 step 5). */
  CHECK_EQ_INT(coapx_uri_parse("coap://[::1]/x", &u, NULL), COAPX_OK);
  oscore_msg_init(&m, opts, 16);
  CHECK_EQ_INT(coapx_uri_add_options(&u, COAPX_TARGET_DIRECT, true, &m),
               COAPX_OK);
  CHECK_EQ_INT(m.n_opts, 1);
  /* Proxy: the literal keeps its brackets so that §6.5 rebuilds a URI. */
  oscore_msg_init(&m, opts, 16);
  CHECK_EQ_INT(coapx_uri_add_options(&u, COAPX_TARGET_PROXY, true, &m),
               COAPX_OK);
  CHECK(nth(&m, 0)->number == OSCORE_OPT_URI_HOST &&
        seg_is(nth(&m, 0)->value, "[::1]"));
  coapx_uri_free(&u);

  /* Another scheme: only through a proxy, as Proxy-Uri. */
  CHECK_EQ_INT(coapx_uri_parse("http://example.com/a?b", &u, NULL), COAPX_OK);
  oscore_msg_init(&m, opts, 16);
  CHECK_EQ_INT(coapx_uri_add_options(&u, COAPX_TARGET_DIRECT, true, &m),
               COAPX_ERR_INVALID_ARG);
  oscore_msg_init(&m, opts, 16);
  CHECK_EQ_INT(coapx_uri_add_options(&u, COAPX_TARGET_PROXY, true, &m),
               COAPX_OK);
  CHECK_EQ_INT(m.n_opts, 1);
  CHECK(nth(&m, 0)->number == OSCORE_OPT_PROXY_URI &&
        seg_is(nth(&m, 0)->value, "http://example.com/a?b"));
  coapx_uri_free(&u);
}

/* The EDHOC resource on a request URI's origin (EDHOC through a proxy):
 * scheme, host (bracketed literal, case) and port kept, path and query
 * replaced. */
static void test_on_origin(void) {
  coapx_uri u, w;
  oscore_opt opts[16];
  oscore_msg m;
  CHECK_EQ_INT(coapx_uri_parse("coap://Host.Example:999/a/b?q", &u, NULL),
               COAPX_OK);
  CHECK_EQ_INT(coapx_uri_on_origin(&u, "/.well-known/edhoc", &w), COAPX_OK);
  CHECK(strcmp(w.normal, "coap://host.example:999/.well-known/edhoc") == 0);
  oscore_msg_init(&m, opts, 16);
  CHECK_EQ_INT(coapx_uri_add_options(&w, COAPX_TARGET_PROXY, true, &m),
               COAPX_OK);
  CHECK_EQ_INT(m.n_opts, 5);
  CHECK(nth(&m, 0)->number == OSCORE_OPT_URI_HOST &&
        seg_is(nth(&m, 0)->value, "host.example"));
  CHECK(nth(&m, 1)->number == OSCORE_OPT_URI_PORT);
  CHECK(nth(&m, 2)->number == OSCORE_OPT_URI_PATH &&
        seg_is(nth(&m, 2)->value, ".well-known"));
  CHECK(nth(&m, 3)->number == OSCORE_OPT_URI_PATH &&
        seg_is(nth(&m, 3)->value, "edhoc"));
  CHECK(nth(&m, 4)->number == OSCORE_OPT_PROXY_SCHEME);
  coapx_uri_free(&w);
  coapx_uri_free(&u);

  /* No path and a query only; an IPv6 literal with a zone. */
  CHECK_EQ_INT(coapx_uri_parse("coap://[fe80::1%25eth0]?x", &u, NULL),
               COAPX_OK);
  CHECK_EQ_INT(coapx_uri_on_origin(&u, "/p", &w), COAPX_OK);
  CHECK(strcmp(w.normal, "coap://[fe80::1%25eth0]/p") == 0);
  CHECK(w.host_is_ipv6 && !w.has_port && w.n_query == 0);
  coapx_uri_free(&w);
  /* A relative path is refused. */
  CHECK_EQ_INT(coapx_uri_on_origin(&u, "p", &w), COAPX_ERR_INVALID_ARG);
  coapx_uri_free(&u);

  /* Another scheme keeps its scheme (Proxy-Uri through the proxy). */
  CHECK_EQ_INT(coapx_uri_parse("coap+tcp://h:5/x", &u, NULL), COAPX_OK);
  CHECK_EQ_INT(coapx_uri_on_origin(&u, "/.well-known/edhoc", &w), COAPX_OK);
  CHECK(strcmp(w.text, "coap+tcp://h:5/.well-known/edhoc") == 0);
  coapx_uri_free(&w);
  coapx_uri_free(&u);
}

static void test_block(void) {
  uint8_t buf[3];
  coapx_block b = { 0, false, 0 }, d;
  CHECK_EQ_INT(coapx_block_encode(&b, buf), 0);      /* all zero: empty */
  CHECK_EQ_INT(coapx_block_decode(OSCORE_BYTES(buf, 0), &d), COAPX_OK);
  CHECK(d.num == 0 && !d.more && d.szx == 0);

  b = (coapx_block){ 1, true, 6 };
  CHECK_EQ_INT(coapx_block_encode(&b, buf), 1);
  CHECK_EQ_INT(buf[0], 0x1e);
  b = (coapx_block){ 16, false, 6 };
  CHECK_EQ_INT(coapx_block_encode(&b, buf), 2);
  CHECK(buf[0] == 0x01 && buf[1] == 0x06);
  b = (coapx_block){ COAPX_BLOCK_MAX_NUM, true, 2 };
  CHECK_EQ_INT(coapx_block_encode(&b, buf), 3);
  CHECK_EQ_INT(coapx_block_decode(OSCORE_BYTES(buf, 3), &d), COAPX_OK);
  CHECK(d.num == COAPX_BLOCK_MAX_NUM && d.more && d.szx == 2);

  b = (coapx_block){ COAPX_BLOCK_MAX_NUM + 1, false, 0 };
  CHECK(!coapx_block_valid(&b));
  CHECK_EQ_INT(coapx_block_encode(&b, buf), 0);
  b = (coapx_block){ 0, false, 7 };
  CHECK(!coapx_block_valid(&b));

  static const uint8_t bert[1] = { 0x07 }, four[4] = { 0, 0, 0, 0x10 };
  CHECK_EQ_INT(coapx_block_decode(OSCORE_BYTES(bert, 1), &d),
               COAPX_ERR_PROTOCOL);                  /* BERT over UDP */
  CHECK_EQ_INT(coapx_block_decode(OSCORE_BYTES(four, 4), &d),
               COAPX_ERR_PROTOCOL);
  /* Over TCP BERT is one 1024-byte unit (our CSM's Max-Message-Size). */
  static const uint8_t bert_n[2] = { 0x01, 0x2f };   /* NUM 18, M, SZX 7 */
  CHECK_EQ_INT(coapx_block_decode_bert(OSCORE_BYTES(bert_n, 2), true, &d),
               COAPX_OK);
  CHECK(d.num == 18 && d.more && d.szx == 6);
  CHECK_EQ_INT(coapx_block_decode_bert(OSCORE_BYTES(bert_n, 2), false, &d),
               COAPX_ERR_PROTOCOL);
  CHECK_EQ_INT(coapx_block_size(0), 16);
  CHECK_EQ_INT(coapx_block_size(6), 1024);
}

int main(void) {
  test_parse_basic();
  test_parse_hosts();
  test_parse_errors();
  test_options();
  test_on_origin();
  test_block();
  return unit_summary("test_coapx_uri");
}
