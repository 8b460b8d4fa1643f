/* OSCORE option value codec (RFC 8613 §6.1): the values of the Appendix C
 * vectors, every malformed shape the decoder must refuse, encoding, and a
 * property over random values: whatever decodes re-encodes to itself. */
#include <stdlib.h>
#include "oscore_option.h"
#include "unit.h"

static oscore_err decode_hex(const char *hex, uint8_t *buf, oscore_option *o) {
  long n = unit_hex(hex, buf, 64);
  if (n < 0) return OSCORE_ERR_INVALID_ARG;
  return oscore_option_decode(OSCORE_BYTES(buf, (size_t)n), o);
}

static void test_vectors(void) {
  uint8_t buf[64];
  oscore_option o;

  /* C.4: PIV 0x14, empty kid. */
  CHECK_EQ_INT(decode_hex("0914", buf, &o), OSCORE_OK);
  CHECK_MEM(o.piv.ptr, o.piv.len, "\x14", 1);
  CHECK(o.has_kid);
  CHECK_EQ_INT(o.kid.len, 0);
  CHECK(!o.has_kid_context);

  /* C.5: kid 0x00. */
  CHECK_EQ_INT(decode_hex("091400", buf, &o), OSCORE_OK);
  CHECK_MEM(o.piv.ptr, o.piv.len, "\x14", 1);
  CHECK(o.has_kid);
  CHECK_MEM(o.kid.ptr, o.kid.len, "\x00", 1);

  /* C.6: kid context 37cbf3210017a2d3, empty kid. */
  CHECK_EQ_INT(decode_hex("19140837cbf3210017a2d3", buf, &o), OSCORE_OK);
  CHECK(o.has_kid_context);
  CHECK_MEM(o.kid_context.ptr, o.kid_context.len,
            "\x37\xcb\xf3\x21\x00\x17\xa2\xd3", 8);
  CHECK(o.has_kid);
  CHECK_EQ_INT(o.kid.len, 0);

  /* C.8 response: PIV 0x00 only. */
  CHECK_EQ_INT(decode_hex("0100", buf, &o), OSCORE_OK);
  CHECK_MEM(o.piv.ptr, o.piv.len, "\x00", 1);
  CHECK(!o.has_kid);
  CHECK(!o.has_kid_context);

  /* C.7 response: empty value, everything absent. */
  CHECK_EQ_INT(oscore_option_decode(OSCORE_BYTES(NULL, 0), &o), OSCORE_OK);
  CHECK_EQ_INT(o.piv.len, 0);
  CHECK(!o.has_kid);
  CHECK(!o.has_kid_context);

  /* Five-byte PIV with a kid and a zero-length kid context. */
  CHECK_EQ_INT(decode_hex("1d0102030405000a0b", buf, &o), OSCORE_OK);
  CHECK_MEM(o.piv.ptr, o.piv.len, "\x01\x02\x03\x04\x05", 5);
  CHECK(o.has_kid_context);
  CHECK_EQ_INT(o.kid_context.len, 0);
  CHECK_MEM(o.kid.ptr, o.kid.len, "\x0a\x0b", 2);
}

static void test_malformed(void) {
  static const char *bad[] = {
    "00",             /* all flags zero must be sent as an empty value */
    "2900", "4900", "8900", "e9",  /* reserved bits 5-7 */
    "0e010203040506", "0f01020304050607",  /* n = 6 and 7 reserved */
    "01",             /* PIV announced, missing */
    "030102",         /* PIV truncated */
    "10",             /* h without the length byte */
    "1103",           /* PIV ok, h without the length byte */
    "100301",         /* kid context truncated */
    "10ff",           /* kid context length beyond the value */
    "0101ff",         /* trailing byte without k */
    "1000ff",         /* trailing byte after the kid context, no k */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t buf[64];
    oscore_option o;
    oscore_err e = decode_hex(bad[i], buf, &o);
    if (e != OSCORE_ERR_OPTION_MALFORMED)
      fprintf(stderr, "value %s decoded as %d\n", bad[i], e);
    CHECK_EQ_INT(e, OSCORE_ERR_OPTION_MALFORMED);
  }
  CHECK_EQ_INT(oscore_option_decode(OSCORE_BYTES(NULL, 1), &(oscore_option){0}),
               OSCORE_ERR_INVALID_ARG);
}

