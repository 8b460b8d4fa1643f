/* Unit tests of oscore-client's tables and renderings: methods, codes,
 * Content-Format names (IANA registry), pretty-printing of link-format,
 * JSON and CBOR (diagnostic notation, RFC 8949 §8), the failure hints. */
#include <stdlib.h>
#include "client_names.h"
#include "client_pretty.h"
#include "client_hints.h"
#include "unit.h"

static void test_methods(void) {
  uint8_t c;
  CHECK(client_method_parse("GET", &c) && c == 1);
  CHECK(client_method_parse("post", &c) && c == 2);
  CHECK(client_method_parse("iPATCH", &c) && c == 7);
  CHECK(client_method_parse("IPATCH", &c) && c == 7);
  CHECK(client_method_parse("Fetch", &c) && c == 5);
  CHECK(client_method_parse("31", &c) && c == 31);
  CHECK(!client_method_parse("0", &c));
  CHECK(!client_method_parse("32", &c));
  CHECK(!client_method_parse("", &c));
  CHECK(!client_method_parse("GETS", &c));
  CHECK(!client_method_parse("1x", &c));
  char buf[48];
  CHECK(strcmp(client_code_name(69, buf, sizeof buf), "2.05 Content") == 0);
  CHECK(strcmp(client_code_name(132, buf, sizeof buf), "4.04 Not Found") == 0);
  CHECK(strcmp(client_code_name(3, buf, sizeof buf), "PUT") == 0);
  CHECK(strcmp(client_code_name(0xff, buf, sizeof buf), "7.31") == 0);
}

static void test_cformats(void) {
  uint16_t cf;
  CHECK(client_cformat_parse("text/plain;charset=utf-8", &cf) && cf == 0);
  CHECK(client_cformat_parse("text/plain; charset=utf-8", &cf) && cf == 0);
  CHECK(client_cformat_parse("TEXT/PLAIN", &cf) && cf == 0);
  CHECK(client_cformat_parse("application/link-format", &cf) && cf == 40);
  CHECK(client_cformat_parse("application/cbor", &cf) && cf == 60);
  CHECK(client_cformat_parse("application/json", &cf) && cf == 50);
  CHECK(client_cformat_parse("application/octet-stream", &cf) && cf == 42);
  CHECK(client_cformat_parse("application/cose; cose-type=\"cose-sign1\"", &cf) &&
        cf == 18);
  CHECK(client_cformat_parse("application/yang-data+cbor;id=sid", &cf) &&
        cf == 140);
  CHECK(client_cformat_parse("65535", &cf) && cf == 65535);
  CHECK(client_cformat_parse("0", &cf) && cf == 0);
  CHECK(!client_cformat_parse("65536", &cf));
  CHECK(!client_cformat_parse("application/nothing", &cf));
  CHECK(!client_cformat_parse("", &cf));
  CHECK(!client_cformat_parse("application/json-", &cf));
  /* Short names: the media type without application/ or text/. */
  CHECK(client_cformat_parse("json", &cf) && cf == 50);
  CHECK(client_cformat_parse("CBOR", &cf) && cf == 60);
  CHECK(client_cformat_parse("text", &cf) && cf == 0);
  CHECK(client_cformat_parse("link-format", &cf) && cf == 40);
  CHECK(client_cformat_parse("octet-stream", &cf) && cf == 42);
  CHECK(client_cformat_parse("senml+json", &cf) && cf == 110);
  CHECK(client_cformat_parse("cbor-seq", &cf) && cf == 63);
  CHECK(client_cformat_parse("css", &cf) && cf == 20000);
  CHECK(!client_cformat_parse("plain", &cf));
  CHECK(!client_cformat_parse("cose", &cf));   /* only with parameters */
  CHECK(client_cformat_kind(60) == CLIENT_CF_CBOR);
  CHECK(client_cformat_kind(140) == CLIENT_CF_CBOR);
  CHECK(client_cformat_kind(61) == CLIENT_CF_CBOR);
  CHECK(client_cformat_kind(63) == CLIENT_CF_CBOR_SEQ);
  CHECK(client_cformat_kind(272) == CLIENT_CF_CBOR_SEQ);
  CHECK(client_cformat_kind(50) == CLIENT_CF_JSON);
  CHECK(client_cformat_kind(11543) == CLIENT_CF_JSON);
  CHECK(client_cformat_kind(40) == CLIENT_CF_LINK);
  CHECK(client_cformat_kind(0) == CLIENT_CF_OTHER);
  CHECK(client_cformat_kind(42) == CLIENT_CF_OTHER);
  CHECK(client_cformat_kind(9999) == CLIENT_CF_OTHER);
  CHECK(strcmp(client_cformat_name(40), "application/link-format") == 0);
  CHECK(client_cformat_name(1) == NULL);
}

/* Render into a string. */
static char *render(uint16_t cf, const void *body, size_t len, bool *ok) {
  char *mem = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&mem, &n);
  *ok = client_pretty_print(cf, body, len, f);
  fclose(f);
  return mem;
}

static void expect(uint16_t cf, const void *body, size_t len,
                   const char *want) {
  bool ok;
  char *got = render(cf, body, len, &ok);
  CHECK(ok);
  if (strcmp(got, want) != 0)
    fprintf(stderr, "got:\n%s\nwanted:\n%s\n", got, want);
  CHECK(strcmp(got, want) == 0);
  free(got);
}

static void expect_refused(uint16_t cf, const void *body, size_t len) {
  bool ok;
  char *got = render(cf, body, len, &ok);
  CHECK(!ok);
  CHECK(got[0] == '\0');      /* nothing half-rendered */
  free(got);
}

