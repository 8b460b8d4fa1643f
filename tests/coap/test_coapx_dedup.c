/* coapx_dedup: answers are found by (remote, local, MID) only, expire after
 * the lifetime, the oldest goes first when full, and a cached answer
 * decodes back to the same options and payload. */
#include <arpa/inet.h>
#include <string.h>
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

/* Many peers and message IDs against a plain list of what must be held
 * (the newest |CAP| answers younger than the lifetime): after every step
 * the cache finds exactly those, each with its own answer, whatever
 * collides in the hash index, and nothing else. */
typedef struct { uint32_t ip; uint16_t port, mid; uint64_t t; uint8_t code; } key;

static bool same_key(const key *a, const key *b) {
  return a->ip == b->ip && a->port == b->port && a->mid == b->mid;
}

static void check_against_model(void) {
  enum { CAP = 64, N = 3000, LIFE = 50 };
  coapx_dedup *d = coapx_dedup_new(CAP, LIFE);
  CHECK(d != NULL);
  if (!d) return;
  coap_address_t local = v4(0x7f000001, 5683);
  key model[CAP];
  size_t n = 0;
  uint32_t x = 12345;
  bool found_all = true, found_none = true, count_ok = true;
  for (size_t i = 0; i < N; i++) {
    x = x * 1103515245u + 12345u;
    /* Few peers and MIDs, so keys repeat and chains share buckets. */
    key k = { 0x7f000001 + (x >> 28), (uint16_t)(40000 + ((x >> 20) & 3)),
              (uint16_t)((x >> 8) & 63), i / 20, (uint8_t)(x >> 24) };
    size_t keep = 0;
    for (size_t j = 0; j < n; j++)
      if (k.t - model[j].t < LIFE) model[keep++] = model[j];
    n = keep;
    bool held = false;
    for (size_t j = 0; j < n; j++) held |= same_key(&model[j], &k);
    coap_address_t r = v4(k.ip, k.port);
    coapx_dedup_answer a;
    /* The dispatcher stores an answer only when it found none. */
    bool f = coapx_dedup_find(d, &r, &local, k.mid, k.t, &a);
    if (f != held) found_all = false;
    if (!held) {
      oscore_msg m;
      oscore_msg_init(&m, NULL, 0);
      m.code = k.code;
      CHECK_EQ_INT(coapx_dedup_put(d, &r, &local, k.mid, k.t, &m), COAPX_OK);
      if (n == CAP) {
        memmove(model, model + 1, (CAP - 1) * sizeof *model);
        n--;
      }
      model[n++] = k;
    }
    for (size_t j = 0; j < n; j++) {
      coap_address_t rj = v4(model[j].ip, model[j].port);
      if (!coapx_dedup_find(d, &rj, &local, model[j].mid, k.t, &a) ||
          a.code != model[j].code)
        found_all = false;
    }
    coap_address_t stranger = v4(0x7f000001 + 100 + (x & 7), 40000);
    if (coapx_dedup_find(d, &stranger, &local, k.mid, k.t, NULL))
      found_none = false;
    if (coapx_dedup_count(d) != n) count_ok = false;
  }
  CHECK(found_all);
  CHECK(found_none);
  CHECK(count_ok);
  coapx_dedup_free(d);
}

int main(void) {
  check_against_model();
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
