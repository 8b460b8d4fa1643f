/* The cipher suite table (RFC 9528 §10.2, IANA "EDHOC Cipher Suites"). */
#include "edhoc_suite.h"

static const edhoc_suite suites[] = {
  { 0, "AES-CCM-16-64-128, SHA-256, 8, X25519, EdDSA", 10, 8,
    EDHOC_CURVE_X25519, EDHOC_CURVE_ED25519, 10 },
  { 1, "AES-CCM-16-128-128, SHA-256, 16, X25519, EdDSA", 30, 16,
    EDHOC_CURVE_X25519, EDHOC_CURVE_ED25519, 10 },
  { 2, "AES-CCM-16-64-128, SHA-256, 8, P-256, ES256", 10, 8,
    EDHOC_CURVE_P256, EDHOC_CURVE_P256, 10 },
  { 3, "AES-CCM-16-128-128, SHA-256, 16, P-256, ES256", 30, 16,
    EDHOC_CURVE_P256, EDHOC_CURVE_P256, 10 },
  /* Suite 6 mixes X25519 with ES256; the second RFC 9529 trace has an
   * initiator preferring it. */
  { 6, "A128GCM, SHA-256, 16, X25519, ES256", 1, 16,
    EDHOC_CURVE_X25519, EDHOC_CURVE_P256, 1 },
};

const edhoc_suite *edhoc_suite_by_id(int64_t id) {
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
    if (suites[i].id == id)
      return &suites[i];
  return NULL;
}

const oscore_aead_info *edhoc_suite_aead(const edhoc_suite *s) {
  return oscore_aead_by_cose(s->aead_cose);
}
