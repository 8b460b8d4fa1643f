/* store_enable_edhoc(): the one reference that links the "edhoc-oscore"
 * entry parser (store_edhoc.c, and through it EDHOC) into a program
 * (store_edhoc_hook.h). */
#include "store_edhoc_hook.h"

#include <stdlib.h>
#include "store_diag.h"
#include "store_edhoc.h"

static store_err parse_entry(const cJSON *obj, const char *label,
                             const char *map_path, store_edhoc_entry **out,
                             store_diag *diag) {
  *out = NULL;
  store_edhoc_entry *e = calloc(1, sizeof *e);
  if (!e)
    return store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory",
                      map_path);
  store_err err = store_edhoc_entry_parse_json(obj, label, map_path, e, diag);
  if (err) {
    free(e);
    return err;
  }
  *out = e;
  return STORE_OK;
}

static void free_entry(store_edhoc_entry *e) {
  store_edhoc_entry_clear(e);   /* wipes the key */
  free(e);
}

void store_enable_edhoc(void) {
  static const store_edhoc_hook hook = { parse_entry, free_entry };
  store_credentials_set_edhoc_hook(&hook);
}