static void test_encode(void) {
  uint8_t buf[64];
  size_t len = 99;
  oscore_option o = {0};
  CHECK_EQ_INT(oscore_option_encode(&o, buf, sizeof buf, &len), OSCORE_OK);
  CHECK_EQ_INT(len, 0);
  /* An all-absent option needs no room at all. */
  CHECK_EQ_INT(oscore_option_encode(&o, NULL, 0, &len), OSCORE_OK);

  uint8_t ctxid[8] = { 0x37, 0xcb, 0xf3, 0x21, 0x00, 0x17, 0xa2, 0xd3 };
  o.piv = OSCORE_BYTES("\x14", 1);
  o.has_kid = true;
  o.kid = OSCORE_BYTES(NULL, 0);
  o.has_kid_context = true;
  o.kid_context = OSCORE_BYTES(ctxid, 8);
  CHECK_EQ_INT(oscore_option_encode(&o, buf, sizeof buf, &len), OSCORE_OK);
  CHECK_MEM(buf, len, "\x19\x14\x08\x37\xcb\xf3\x21\x00\x17\xa2\xd3", 11);
  CHECK_EQ_INT(oscore_option_encode(&o, buf, 10, &len),
               OSCORE_ERR_BUFFER_TOO_SMALL);

  /* Only a kid, even an empty one, still needs the flag byte. */
  oscore_option k = { .has_kid = true };
  CHECK_EQ_INT(oscore_option_encode(&k, buf, sizeof buf, &len), OSCORE_OK);
  CHECK_MEM(buf, len, "\x08", 1);

  oscore_option bad = { .piv = OSCORE_BYTES("\x01\x02\x03\x04\x05\x06", 6) };
  CHECK_EQ_INT(oscore_option_encode(&bad, buf, sizeof buf, &len),
               OSCORE_ERR_INVALID_ARG);
  uint8_t big[256] = {0};
  oscore_option bigctx = { .has_kid_context = true,
                           .kid_context = OSCORE_BYTES(big, 256) };
  CHECK_EQ_INT(oscore_option_encode(&bigctx, buf, sizeof buf, &len),
               OSCORE_ERR_INVALID_ARG);
}

/* xorshift64*: a fixed seed makes every run test the same inputs. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545f4914f6cdd1du) >> 32);
}

static void test_random(void) {
  int ok = 0, bad = 0, mismatch = 0;
  for (int i = 0; i < 20000; i++) {
    /* Mostly short values with plausible flag bytes, so that both the
     * accepting and the refusing paths get exercised. */
    size_t n = rnd() % 24;
    uint8_t *v = malloc(n ? n : 1);  /* exact size: ASan sees overreads */
    for (size_t j = 0; j < n; j++) v[j] = (uint8_t)rnd();
    if (n && rnd() % 2) v[0] &= 0x1F;
    size_t s_pos = n ? 1 + (size_t)(v[0] & 7) : 0;
    if (n && (v[0] & 0x10) && s_pos < n && rnd() % 2) v[s_pos] %= 8;
    oscore_option o;
    oscore_err e = oscore_option_decode(OSCORE_BYTES(v, n), &o);
    if (e == OSCORE_OK) {
      ok++;
      uint8_t out[64];
      size_t len;
      if (oscore_option_encode(&o, out, sizeof out, &len) != OSCORE_OK ||
          len != n || (n && memcmp(out, v, n) != 0))
        mismatch++;
    } else {
      bad++;
      if (e != OSCORE_ERR_OPTION_MALFORMED) mismatch++;
    }
    free(v);
  }
  CHECK_EQ_INT(mismatch, 0);
  CHECK(ok > 1000);
  CHECK(bad > 1000);
}

int main(void) {
  test_vectors();
  test_malformed();
  test_encode();
  test_random();
  return unit_summary("test_option");
}
