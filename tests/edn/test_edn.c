/* src/edn: diagnostic notation to CBOR bytes (RFC 8949 §8, Appendix A
 * examples), the error positions, and float preferred serialization
 * checked over every binary16 value. */
#include <math.h>
#include <stdlib.h>
#include "unit.h"
#include "edn.h"

static void check_enc(const char *edn, const char *hex, int line) {
  uint8_t want[512], *got = NULL;
  size_t n = 0;
  long wn = unit_hex(hex, want, sizeof want);
  edn_error err = {0};
  bool ok = edn_encode(edn, strlen(edn), &got, &n, &err);
  unit_checks++;
  if (!ok || wn < 0 || n != (size_t)wn || memcmp(got, want, n) != 0) {
    unit_failures++;
    fprintf(stderr, "line %d: %s: ", line, edn);
    if (!ok) fprintf(stderr, "error at %zu: %s\n", err.offset, err.what);
    else {
      for (size_t i = 0; i < n; i++) fprintf(stderr, "%02x", got[i]);
      fprintf(stderr, " instead of %s\n", hex);
    }
  }
  free(got);
}
#define ENC(edn, hex) check_enc(edn, hex, __LINE__)

static void check_err(const char *edn, size_t offset, size_t line_no,
                      size_t col, int line) {
  edn_error err = {0};
  cbor_item_t *it = edn_parse(edn, strlen(edn), &err);
  unit_checks++;
  if (it || err.offset != offset || err.line != line_no || err.column != col ||
      !err.what) {
    unit_failures++;
    fprintf(stderr, "line %d: %s: %s at %zu (%zu:%zu), want %zu (%zu:%zu)\n",
            line, edn, it ? "accepted" : err.what, err.offset, err.line,
            err.column, offset, line_no, col);
  }
  if (it) cbor_decref(&it);
}
#define ERR(edn, off, l, c) check_err(edn, off, l, c, __LINE__)

static void rfc8949_appendix_a(void) {
  ENC("0", "00");
  ENC("23", "17");
  ENC("24", "1818");
  ENC("1000000", "1a000f4240");
  ENC("1000000000000", "1b000000e8d4a51000");
  ENC("18446744073709551615", "1bffffffffffffffff");
  ENC("18446744073709551616", "c249010000000000000000");
  ENC("-18446744073709551616", "3bffffffffffffffff");
  ENC("-18446744073709551617", "c349010000000000000000");
  ENC("-1", "20");
  ENC("-1000", "3903e7");
  ENC("9007199254740993", "1b0020000000000001"); /* 2^53 + 1, exact */
  ENC("0.0", "f90000");
  ENC("-0.0", "f98000");
  ENC("1.0", "f93c00");
  ENC("1.1", "fb3ff199999999999a");
  ENC("1.5", "f93e00");
  ENC("65504.0", "f97bff");
  ENC("100000.0", "fa47c35000");
  ENC("3.4028234663852886e+38", "fa7f7fffff");
  ENC("1.0e+300", "fb7e37e43c8800759c");
  /* Appendix A says f90001; libcbor 0.8 cannot encode half subnormals,
   * so the exact single is the shortest we can give (edn.h). */
  ENC("5.960464477539063e-8", "fa33800000");
  ENC("0.00006103515625", "f90400");
  ENC("-4.0", "f9c400");
  ENC("-4.1", "fbc010666666666666");
  ENC("Infinity", "f97c00");
  ENC("NaN", "f97e00");
  ENC("-Infinity", "f9fc00");
  ENC("false", "f4");
  ENC("true", "f5");
  ENC("null", "f6");
  ENC("undefined", "f7");
  ENC("simple(16)", "f0");
  ENC("simple(255)", "f8ff");
  ENC("0(\"2013-03-21T20:04:00Z\")", "c074323031332d30332d32315432303a30343a30305a");
  ENC("1(1363896240)", "c11a514b67b0");
  ENC("23(h'01020304')", "d74401020304");
  ENC("24(h'6449455446')", "d818456449455446");
  ENC("32(\"http://www.example.com\")", "d82076687474703a2f2f7777772e6578616d706c652e636f6d");
  ENC("h''", "40");
  ENC("h'01020304'", "4401020304");
  ENC("\"\"", "60");
  ENC("\"a\"", "6161");
  ENC("\"IETF\"", "6449455446");
  ENC("\"\\\"\\\\\"", "62225c");
  ENC("\"\\u00fc\"", "62c3bc");
  ENC("\"\\u6c34\"", "63e6b0b4");
  ENC("\"\\ud800\\udd51\"", "64f0908591");
  ENC("\"\xc3\xbc\"", "62c3bc");
  ENC("[]", "80");
  ENC("[1, 2, 3]", "83010203");
  ENC("[1, [2, 3], [4, 5]]", "8301820203820405");
  ENC("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, "
      "20, 21, 22, 23, 24, 25]",
      "98190102030405060708090a0b0c0d0e0f101112131415161718181819");
  ENC("{}", "a0");
  ENC("{1: 2, 3: 4}", "a201020304");
  ENC("{\"a\": 1, \"b\": [2, 3]}", "a26161016162820203");
  ENC("[\"a\", {\"b\": \"c\"}]", "826161a161626163");
  ENC("{_ \"a\": 1, \"b\": [_ 2, 3]}", "bf61610161629f0203ffff");
  ENC("[_ ]", "9fff");
}

