/* CoAP message helpers and codecs (RFC 7252 §3, §3.1): option array,
 * uint values, delta/length extensions at their boundaries, every format
 * error, whole datagrams, and random/mutated input that must never crash
 * and, when accepted, re-encode to exactly the input (the encoding is
 * canonical). */
#include <stdlib.h>
#include "oscore_msg.h"
#include "oscore_option.h"
#include "unit.h"

static void test_opt_array(void) {
  oscore_opt arr[4];
  oscore_msg m;
  oscore_msg_init(&m, arr, 4);
  CHECK_EQ_INT(oscore_msg_add_opt(&m, 11, OSCORE_BYTES("b", 1)), OSCORE_OK);
  CHECK_EQ_INT(oscore_msg_add_opt(&m, 3, OSCORE_BYTES("h", 1)), OSCORE_OK);
  CHECK_EQ_INT(oscore_msg_add_opt(&m, 11, OSCORE_BYTES("c", 1)), OSCORE_OK);
  CHECK_EQ_INT(oscore_msg_add_opt(&m, 11, OSCORE_BYTES("a", 1)), OSCORE_OK);
  CHECK_EQ_INT(oscore_msg_add_opt(&m, 12, OSCORE_BYTES("", 0)),
               OSCORE_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(m.n_opts, 4);
  /* Sorted, repeated options in insertion order. */
  CHECK_EQ_INT(arr[0].number, 3);
  CHECK_MEM(arr[1].value.ptr, arr[1].value.len, "b", 1);
  CHECK_MEM(arr[2].value.ptr, arr[2].value.len, "c", 1);
  CHECK_MEM(arr[3].value.ptr, arr[3].value.len, "a", 1);
  const oscore_opt *f = oscore_msg_find_opt(&m, 11);
  CHECK(f == &arr[1]);
  CHECK(oscore_msg_find_opt(&m, 4) == NULL);
  oscore_msg_remove_opt(&m, 11);
  CHECK_EQ_INT(m.n_opts, 1);
  CHECK(oscore_msg_find_opt(&m, 11) == NULL);
  CHECK(oscore_msg_find_opt(&m, 3) != NULL);
}

static void test_uint(void) {
  uint8_t b[4];
  CHECK_EQ_INT(oscore_opt_uint_encode(0, b), 0);
  CHECK_EQ_INT(oscore_opt_uint_encode(255, b), 1);
  CHECK_EQ_INT(oscore_opt_uint_encode(256, b), 2);
  CHECK_MEM(b, 2, "\x01\x00", 2);
  CHECK_EQ_INT(oscore_opt_uint_encode(0x01000000u, b), 4);
  CHECK_EQ_INT(oscore_opt_uint_encode(0xFFFFFFFFu, b), 4);
  uint32_t v = 7;
  CHECK_EQ_INT(oscore_opt_uint(OSCORE_BYTES(NULL, 0), &v), OSCORE_OK);
  CHECK_EQ_INT(v, 0);
  CHECK_EQ_INT(oscore_opt_uint(OSCORE_BYTES("\x00\x01\x02", 3), &v), OSCORE_OK);
  CHECK_EQ_INT(v, 0x0102);
  CHECK_EQ_INT(oscore_opt_uint(OSCORE_BYTES("\xff\xff\xff\xff", 4), &v),
               OSCORE_OK);
  CHECK_EQ_INT(v, 0xFFFFFFFFu);
  CHECK_EQ_INT(oscore_opt_uint(OSCORE_BYTES("\x01\x02\x03\x04\x05", 5), &v),
               OSCORE_ERR_MSG_MALFORMED);
}

static void test_extensions(void) {
  /* Deltas 12, 13, 268, 269 and 0 and lengths 12, 13, 268, 269 and the
   * largest each form can carry. */
  static uint8_t big[65805];
  memset(big, 'x', sizeof big);
  const uint16_t nums[] = { 12, 25, 293, 562, 563, 1000, 1000, 2000, 3000,
                            65535 };
  const size_t lens[] = { 0, 12, 13, 268, 269, 270, 1, 65804, 2, 3 };
  oscore_opt arr[10], arr2[10];
  oscore_msg m, d;
  oscore_msg_init(&m, arr, 10);
  for (size_t i = 0; i < 10; i++)
    CHECK_EQ_INT(oscore_msg_add_opt(&m, nums[i], OSCORE_BYTES(big, lens[i])),
                 OSCORE_OK);
  m.payload = OSCORE_BYTES("pay", 3);
  static uint8_t out[70000];
  size_t len;
  CHECK_EQ_INT(oscore_opts_payload_encode(&m, out, sizeof out, &len),
               OSCORE_OK);
  CHECK_EQ_INT(out[0], 0xC0);                   /* delta 12, length 0 */
  CHECK_MEM(out + 1, 2, "\xdc\x00", 2);         /* delta 13, length 12 */
  CHECK_MEM(out + 15, 3, "\xdd\xff\x00", 3);    /* delta 268, length 13 */
  CHECK_MEM(out + 31, 4, "\xed\x00\x00\xff", 4); /* delta 269, length 268 */
  oscore_msg_init(&d, arr2, 10);
  CHECK_EQ_INT(oscore_opts_payload_decode(OSCORE_BYTES(out, len), &d),
               OSCORE_OK);
  CHECK_EQ_INT(d.n_opts, 10);
  for (size_t i = 0; i < d.n_opts && i < 10; i++) {
    CHECK_EQ_INT(d.opts[i].number, nums[i]);
    CHECK_EQ_INT(d.opts[i].value.len, lens[i]);
  }
  CHECK_MEM(d.payload.ptr, d.payload.len, "pay", 3);
  /* Every shorter buffer is refused, none overrun (checked under ASan). */
  size_t full = len;
  for (size_t cap = 0; cap < 40; cap++)
    CHECK_EQ_INT(oscore_opts_payload_encode(&m, out, cap, &len),
                 OSCORE_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(oscore_opts_payload_encode(&m, out, full - 1, &len),
               OSCORE_ERR_BUFFER_TOO_SMALL);
  /* One byte more than the 2-byte length extension can express. */
  oscore_msg_init(&m, arr, 10);
  CHECK_EQ_INT(oscore_msg_add_opt(&m, 1, OSCORE_BYTES(big, 65805)), OSCORE_OK);
  CHECK_EQ_INT(oscore_opts_payload_encode(&m, out, sizeof out, &len),
               OSCORE_ERR_INVALID_ARG);
  /* Options out of order cannot be delta-encoded. */
  oscore_msg_init(&m, arr, 10);
  oscore_msg_add_opt(&m, 11, OSCORE_BYTES("a", 1));
  oscore_msg_add_opt(&m, 12, OSCORE_BYTES("", 0));
  arr[1].number = 4;
  CHECK_EQ_INT(oscore_opts_payload_encode(&m, out, sizeof out, &len),
               OSCORE_ERR_INVALID_ARG);
}

static oscore_err decode_hex(const char *hex, oscore_msg *m) {
  static uint8_t buf[256];
  long n = unit_hex(hex, buf, sizeof buf);
  if (n < 0) return OSCORE_ERR_INVALID_ARG;
  return oscore_opts_payload_decode(OSCORE_BYTES(buf, (size_t)n), m);
}

static void test_format_errors(void) {
  oscore_opt arr[4];
  oscore_msg m;
  oscore_msg_init(&m, arr, 4);
  static const char *bad[] = {
    "ff",           /* marker with empty payload */
    "10ff",         /* same after an option */
    "f0", "0f", "f1",  /* nibble 15 in delta or length */
    "d0",           /* 1-byte delta extension missing */
    "e000",         /* 2-byte delta extension truncated */
    "0d",           /* 1-byte length extension missing */
    "0e01",         /* 2-byte length extension truncated */
    "03aabb",       /* value beyond the input */
    "0d00" "aabbcc", /* 13-byte value, only 3 present */
    "e0fef2" "e00010",  /* number 65535 + 16 overflows */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    oscore_err e = decode_hex(bad[i], &m);
    if (e != OSCORE_ERR_MSG_MALFORMED) fprintf(stderr, "case %s\n", bad[i]);
    CHECK_EQ_INT(e, OSCORE_ERR_MSG_MALFORMED);
  }
  CHECK_EQ_INT(decode_hex("e0fef2", &m), OSCORE_OK);  /* exactly 65535 */
  CHECK_EQ_INT(m.opts[0].number, 65535);
  CHECK_EQ_INT(decode_hex("1010101010", &m), OSCORE_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(decode_hex("", &m), OSCORE_OK);
  CHECK_EQ_INT(m.n_opts, 0);
  CHECK_EQ_INT(m.payload.len, 0);
}

static void test_datagram(void) {
  /* RFC 8613 C.4's unprotected request: CON GET, MID 0x5d1f, token
   * 00003974, Uri-Host "localhost", Uri-Path "tv1". */
  const char *hex = "44015d1f00003974396c6f63616c686f737483747631";
  uint8_t in[64], out[64];
  long n = unit_hex(hex, in, sizeof in);
  oscore_opt arr[8];
  oscore_datagram d;
  oscore_msg_init(&d.msg, arr, 8);
  CHECK_EQ_INT(oscore_datagram_decode(OSCORE_BYTES(in, (size_t)n), &d),
               OSCORE_OK);
  CHECK_EQ_INT(d.type, 0);
  CHECK_EQ_INT(d.mid, 0x5d1f);
  CHECK_EQ_INT(d.msg.code, OSCORE_CODE(0, 1));
  CHECK_MEM(d.token, d.token_len, "\x00\x00\x39\x74", 4);
  CHECK_EQ_INT(d.msg.n_opts, 2);
  CHECK_EQ_INT(d.msg.opts[0].number, OSCORE_OPT_URI_HOST);
  CHECK_MEM(d.msg.opts[0].value.ptr, d.msg.opts[0].value.len, "localhost", 9);
  CHECK_EQ_INT(d.msg.opts[1].number, OSCORE_OPT_URI_PATH);
  CHECK_MEM(d.msg.opts[1].value.ptr, d.msg.opts[1].value.len, "tv1", 3);
  size_t len;
  CHECK_EQ_INT(oscore_datagram_encode(&d, out, sizeof out, &len), OSCORE_OK);
  CHECK_MEM(out, len, in, (size_t)n);
  CHECK_EQ_INT(oscore_datagram_encode(&d, out, 7, &len),
               OSCORE_ERR_BUFFER_TOO_SMALL);

  static const char *bad[] = {
    "", "40", "400100",            /* shorter than the header */
    "04010000", "84010000", "c4010000",  /* versions 0, 2, 3 */
    "49010000" "000102030405060708",     /* TKL 9 */
    "4f010000",                    /* TKL 15 */
    "42010000" "00",               /* token truncated */
    "40000000" "ff01",             /* Empty message with bytes after it */
    "41000000" "00",               /* Empty message with a token */
    "40010000" "ff",               /* marker without payload */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    long k = unit_hex(bad[i], in, sizeof in);
    oscore_err e = oscore_datagram_decode(OSCORE_BYTES(in, (size_t)k), &d);
    if (e != OSCORE_ERR_MSG_MALFORMED) fprintf(stderr, "case %s\n", bad[i]);
    CHECK_EQ_INT(e, OSCORE_ERR_MSG_MALFORMED);
  }
  /* A bare Empty ACK and an 8-byte token are fine. */
  n = unit_hex("60000102", in, sizeof in);
  CHECK_EQ_INT(oscore_datagram_decode(OSCORE_BYTES(in, (size_t)n), &d),
               OSCORE_OK);
  CHECK_EQ_INT(d.type, 2);
  n = unit_hex("5845abcd0102030405060708c0", in, sizeof in);
  CHECK_EQ_INT(oscore_datagram_decode(OSCORE_BYTES(in, (size_t)n), &d),
               OSCORE_OK);
  CHECK_EQ_INT(d.token_len, 8);
  CHECK_EQ_INT(d.msg.n_opts, 1);
  CHECK_EQ_INT(d.msg.opts[0].number, 12);
  d.token_len = 9;
  CHECK_EQ_INT(oscore_datagram_encode(&d, out, sizeof out, &len),
               OSCORE_ERR_INVALID_ARG);
}

static uint64_t rng_state = 0x243f6a8885a308d3u;
static uint32_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545f4914f6cdd1du) >> 32);
}

