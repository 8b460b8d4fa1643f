/* Private: aiocoap's "dtls" credential (credentials.py class DTLS): a
 * pre-shared key and the identity the client presents with it, read with
 * the same care as an OSCORE master secret (wiped when freed, never in a
 * message). */
#ifndef STORE_DTLS_H
#define STORE_DTLS_H

#include <cjson/cJSON.h>
#include "store.h"

/* libcoap 4.3.1's limits (COAP_DTLS_MAX_PSK_IDENTITY, COAP_DTLS_MAX_PSK):
 * longer values would be cut by libcoap, so they are refused here. */
#define STORE_DTLS_MAX_IDENTITY 64
#define STORE_DTLS_MAX_PSK 64

typedef struct {
  uint8_t identity[STORE_DTLS_MAX_IDENTITY];
  size_t identity_len;
  uint8_t psk[STORE_DTLS_MAX_PSK];
  size_t psk_len;
} store_dtls_entry;

/* Parse the value of a "dtls" member: an object with exactly "psk" and
 * "client-identity", each {"ascii": ...} or {"hex": ...} as aiocoap reads
 * them. |key| and |path| name the entry in messages; no value is ever
 * quoted. Errors: STORE_ERR_MALFORMED, _MISSING, _DUPLICATE. */
store_err store_dtls_entry_parse(const cJSON *v, const char *key,
                                 const char *path, store_dtls_entry *out,
                                 store_diag *diag);

/* Wipe |e| (NULL is fine). */
void store_dtls_entry_clear(store_dtls_entry *e);

#endif
