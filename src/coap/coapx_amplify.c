#include "coapx_amplify.h"
#include <nettle/hmac.h>
#include <string.h>
#include "coapx_addr.h"
#include "oscore_secret.h"

coapx_err coapx_amplify_init(coapx_amplify *a) {
  memset(a, 0, sizeof *a);
  return oscore_random(a->key, sizeof a->key) == OSCORE_OK ? COAPX_OK
                                                         : COAPX_ERR_LIBCOAP;
}

void coapx_amplify_clear(coapx_amplify *a) {
  oscore_wipe(a->key, sizeof a->key);
}

/* Host key and port: the address a proof is for. */
static size_t addr_key(const coap_address_t *remote, uint8_t out[18]) {
  size_t n = coapx_addr_host_key(remote, out);
  uint16_t port = coap_address_get_port(remote);
  out[n] = (uint8_t)(port >> 8);
  out[n + 1] = (uint8_t)port;
  return n + 2;
}

/* HMAC-SHA-256 of time and address under the server's key, truncated. */
static void mac(const coapx_amplify *a, const uint8_t *addr, size_t len,
                const uint8_t t[4], uint8_t out[8]) {
  struct hmac_sha256_ctx h;
  hmac_sha256_set_key(&h, sizeof a->key, a->key);
  hmac_sha256_update(&h, 4, t);
  hmac_sha256_update(&h, len, addr);
  hmac_sha256_digest(&h, 8, out);
  oscore_wipe(&h, sizeof h);
}

void coapx_amplify_echo(const coapx_amplify *a, const coap_address_t *remote,
                        uint64_t now_s, uint8_t out[COAPX_AMPLIFY_ECHO_LEN]) {
  uint8_t addr[18];
  size_t len = addr_key(remote, addr);
  uint32_t t = (uint32_t)now_s;
  out[0] = (uint8_t)(t >> 24);
  out[1] = (uint8_t)(t >> 16);
  out[2] = (uint8_t)(t >> 8);
  out[3] = (uint8_t)t;
  mac(a, addr, len, out, out + 4);
}

static size_t slot_of(const uint8_t *addr, size_t len) {
  return coapx_addr_key_hash(addr, len) % COAPX_VERIFIED_SLOTS;
}

bool coapx_amplify_verified(coapx_amplify *a, const coap_address_t *remote,
                            const oscore_bytes *echo, uint64_t now_s) {
  uint8_t addr[18];
  size_t len = addr_key(remote, addr);
  size_t s = slot_of(addr, len);
  if (a->slot[s].until > now_s && a->slot[s].len == len &&
      memcmp(a->slot[s].addr, addr, len) == 0)
    return true;
  if (!echo || echo->len != COAPX_AMPLIFY_ECHO_LEN) return false;
  const uint8_t *v = echo->ptr;
  uint32_t t = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
               (uint32_t)v[2] << 8 | v[3];
  if ((uint32_t)now_s - t > COAPX_VERIFIED_S) return false;
  uint8_t want[8];
  mac(a, addr, len, v, want);
  if (!oscore_secret_equal(want, v + 4, 8))
    return false;
  /* Proven: remembered, evicting whatever shared the slot. */
  memcpy(a->slot[s].addr, addr, len);
  a->slot[s].len = (uint8_t)len;
  a->slot[s].until = now_s + COAPX_VERIFIED_S;
  return true;
}