/* Random datagrams (valid header, random body) and mutations of a valid
 * one. Accepted input must re-encode to the same bytes; each input sits in
 * its own exact-size allocation so that ASan catches any overread. */
static void test_random(void) {
  static const char *seeds[] = {
    "44015d1f00003974396c6f63616c686f737483747631",
    "44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e",
    "64445d1f00003974920100ff4d4c13669384b67354b2b6175ff4b8658c666a6cf88e",
    "5845abcd0102030405060708c0d1e8ffdd0a00ff6869",
  };
  uint8_t seedbuf[4][128];
  size_t seedlen[4];
  for (int s = 0; s < 4; s++)
    seedlen[s] = (size_t)unit_hex(seeds[s], seedbuf[s], sizeof seedbuf[s]);
  int accepted = 0, refused = 0, bad_roundtrip = 0, bad_err = 0;
  for (int i = 0; i < 30000; i++) {
    size_t n;
    uint8_t tmp[160];
    if (i % 2) {
      int s = (int)(rnd() % 4);
      n = seedlen[s];
      memcpy(tmp, seedbuf[s], n);
      int flips = 1 + (int)(rnd() % 4);
      for (int f = 0; f < flips; f++) {
        switch (rnd() % 3) {
        case 0: tmp[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8)); break;
        case 1: tmp[rnd() % n] = (uint8_t)rnd(); break;
        default: if (n > 4) n = 4 + rnd() % (n - 4); break;
        }
      }
    } else {
      n = rnd() % 64;
      for (size_t j = 0; j < n; j++) tmp[j] = (uint8_t)rnd();
      if (n >= 4) tmp[0] = (uint8_t)(0x40 | (tmp[0] & 0x3F));
    }
    uint8_t *in = malloc(n ? n : 1);
    memcpy(in, tmp, n);
    oscore_opt arr[16];
    oscore_datagram d;
    oscore_msg_init(&d.msg, arr, 16);
    oscore_err e = oscore_datagram_decode(OSCORE_BYTES(in, n), &d);
    if (e == OSCORE_OK) {
      accepted++;
      uint8_t out[160];
      size_t len;
      if (oscore_datagram_encode(&d, out, sizeof out, &len) != OSCORE_OK ||
          len != n || memcmp(out, in, n) != 0)
        bad_roundtrip++;
      /* The OSCORE option decoder gets whatever option 9 holds. */
      const oscore_opt *o = oscore_msg_find_opt(&d.msg, OSCORE_OPT_OSCORE);
      if (o) {
        oscore_option opt;
        oscore_err oe = oscore_option_decode(o->value, &opt);
        if (oe != OSCORE_OK && oe != OSCORE_ERR_OPTION_MALFORMED) bad_err++;
      }
    } else {
      refused++;
      if (e != OSCORE_ERR_MSG_MALFORMED && e != OSCORE_ERR_BUFFER_TOO_SMALL)
        bad_err++;
    }
    free(in);
  }
  CHECK_EQ_INT(bad_roundtrip, 0);
  CHECK_EQ_INT(bad_err, 0);
  CHECK(accepted > 1000);
  CHECK(refused > 1000);
}

int main(void) {
  test_opt_array();
  test_uint();
  test_extensions();
  test_format_errors();
  test_datagram();
  test_random();
  return unit_summary("test_msg");
}
