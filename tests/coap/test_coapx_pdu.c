/* coapx_pdu: a PDU filled from an oscore_msg reads back identically,
 * including the options libcoap's header calls "fence posts" (14 Max-Age,
 * 28 Size2), repeated and empty options and options above 255. */
#include <coap3/coap.h>
#include "coapx_pdu.h"
#include "unit.h"

static void test_round_trip(void) {
  static uint8_t big[300];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)i;
  const uint16_t nums[] = { 1, 6, 9, 11, 11, 14, 23, 28, 60, 252, 258, 292, 2000 };
  const size_t lens[] = { 2, 0, 0, 3, 0, 1, 3, 2, 270, 8, 1, 4, 5 };
  enum { N = sizeof nums / sizeof nums[0] };
  oscore_opt in_opts[N];
  oscore_msg in;
  oscore_msg_init(&in, in_opts, N);
  in.code = OSCORE_CODE(2, 5);
  for (size_t i = 0; i < N; i++) {
    in_opts[i].number = nums[i];
    in_opts[i].value = OSCORE_BYTES(big + i, lens[i]);
  }
  in.n_opts = N;
  in.payload = OSCORE_BYTES("hello", 5);

  coap_pdu_t *p = coap_pdu_init(COAP_MESSAGE_CON, 0, 7, 1400);
  CHECK(p != NULL);
  CHECK(coap_add_token(p, 2, (const uint8_t *)"\x01\x02"));
  CHECK_EQ_INT(coapx_pdu_write(p, &in), COAPX_OK);

  oscore_opt out_opts[N];
  oscore_msg out;
  oscore_msg_init(&out, out_opts, N);
  CHECK_EQ_INT(coapx_pdu_read(p, &out), COAPX_OK);
  CHECK_EQ_INT(out.code, OSCORE_CODE(2, 5));
  CHECK_EQ_INT(out.n_opts, N);
  for (size_t i = 0; i < N && i < out.n_opts; i++) {
    CHECK_EQ_INT(out_opts[i].number, nums[i]);
    CHECK_MEM(out_opts[i].value.ptr, out_opts[i].value.len, big + i, lens[i]);
  }
  CHECK_MEM(out.payload.ptr, out.payload.len, "hello", 5);

  /* One entry short: refused, not truncated silently. */
  oscore_msg small;
  oscore_msg_init(&small, out_opts, N - 1);
  CHECK_EQ_INT(coapx_pdu_read(p, &small), COAPX_ERR_TOO_MANY_OPTIONS);
  coap_delete_pdu(p);
}

static void test_empty_and_errors(void) {
  coap_pdu_t *p = coap_pdu_init(COAP_MESSAGE_NON, COAP_REQUEST_CODE_GET, 1, 64);
  oscore_opt o[4];
  oscore_msg m;
  oscore_msg_init(&m, o, 4);
  m.code = 0xff;
  CHECK_EQ_INT(coapx_pdu_read(p, &m), COAPX_OK);
  CHECK_EQ_INT(m.code, OSCORE_CODE(0, 1));
  CHECK_EQ_INT(m.n_opts, 0);
  CHECK_EQ_INT(m.payload.len, 0);

  /* Unsorted options are a caller bug: refused rather than re-sorted. */
  oscore_msg bad;
  oscore_msg_init(&bad, o, 4);
  o[0] = (oscore_opt){ 11, OSCORE_BYTES("a", 1) };
  o[1] = (oscore_opt){ 9, OSCORE_BYTES("", 0) };
  bad.n_opts = 2;
  CHECK_EQ_INT(coapx_pdu_write(p, &bad), COAPX_ERR_INVALID_ARG);
  coap_delete_pdu(p);

  /* A payload beyond the PDU's size limit. */
  static uint8_t big[200];
  p = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET, 2, 64);
  oscore_msg_init(&m, o, 4);
  m.code = OSCORE_CODE(0, 2);
  m.payload = OSCORE_BYTES(big, sizeof big);
  CHECK_EQ_INT(coapx_pdu_write(p, &m), COAPX_ERR_PDU_FULL);
  coap_delete_pdu(p);

  CHECK_EQ_INT(coapx_pdu_read(NULL, &m), COAPX_ERR_INVALID_ARG);
}

int main(void) {
  coap_startup();
  coap_set_log_level(LOG_EMERG);
  test_round_trip();
  test_empty_and_errors();
  coap_cleanup();
  return unit_summary("test_coapx_pdu");
}