static void test_pretty(void) {
  const char *l = "</a>;ct=0,</b,c>;rt=\"x,y\",</d>";
  expect(40, l, strlen(l), "</a>;ct=0,\n</b,c>;rt=\"x,y\",\n</d>\n");
  const char *j = "{\"a\":[1,2]}";
  /* jq's layout: two spaces, no tabs, one member per line. */
  expect(50, j, strlen(j), "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n");
  const char *j2 = "[0.1, 1e300, -12, 2.5e-7, {}, [], \"t\\u00e4b\\t\\u0001\", "
                   "true, null]";
  expect(50, j2, strlen(j2), "[\n  0.1,\n  1e+300,\n  -12,\n  2.5e-07,\n  {},\n"
         "  [],\n  \"t\xc3\xa4" "b\\t\\u0001\",\n  true,\n  null\n]\n");
  expect_refused(50, "{\"a\":", 5);

  /* {1: [h'0102', "x\n"], -2: true, "f": 1.5} */
  static const uint8_t c1[] = { 0xa3, 0x01, 0x82, 0x42, 0x01, 0x02, 0x62,
                                0x78, 0x0a, 0x21, 0xf5, 0x61, 0x66, 0xf9,
                                0x3e, 0x00 };
  expect(60, c1, sizeof c1,
         "{\n  1: [\n    h'0102',\n    \"x\\n\"\n  ],\n  -2: true,\n"
         "  \"f\": 1.5\n}\n");
  /* 1(1000000), [_ null, undefined], 1.0, -18446744073709551616 */
  static const uint8_t tag[] = { 0xc1, 0x1a, 0x00, 0x0f, 0x42, 0x40 };
  expect(60, tag, sizeof tag, "1(1000000)\n");
  static const uint8_t indef[] = { 0x9f, 0xf6, 0xf7, 0xff };
  expect(60, indef, sizeof indef, "[_ \n  null,\n  undefined\n]\n");
  static const uint8_t one[] = { 0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0 };
  expect(60, one, sizeof one, "1.0\n");
  /* Floats in their shortest round-trip form, at their own width. */
  static const uint8_t tenth[] = { 0xfb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99,
                                   0x99, 0x9a };
  expect(60, tenth, sizeof tenth, "0.1\n");
  static const uint8_t tenth32[] = { 0xfa, 0x3d, 0xcc, 0xcc, 0xcd };
  expect(60, tenth32, sizeof tenth32, "0.1\n");
  static const uint8_t big[] = { 0xfb, 0x7e, 0x37, 0xe4, 0x3c, 0x88, 0x00,
                                 0x75, 0x9c };
  expect(60, big, sizeof big, "1e+300\n");
  static const uint8_t minneg[] = { 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff };
  expect(60, minneg, sizeof minneg, "-18446744073709551616\n");
  /* A CBOR sequence (63): items separated by commas. */
  static const uint8_t seq[] = { 0x01, 0x80, 0x61, 0x61 };
  expect(63, seq, sizeof seq, "1,\n[],\n\"a\"\n");
  /* Not one item (trailing bytes), truncated, too deep: raw instead. */
  static const uint8_t two[] = { 0x01, 0x02 };
  expect_refused(60, two, sizeof two);
  static const uint8_t cut[] = { 0x82, 0x01 };
  expect_refused(60, cut, sizeof cut);
  uint8_t deep[200];
  memset(deep, 0x81, sizeof deep - 1);
  deep[sizeof deep - 1] = 0x00;
  expect_refused(60, deep, sizeof deep);
  expect_refused(60, "", 0);
  /* Not a known format at all. */
  CHECK(!client_pretty_supported(0));
  CHECK(!client_pretty_supported(42));
  CHECK(client_pretty_supported(40) && client_pretty_supported(60) &&
        client_pretty_supported(50) && client_pretty_supported(63));
}

/* Hints: which failures get a sentence about their cause. */
static void test_hints(void) {
  CHECK(client_hint_uri_scheme("localhost:5683/x"));
  CHECK(client_hint_uri_scheme("localhost"));
  CHECK(client_hint_uri_scheme("[::1]:5683/a?b"));
  CHECK(client_hint_uri_scheme("host/path"));
  CHECK(!client_hint_uri_scheme("coap://h/"));
  CHECK(!client_hint_uri_scheme("/path"));
  CHECK(!client_hint_uri_scheme("urn:a:b"));
  CHECK(!client_hint_uri_scheme("mailto:x"));
  CHECK(!client_hint_uri_scheme(""));
  CHECK(!client_hint_uri_scheme("[::1"));
  const char *h = client_hint_unprotected(130, "Bad Option", false);
  CHECK(h && strstr(h, "does not speak OSCORE"));
  CHECK(client_hint_unprotected(130, "", false) != NULL);
  CHECK(client_hint_unprotected(130, "Failed to decode COSE", false) == NULL);
  h = client_hint_unprotected(129, "Replay detected", true);
  CHECK(h && strstr(h, "holds state for this sender ID"));
  CHECK(client_hint_unprotected(129, "Replay detected", false) == NULL);
  h = client_hint_unprotected(129, "Security context not found", false);
  CHECK(h && strstr(h, "no context for this sender ID"));
  h = client_hint_unprotected(128, "Decryption failed", false);
  CHECK(h && strstr(h, "keys differ"));
  CHECK(client_hint_unprotected(160, "oops", true) == NULL);
}

int main(void) {
  test_methods();
  test_cformats();
  test_pretty();
  test_hints();
  return unit_summary("test_client_names");
}