static void edn_extras(void) {
  ENC("{\"a\":1}", "a1616101");                      /* the issue's example */
  ENC("  [1 , 2]  \n", "820102");
  ENC("h'01 02\n 0a / a comment / FF'", "440102" "0aff");
  ENC("h'01 # to the end\n 02'", "420102");
  ENC("b64'AQID'", "43010203");
  ENC("b64'AQI='", "420102");
  ENC("b64'AQI'", "420102");
  ENC("b64'-_8'", "42fbff");
  ENC("b64'+/8='", "42fbff");
  ENC("'hello'", "4568656c6c6f");
  ENC("'it\\'s'", "4469742773");
  ENC("<<1, \"a\">>", "43016161");
  ENC("<<>>", "40");
  ENC("/ comment / {1: h'AA'} # trailing", "a10141aa");
  ENC("{h'01': 1, [1]: 2, 1.5: null}", "a34101018101" "02f93e00f6");
  ENC("0x1f", "181f");
  ENC("-0x10", "2f");
  ENC("0b101", "05");
  ENC("0o17", "0f");
  ENC("-0", "00");
  ENC("1e3", "f963d0");
  ENC("[1,2,]", "820102");
  ENC("60(1)", "d83c01");
  ENC("18446744073709551615(0)", "dbffffffffffffffff00");
  ENC("0.1", "fb3fb999999999999a");
  ENC("1e400", "f97c00");
}

