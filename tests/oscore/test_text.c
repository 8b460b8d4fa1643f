/* oscore_text: hex digits and URI percent-decoding (the one decoder of
 * coapx_uri and the Proxy-Uri split): in place, counting only, and every
 * malformed or truncated escape refused. */
#include "oscore_text.h"
#include "unit.h"

static void check_decode(const char *in, const char *want) {
  uint8_t buf[64];
  size_t n = strlen(in);
  memcpy(buf, in, n);
  long got = oscore_pct_decode(buf, n, buf);   /* in place */
  long counted = oscore_pct_decode((const uint8_t *)in, n, NULL);
  if (!want) {
    CHECK_EQ_INT(got, -1);
    CHECK_EQ_INT(counted, -1);
    return;
  }
  CHECK_EQ_INT(counted, (long)strlen(want));
  CHECK_MEM(buf, got < 0 ? 0 : (size_t)got, want, strlen(want));
}

int main(void) {
  CHECK_EQ_INT(oscore_hex_digit('0'), 0);
  CHECK_EQ_INT(oscore_hex_digit('9'), 9);
  CHECK_EQ_INT(oscore_hex_digit('a'), 10);
  CHECK_EQ_INT(oscore_hex_digit('F'), 15);
  CHECK_EQ_INT(oscore_hex_digit('g'), -1);
  CHECK_EQ_INT(oscore_hex_digit('/'), -1);
  CHECK_EQ_INT(oscore_hex_digit(0), -1);
  CHECK_EQ_INT(oscore_hex_digit(0xe4), -1);

  check_decode("", "");
  check_decode("plain", "plain");
  check_decode("a%20b", "a b");
  check_decode("%2F%2f", "//");
  check_decode("%41", "A");
  check_decode("x%e4y", "x\xe4y");
  check_decode("%", NULL);
  check_decode("%4", NULL);
  check_decode("ab%4", NULL);
  check_decode("%zz", NULL);
  check_decode("%4g", NULL);
  check_decode("%%41", NULL);
  return unit_summary("test_text");
}
