/* Helpers for the EDHOC tests: the RFC 9529 vector file, and a peer
 * credential look-up over a fixed list. */
#ifndef EDHOC_TESTUTIL_H
#define EDHOC_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edhoc.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

typedef struct {
  char key[96];
  uint8_t *val;
  size_t len;
} tv_entry;

static tv_entry tv_table[400];
static size_t tv_count;

/* Loads tests/vectors/rfc9529.txt; exits on a damaged file. */
static inline void tv_load(void) {
  const char *path = TEST_SRCDIR "/tests/vectors/rfc9529.txt";
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  char line[2048];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    line[strcspn(line, "\n")] = 0;
    char *sp = strchr(line, ' ');
    const char *hex = sp ? sp + 1 : "";
    if (sp)
      *sp = 0;
    size_t n = strlen(hex);
    if (tv_count == sizeof tv_table / sizeof tv_table[0] || n % 2 ||
        strlen(line) >= sizeof tv_table[0].key) {
      fprintf(stderr, "%s: bad line %s\n", path, line);
      exit(1);
    }
    tv_entry *e = &tv_table[tv_count++];
    strcpy(e->key, line);
    e->len = n / 2;
    e->val = malloc(e->len + 1);
    for (size_t i = 0; i < e->len; i++) {
      unsigned v;
      if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
        fprintf(stderr, "%s: bad hex for %s\n", path, line);
        exit(1);
      }
      e->val[i] = (uint8_t)v;
    }
  }
  fclose(f);
}

/* The value named |key|; a missing key is a broken test: exit. */
static inline oscore_bytes tv(const char *key) {
  for (size_t i = 0; i < tv_count; i++)
    if (strcmp(tv_table[i].key, key) == 0)
      return OSCORE_BYTES(tv_table[i].val, tv_table[i].len);
  fprintf(stderr, "no test vector %s\n", key);
  exit(1);
}

/* A credential the look-up may return: CCS bytes or certificate DER. */
typedef struct {
  edhoc_cred_kind kind;
  oscore_bytes bytes;
} test_cred;

typedef struct {
  test_cred creds[4];
  size_t n;
  int calls;
} test_lookup;

static inline edhoc_err test_lookup_fn(void *arg, const edhoc_id_cred *id,
                                edhoc_cred *out) {
  test_lookup *l = arg;
  l->calls++;
  for (size_t i = 0; i < l->n; i++) {
    edhoc_err err = l->creds[i].kind == EDHOC_CRED_CCS
        ? edhoc_cred_from_ccs(l->creds[i].bytes, out)
        : edhoc_cred_from_x509(l->creds[i].bytes, out);
    if (err != EDHOC_OK)
      return err;
    if (edhoc_id_cred_matches(id, out))
      return EDHOC_OK;
    edhoc_cred_clear(out);
  }
  return EDHOC_ERR_UNKNOWN_CRED;
}

#endif
