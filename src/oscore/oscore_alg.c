/* The AEAD table of RFC 8613 / COSE (RFC 9053) as aiocoap names it, and the
 * HKDF hash names of aiocoap's "kdf-hashfun" setting. */
#include <string.h>
#include "oscore_alg.h"

/* Order: aiocoap's default (AES-CCM-16-64-128) first, then by COSE number
 * within each family. Lengths are RFC 9053 §4.2 (CCM), §4.1 (GCM), §4.3. */
static const oscore_aead_info aead_table[] = {
  { 10, "AES-CCM-16-64-128", 16, 8, 13 },
  { 11, "AES-CCM-16-64-256", 32, 8, 13 },
  { 12, "AES-CCM-64-64-128", 16, 8, 7 },
  { 13, "AES-CCM-64-64-256", 32, 8, 7 },
  { 30, "AES-CCM-16-128-128", 16, 16, 13 },
  { 31, "AES-CCM-16-128-256", 32, 16, 13 },
  { 32, "AES-CCM-64-128-128", 16, 16, 7 },
  { 33, "AES-CCM-64-128-256", 32, 16, 7 },
  { 1, "A128GCM", 16, 16, 12 },
  { 2, "A192GCM", 24, 16, 12 },
  { 3, "A256GCM", 32, 16, 12 },
  { 24, "ChaCha20/Poly1305", 32, 16, 12 },
};

#define AEAD_COUNT (sizeof aead_table / sizeof aead_table[0])

const oscore_aead_info *oscore_aead_by_cose(int cose) {
  for (size_t i = 0; i < AEAD_COUNT; i++)
    if (aead_table[i].cose == cose)
      return &aead_table[i];
  return NULL;
}

const oscore_aead_info *oscore_aead_by_name(const char *name) {
  if (name == NULL)
    return NULL;
  for (size_t i = 0; i < AEAD_COUNT; i++)
    if (strcmp(aead_table[i].name, name) == 0)
      return &aead_table[i];
  return NULL;
}

const oscore_aead_info *oscore_aead_at(size_t i) {
  return i < AEAD_COUNT ? &aead_table[i] : NULL;
}

static const char *const hash_names[] = {
  [OSCORE_HASH_SHA256] = "sha256",
  [OSCORE_HASH_SHA384] = "sha384",
  [OSCORE_HASH_SHA512] = "sha512",
};

#define HASH_COUNT (sizeof hash_names / sizeof hash_names[0])

oscore_err oscore_hash_by_name(const char *name, oscore_hash *out) {
  if (name == NULL || out == NULL)
    return OSCORE_ERR_INVALID_ARG;
  for (size_t i = 0; i < HASH_COUNT; i++) {
    if (strcmp(hash_names[i], name) == 0) {
      *out = (oscore_hash)i;
      return OSCORE_OK;
    }
  }
  return OSCORE_ERR_UNKNOWN_HASH;
}

const char *oscore_hash_name(oscore_hash h) {
  if ((unsigned)h >= HASH_COUNT)
    return NULL;
  return hash_names[h];
}
