/* The credentials-map loader (store_credentials_load, COMPAT.md §2): the
 * input is written as credentials.json in a private directory that also
 * holds a valid context directory "ctx" (so relative basedirs can resolve)
 * and loaded. Contexts are not opened: a fuzzed basedir may name any
 * directory, and opening takes a lock file inside it.
 * Invariants: a failed load says why in diag.msg (NUL-terminated); a
 * successful one closes cleanly (and LeakSanitizer checks both free
 * everything). The keys of the map, when it is JSON, also drive the URI
 * pattern matcher against a plain recursive reference. */
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "fuzz.h"
#include "fuzz_common.h"
#include "store.h"
#include "store_pattern.h"

static char dir[4200], path[4300];

static void count_warning(void *arg, const char *msg) {
  FUZZ_CHECK(msg && strlen(msg) < 4096);
  ++*(unsigned *)arg;
}

/* '*' is any run of characters, everything else itself (aiocoap). */
static bool reference_match(const char *p, const char *s) {
  if (!*p) return !*s;
  if (*p == '*')
    return reference_match(p + 1, s) || (*s && reference_match(p, s + 1));
  return *s == *p && reference_match(p + 1, s + 1);
}

static size_t stars(const char *p) {
  size_t n = 0;
  for (; *p; p++) n += *p == '*';
  return n;
}

static void check_pattern(const char *key) {
  static const char *const uris[] = {
    "coap://localhost/a/b", "coap://[::1]:5683/", "coap://127.0.0.1:*", "",
    "coap://localhost", "**", "a*b*c",
  };
  FUZZ_CHECK(store_pattern_match(key, key));
  for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
    bool m = store_pattern_match(key, uris[i]);
    if (strlen(key) <= 40 && stars(key) <= 5)
      FUZZ_CHECK(m == reference_match(key, uris[i]));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "%s/creds", fuzz_tmpdir());
    char ctx[4300];
    snprintf(ctx, sizeof ctx, "%s/ctx", dir);
    FUZZ_CHECK(mkdir(dir, 0700) == 0 && mkdir(ctx, 0700) == 0);
    const char *s = fuzz_settings_json(FUZZ_VEC_C1, true);
    const char *k = fuzz_secret_json(FUZZ_VEC_C1);
    FUZZ_CHECK(fuzz_write(ctx, "settings.json", s, strlen(s)));
    FUZZ_CHECK(fuzz_write(ctx, "secret.json", k, strlen(k)));
    snprintf(path, sizeof path, "%s/credentials.json", dir);
    store_enable_edhoc();   /* edhoc-oscore entries are parsed too */
  }
  FUZZ_CHECK(fuzz_write(dir, "credentials.json", data, size));

  unsigned warnings = 0;
  store_diag diag = { .warn = count_warning, .warn_arg = &warnings };
  store_credentials *c = NULL;
  store_err e = store_credentials_load(path, &diag, &c);
  FUZZ_CHECK(memchr(diag.msg, '\0', sizeof diag.msg) != NULL);
  if (e == STORE_OK) {
    FUZZ_CHECK(c != NULL);
    FUZZ_CHECK(store_credentials_close(c, &diag) == STORE_OK);
  } else {
    FUZZ_CHECK(c == NULL && diag.msg[0] != '\0');
    FUZZ_CHECK(store_strerror(e) != NULL);
  }

  cJSON *j = cJSON_ParseWithLength((const char *)data, size);
  if (cJSON_IsObject(j))
    for (const cJSON *m = j->child; m; m = m->next)
      if (m->string) check_pattern(m->string);
  cJSON_Delete(j);
  return 0;
}
