/* Which OSCORE a context speaks: RFC 8613, or the earlier
 * draft-ietf-core-object-security-08 that LwM2M 1.1 references (devices
 * such as Anjay's "draft-08 mode"). The differences are data here, read by
 * the one derivation and protect/unprotect path; ../shared/spec/DRAFT08.md
 * lists them with their sources.
 *
 * The zero profile is RFC 8613, so a context set up without naming one
 * (and every existing caller) keeps RFC 8613 behaviour. */
#ifndef OSCORE_PROFILE_H
#define OSCORE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "oscore_error.h"

typedef enum {
  OSCORE_VERSION_RFC8613 = 0,
  OSCORE_VERSION_DRAFT08,
} oscore_version;

/* The draft's vectors and the 2018 plugtests carry the option as 21; the
 * draft text leaves the number "TBD". */
#define OSCORE_DRAFT08_OPTION 21

typedef struct {
  oscore_version version;
  /* The option carrying the OSCORE value; 0 means 9 (RFC 8613). */
  uint16_t option_number;
  /* draft-08: info = [id, alg_aead, type, L]: the ID context is no
   * KDF input (RFC 8613 has [id, id_context, alg_aead, type, L]). */
  bool info_without_id_context;
  /* draft-08's Common IV info: the text says id = h'', the published
   * Appendix C vectors were computed with id = null. */
  bool common_iv_id_null;
  /* draft-08: Observe is class U only (never in the plaintext). */
  bool observe_outer_only;
  /* draft-08: the outer code of every response is 2.04 Changed. */
  bool responses_always_changed;
  /* draft-08: every Observe response carries its own partial IV,
   * the first one (the answer to the registration) too. */
  bool notifications_own_piv;
} oscore_profile;

/* The draft-08 profile with the two choices that are not public for
 * Anjay: |option_number| 21 or 9 (else OSCORE_ERR_INVALID_ARG), and the
 * Common IV id as null (|iv_id_null|) or h''. */
oscore_err oscore_profile_draft08(uint16_t option_number, bool iv_id_null,
                                  oscore_profile *out);

/* The option number |p| puts the OSCORE value in (9 for the zero profile). */
uint16_t oscore_profile_option(const oscore_profile *p);

/* One line for -vv output: "RFC 8613, option 9" or "draft-08, option 21,
 * Common IV id null" into |out| (|cap| bytes, NUL-terminated, cut). */
void oscore_profile_describe(const oscore_profile *p, char *out, size_t cap);

/* "RFC 8613" or "draft-08". */
const char *oscore_profile_name(const oscore_profile *p);

/* The diagnostic payload of the unprotected 4.01 refusing a replay: the
 * draft says "Replay protection failed", RFC 8613 §8.2 "Replay detected". */
const char *oscore_profile_replay_text(const oscore_profile *p);

#endif
