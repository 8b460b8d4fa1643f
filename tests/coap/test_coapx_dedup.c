/* coapx_dedup: answers are found by (remote, local, MID) only, expire after
 * the lifetime, the oldest goes first when full, and a cached answer
 * decodes back to the same options and payload. */
#include <arpa/inet.h>
#include <coap3/coap.h>
#include "coapx_dedup.h"
#include "unit.h"

static coap_address_t v4(uint32_t ip, uint16_t port) {
  coap_address_t a;
  coap_address_init(&a);
  a.size = sizeof(struct sockaddr_in);
  a.addr.sin.sin_family = AF_INET;
  a.addr.sin.sin_addr.s_addr = htonl(ip);
  a.addr.sin.sin_port = htons(port);
  return a;
}

int main(void) {
  coap_address_t peer = v4(0x7f000001, 40000), other = v4(0x7f000001, 40001);
  coap_address_t local = v4(0x7f000001, 5683), local2 = v4(0x7f000002, 5683);
  coapx_dedup *d = coapx_dedup_new(3, 10);
  CHECK(d != NULL);

  oscore_opt o[4];
  oscore_msg m;
  oscore_msg_init(&m, o, 4);
  m.code = OSCORE_CODE(2, 4);
  oscore_msg_add_opt(&m, OSCORE_OPT_OSCORE, OSCORE_BYTES(NULL, 0));
  oscore_msg_add_opt(&m, 300, OSCORE_BYTES("long option", 11));
  m.payload = OSCORE_BYTES("cipher", 6);
  CHECK_EQ_INT(coapx_dedup_put(d, &peer, &local, 7, 100, &m), COAPX_OK);
  CHECK_EQ_INT(coapx_dedup_put(d, &peer, &local, 8, 100, NULL), COAPX_OK);

  coapx_dedup_answer a;
  CHECK(coapx_dedup_find(d, &peer, &local, 7, 105, &a));
  CHECK_EQ_INT(a.code, OSCORE_CODE(2, 4));
  oscore_opt back_o[4];
  oscore_msg back;
  oscore_msg_init(&back, back_o, 4);
  CHECK_EQ_INT(coapx_dedup_answer_msg(&a, &back), COAPX_OK);
  CHECK_EQ_INT(back.code, OSCORE_CODE(2, 4));
  CHECK_EQ_INT(back.n_opts, 2);
  CHECK(back.n_opts == 2 && back_o[0].number == 9 && back_o[0].value.len == 0 &&
        back_o[1].number == 300);
  CHECK_MEM(back.payload.ptr, back.payload.len, "cipher", 6);

  CHECK(coapx_dedup_find(d, &peer, &local, 8, 105, &a));
  CHECK_EQ_INT(a.code, 0);                   /* nothing was sent */
  /* Another port, another local address or another MID: not a duplicate. */
  CHECK(!coapx_dedup_find(d, &other, &local, 7, 105, NULL));
  CHECK(!coapx_dedup_find(d, &peer, &local2, 7, 105, NULL));
  CHECK(!coapx_dedup_find(d, &peer, &local, 9, 105, NULL));

  /* Full: the oldest (MID 7) makes room for the fourth. */
  CHECK_EQ_INT(coapx_dedup_put(d, &peer, &local, 10, 106, NULL), COAPX_OK);
  CHECK_EQ_INT(coapx_dedup_put(d, &peer, &local, 11, 107, NULL), COAPX_OK);
  CHECK_EQ_INT(coapx_dedup_count(d), 3);
  CHECK(!coapx_dedup_find(d, &peer, &local, 7, 107, NULL));
  CHECK(coapx_dedup_find(d, &peer, &local, 8, 107, NULL));

  /* Lifetime 10 s: MID 8 (t=100) is gone at 110, MID 11 (t=107) not. */
  CHECK(!coapx_dedup_find(d, &peer, &local, 8, 110, NULL));
  CHECK(coapx_dedup_find(d, &peer, &local, 11, 116, NULL));
  CHECK(!coapx_dedup_find(d, &peer, &local, 11, 117, NULL));
  CHECK_EQ_INT(coapx_dedup_count(d), 0);

  coapx_dedup_free(d);
  CHECK(coapx_dedup_new(0, 10) == NULL);
  return unit_summary("test_coapx_dedup");
}
