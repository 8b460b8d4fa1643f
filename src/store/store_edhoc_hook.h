/* Private: the seam between credentials maps (store_credentials.c) and
 * the parser of their "edhoc-oscore" entries (store_edhoc.c), which needs
 * EDHOC's public-key crypto (key files, curves). store_credentials.c
 * calls the parser only through this hook, which store_enable_edhoc()
 * (store_edhoc_hook.c) installs: a program that never calls it links
 * none of EDHOC, and its maps must not hold such entries
 * (STORE_ERR_NEEDS_EDHOC). */
#ifndef STORE_EDHOC_HOOK_H
#define STORE_EDHOC_HOOK_H

#include <cjson/cJSON.h>
#include "store.h"

typedef struct {
  /* store_edhoc_entry_parse_json into a new entry (*out, freed by
   * free_entry); on error *out stays NULL. */
  store_err (*parse_entry)(const cJSON *obj, const char *label,
                           const char *map_path,
                           struct store_edhoc_entry_s **out,
                           store_diag *diag);
  /* Wipe and free an entry parse_entry made (NULL is fine). */
  void (*free_entry)(struct store_edhoc_entry_s *e);
} store_edhoc_hook;

/* Install |h| (static storage) for every map loaded after. */
void store_credentials_set_edhoc_hook(const store_edhoc_hook *h);

#endif
