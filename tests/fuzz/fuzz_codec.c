/* The CoAP codecs of the core: whole datagrams (oscore_datagram_decode,
 * RFC 7252 §3) and options + payload alone (oscore_opts_payload_decode, the
 * shape of an OSCORE plaintext after its code byte). Invariants: decoded
 * values point inside the input, options come out sorted, and encoding
 * what decoded reproduces the input byte for byte (every length and delta
 * has exactly one encoding). The option-array helpers keep the order. */
#include <string.h>
#include "fuzz.h"
#include "fuzz_common.h"
#include "oscore_msg.h"
#include "oscore_option.h"

#define MAX_OPTS 64

static void check_sorted(const oscore_msg *m) {
  for (size_t i = 1; i < m->n_opts; i++)
    FUZZ_CHECK(m->opts[i - 1].number <= m->opts[i].number);
}

/* Rebuild |m| with oscore_msg_add_opt in a scrambled order: numbers stay
 * sorted, and equal numbers keep the order in which they were added. */
static void check_add_opt(const oscore_msg *m) {
  oscore_opt opts[MAX_OPTS];
  oscore_msg r;
  oscore_msg_init(&r, opts, MAX_OPTS);
  for (size_t pass = 0; pass < 2; pass++)
    for (size_t i = pass; i < m->n_opts; i += 2)
      FUZZ_CHECK(oscore_msg_add_opt(&r, m->opts[i].number, m->opts[i].value) ==
                 OSCORE_OK);
  FUZZ_CHECK(r.n_opts == m->n_opts);
  check_sorted(&r);
  if (m->n_opts) {
    uint16_t first = m->opts[0].number;
    FUZZ_CHECK(oscore_msg_find_opt(&r, first) != NULL);
    oscore_msg_remove_opt(&r, first);
    FUZZ_CHECK(oscore_msg_find_opt(&r, first) == NULL);
  }
}

static void check_uint_opts(const oscore_msg *m) {
  for (size_t i = 0; i < m->n_opts; i++) {
    uint32_t v;
    oscore_err e = oscore_opt_uint(m->opts[i].value, &v);
    FUZZ_CHECK((e == OSCORE_OK) == (m->opts[i].value.len <= 4));
    if (e == OSCORE_OK) {
      uint8_t enc[4];
      size_t n = oscore_opt_uint_encode(v, enc);
      uint32_t back;
      FUZZ_CHECK(oscore_opt_uint(OSCORE_BYTES(enc, n), &back) == OSCORE_OK &&
                 back == v);
    }
    if (m->opts[i].number == OSCORE_OPT_OSCORE) {
      oscore_option o;
      (void)oscore_option_decode(m->opts[i].value, &o);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  oscore_opt opts[MAX_OPTS];
  static uint8_t again[8192];
  size_t len;

  oscore_datagram d;
  oscore_msg_init(&d.msg, opts, MAX_OPTS);
  if (oscore_datagram_decode(OSCORE_BYTES(data, size), &d) == OSCORE_OK) {
    FUZZ_CHECK(d.token_len <= 8 && d.type <= 3);
    FUZZ_CHECK(fuzz_msg_within(&d.msg, data, size, NULL, 0));
    check_sorted(&d.msg);
    check_uint_opts(&d.msg);
    check_add_opt(&d.msg);
    if (size <= sizeof again) {
      FUZZ_CHECK(oscore_datagram_encode(&d, again, sizeof again, &len) ==
                 OSCORE_OK);
      FUZZ_CHECK(len == size && memcmp(again, data, size) == 0);
      FUZZ_CHECK(oscore_datagram_encode(&d, again, size - 1, &len) ==
                 OSCORE_ERR_BUFFER_TOO_SMALL);
    }
  }

  oscore_msg m;
  oscore_msg_init(&m, opts, MAX_OPTS);
  if (oscore_opts_payload_decode(OSCORE_BYTES(data, size), &m) == OSCORE_OK) {
    FUZZ_CHECK(fuzz_msg_within(&m, data, size, NULL, 0));
    check_sorted(&m);
    check_add_opt(&m);
    if (size <= sizeof again) {
      FUZZ_CHECK(oscore_opts_payload_encode(&m, again, sizeof again, &len) ==
                 OSCORE_OK);
      FUZZ_CHECK(len == size && (size == 0 || memcmp(again, data, size) == 0));
      if (size)
        FUZZ_CHECK(oscore_opts_payload_encode(&m, again, size - 1, &len) ==
                   OSCORE_ERR_BUFFER_TOO_SMALL);
    }
  }
  return 0;
}
