#include "store_tlscert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store_diag.h"
#include "store_json.h"

/* |file| beside the credentials file when it exists there (what services
 * started elsewhere need), else as given. */
static char *resolve(const char *credpath, const char *file) {
  const char *slash = strrchr(credpath, '/');
  if (file[0] == '/' || !slash) return strdup(file);
  size_t n = (size_t)(slash - credpath) + 1 + strlen(file) + 1;
  char *beside = malloc(n);
  if (!beside) return NULL;
  snprintf(beside, n, "%.*s/%s", (int)(slash - credpath), credpath, file);
  if (access(beside, F_OK) == 0) return beside;
  free(beside);
  return strdup(file);
}

store_err store_tlscert_parse(const cJSON *v, const char *key,
                              const char *path, char **out, store_diag *diag) {
  *out = NULL;
  if (!cJSON_IsObject(v))
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"tlscert\" takes an object such "
                      "as {\"certfile\": \"server-ca.pem\"}", path, key);
  static const char *const names[] = { "certfile" };
  const cJSON *slot[1], *bad;
  bool twice;
  if (!store_json_pick_members(v, names, slot, 1, &bad, &twice))
    return twice ? store_fail(diag, STORE_ERR_DUPLICATE,
                              "%s: entry \"%.100s\": \"%s\" given twice",
                              path, key, bad->string)
                 : store_fail(diag, STORE_ERR_MALFORMED,
                              "%s: entry \"%.100s\": unexpected member "
                              "\"%.64s\" in \"tlscert\" (expected "
                              "\"certfile\")", path, key, bad->string);
  if (!slot[0])
    return store_fail(diag, STORE_ERR_MISSING,
                      "%s: entry \"%.100s\": \"tlscert\" lacks \"certfile\"",
                      path, key);
  if (!cJSON_IsString(slot[0]) || !slot[0]->valuestring[0])
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"certfile\" must be a non-empty "
                      "string (a PEM file)", path, key);
  if (!(*out = resolve(path, slot[0]->valuestring)))
    return store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory", path);
  return STORE_OK;
}