static void errors(void) {
  ERR("", 0, 1, 1);
  ERR("{\"a\":1", 6, 1, 7);
  ERR("{\"a\" 1}", 5, 1, 6);
  ERR("[1,\n 2 3]", 7, 2, 4);
  ERR("h'0'", 3, 1, 4);
  ERR("h'0g'", 3, 1, 4);
  ERR("h'00", 0, 1, 1);
  ERR("\"abc", 0, 1, 1);
  ERR("\"a\nb\"", 2, 1, 3);
  ERR("\"\xff\"", 1, 1, 2);
  ERR("\"\xc0\xaf\"", 1, 1, 2);                   /* overlong */
  ERR("\"\\ud800\"", 1, 1, 2);
  ERR("\"\\q\"", 1, 1, 2);
  ERR("1 2", 2, 1, 3);
  ERR("tru", 0, 1, 1);
  ERR("simple(24)", 7, 1, 8);
  ERR("simple(256)", 7, 1, 8);
  ERR("/ open", 0, 1, 1);
  ERR("1.", 2, 1, 3);
  ERR("1e", 2, 1, 3);
  ERR("-", 1, 1, 2);
  ERR("0x", 2, 1, 3);
  ERR("b64'A'", 5, 1, 6);
  ERR("b64'A*'", 5, 1, 6);
  ERR("dt'x'", 0, 1, 1);
  ERR("18446744073709551616(1)", 0, 1, 1);
  ERR("1(2", 3, 1, 4);
  ERR("<<1", 3, 1, 4);
  ERR("@", 0, 1, 1);
  char deep[EDN_MAX_DEPTH + 2];
  memset(deep, '[', sizeof deep - 1);
  deep[sizeof deep - 1] = '\0';
  ERR(deep, EDN_MAX_DEPTH, 1, EDN_MAX_DEPTH + 1);
  /* Not NUL-terminated: the length is the bound. */
  edn_error err;
  cbor_item_t *it = edn_parse("[1]xyz", 3, &err);
  CHECK(it != NULL);
  if (it) cbor_decref(&it);
  it = edn_parse("[1", 2, NULL);
  CHECK(it == NULL);
  char big[2000];
  memset(big, '9', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ERR(big, 0, 1, 1);
}

/* Every finite normal binary16 value (and zero), written with %.17g,
 * comes back as that half (3 bytes, same bits): the shortest form is
 * always chosen. Subnormals come back as the single of the same value. */
static void all_halves(void) {
  int bad = 0;
  for (unsigned h = 0; h < 0x10000; h++) {
    unsigned e = h >> 10 & 0x1f, m = h & 0x3ff;
    if (e == 0x1f) continue;
    double v = e ? ldexp(1024 + m, (int)e - 25) : ldexp(m, -24);
    if (h & 0x8000) v = -v;
    char text[64];
    snprintf(text, sizeof text, "%.17g", v);
    if (!strpbrk(text, ".e")) strcat(text, ".0");
    uint8_t *out = NULL;
    size_t n = 0;
    edn_error err;
    bool ok = edn_encode(text, strlen(text), &out, &n, &err);
    if (ok && e == 0 && m != 0) {
      float f;
      uint32_t bits = n == 5 && out[0] == 0xfa
                          ? (uint32_t)out[1] << 24 | (uint32_t)out[2] << 16 |
                                (uint32_t)out[3] << 8 | out[4]
                          : 0;
      memcpy(&f, &bits, sizeof f);
      ok = n == 5 && (double)f == v;
    } else if (ok) {
      ok = n == 3 && out[0] == 0xf9 && (unsigned)(out[1] << 8 | out[2]) == h;
    }
    if (!ok) {
      if (bad++ < 5) fprintf(stderr, "half %04x (%s) encoded wrongly\n", h, text);
    }
    free(out);
  }
  CHECK_EQ_INT(bad, 0);
}

/* edn_item_free_wiped: every string of a tree nobody else holds is
 * zeroed (seen through an extra reference to one leaf, which keeps that
 * leaf alive); a tree someone else holds is left intact. */
static void free_wiped(void) {
  const char *text = "{\"k\": h'0102030405', 1: [\"secret\", 7(h'aa')]}";
  cbor_item_t *top = edn_parse(text, strlen(text), NULL);
  CHECK(top != NULL);
  if (!top) return;
  cbor_item_t *bytes = cbor_incref(cbor_map_handle(top)[0].value);
  cbor_item_t *str = cbor_incref(
      cbor_array_handle(cbor_map_handle(top)[1].value)[0]);
  cbor_item_t *held = cbor_incref(top);
  edn_item_free_wiped(&held);            /* another reference: untouched */
  CHECK(held == NULL);
  CHECK_MEM(cbor_bytestring_handle(bytes), cbor_bytestring_length(bytes),
            "\x01\x02\x03\x04\x05", 5);
  edn_item_free_wiped(&top);             /* the last reference: wiped */
  CHECK(top == NULL);
  static const uint8_t zeros[6];
  CHECK_MEM(cbor_bytestring_handle(bytes), cbor_bytestring_length(bytes),
            zeros, 5);
  CHECK_MEM(cbor_string_handle(str), cbor_string_length(str), zeros, 6);
  cbor_decref(&bytes);
  cbor_decref(&str);
  edn_item_free_wiped(&top);             /* NULL: nothing */
}

int main(void) {
  free_wiped();
  rfc8949_appendix_a();
  edn_extras();
  errors();
  all_halves();
  return unit_summary("test_edn");
}
