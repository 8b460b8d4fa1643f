#include "fs_mime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
  char *ext;   /* lower case */
  char *type;  /* points into a string owned by |types| */
} ext_entry;

struct fs_mime {
  ext_entry *ents;
  size_t n, cap;
  char **types;
  size_t n_types, cap_types;
};

/* IANA "CoAP Content-Formats" entries that have a plain media type (no
 * parameters, identity encoding); text/plain;charset=utf-8 is 0. */
static const struct { const char *type; int cf; } coap_formats[] = {
  {"text/plain", 0},
  {"application/ace+cbor", 19},
  {"image/gif", 21}, {"image/jpeg", 22}, {"image/png", 23},
  {"application/link-format", 40}, {"application/xml", 41},
  {"application/octet-stream", 42}, {"application/exi", 47},
  {"application/json", 50}, {"application/json-patch+json", 51},
  {"application/merge-patch+json", 52}, {"application/cbor", 60},
  {"application/cwt", 61}, {"application/multipart-core", 62},
  {"application/cbor-seq", 63}, {"application/cose-key", 101},
  {"application/cose-key-set", 102}, {"application/senml+json", 110},
  {"application/sensml+json", 111}, {"application/senml+cbor", 112},
  {"application/sensml+cbor", 113}, {"application/senml-exi", 114},
  {"application/sensml-exi", 115}, {"application/coap-group+json", 256},
  {"application/concise-problem-details+cbor", 257},
  {"application/swid+cbor", 258}, {"application/dots+cbor", 271},
  {"application/missing-blocks+cbor-seq", 272}, {"application/pkcs8", 284},
  {"application/csrattrs", 285}, {"application/pkcs10", 286},
  {"application/pkix-cert", 287}, {"application/aif+cbor", 290},
  {"application/aif+json", 291}, {"application/senml+xml", 310},
  {"application/sensml+xml", 311}, {"application/senml-etch+json", 320},
  {"application/senml-etch+cbor", 322}, {"application/yang-data+cbor", 340},
  {"application/td+json", 432}, {"application/vnd.ocf+cbor", 10000},
  {"application/oscore", 10001}, {"application/javascript", 10002},
  {"application/vnd.oma.lwm2m+tlv", 11542},
  {"application/vnd.oma.lwm2m+json", 11543},
  {"application/vnd.oma.lwm2m+cbor", 11544},
  {"text/css", 20000}, {"image/svg+xml", 30000},
};

int fs_mime_coap_format(const char *type) {
  if (!type)
    return -1;
  for (size_t i = 0; i < sizeof coap_formats / sizeof coap_formats[0]; i++)
    if (strcasecmp(coap_formats[i].type, type) == 0)
      return coap_formats[i].cf;
  if (strncasecmp(type, "text/", 5) == 0)
    return 0;
  return -1;
}

static int cmp_ext(const void *a, const void *b) {
  return strcmp(((const ext_entry *)a)->ext, ((const ext_entry *)b)->ext);
}

static char *dup_lower(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d)
    return NULL;
  for (size_t i = 0; i < n; i++)
    d[i] = (char)tolower((unsigned char)s[i]);
  d[n] = 0;
  return d;
}

static fs_err add_ext(fs_mime *m, const char *ext, size_t n, char *type) {
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 512;
    ext_entry *e = realloc(m->ents, cap * sizeof *e);
    if (!e)
      return FS_ERR_NO_MEMORY;
    m->ents = e;
    m->cap = cap;
  }
  char *x = dup_lower(ext, n);
  if (!x)
    return FS_ERR_NO_MEMORY;
  m->ents[m->n].ext = x;
  m->ents[m->n].type = type;
  m->n++;
  return FS_OK;
}

static fs_err keep_type(fs_mime *m, const char *type, size_t n, char **out) {
  if (m->n_types == m->cap_types) {
    size_t cap = m->cap_types ? m->cap_types * 2 : 256;
    char **t = realloc(m->types, cap * sizeof *t);
    if (!t)
      return FS_ERR_NO_MEMORY;
    m->types = t;
    m->cap_types = cap;
  }
  char *d = dup_lower(type, n);
  if (!d)
    return FS_ERR_NO_MEMORY;
  m->types[m->n_types++] = d;
  *out = d;
  return FS_OK;
}

/* One line: "type ext ext ..." separated by blanks; '#' starts a comment. */
static fs_err parse_line(fs_mime *m, char *line) {
  char *hash = strchr(line, '#');
  if (hash)
    *hash = 0;
  const char *sep = " \t\r\n";
  char *save = NULL;
  char *type = strtok_r(line, sep, &save);
  if (!type)
    return FS_OK;
  char *ext = strtok_r(NULL, sep, &save);
  if (!ext)
    return FS_OK;
  char *kept;
  fs_err e = keep_type(m, type, strlen(type), &kept);
  for (; e == FS_OK && ext; ext = strtok_r(NULL, sep, &save))
    e = add_ext(m, ext, strlen(ext), kept);
  return e;
}

fs_err fs_mime_load(const char *path, fs_mime **out) {
  fs_mime *m = calloc(1, sizeof *m);
  if (!m)
    return FS_ERR_NO_MEMORY;
  FILE *f = fopen(path ? path : FS_MIME_DEFAULT_FILE, "re");
  fs_err e = FS_OK;
  if (f) {
    char *line = NULL;
    size_t cap = 0;
    while (e == FS_OK && getline(&line, &cap, f) >= 0)
      e = parse_line(m, line);
    free(line);
    fclose(f);
  }
  if (e != FS_OK) {
    fs_mime_free(m);
    return e;
  }
  if (m->n)
    qsort(m->ents, m->n, sizeof *m->ents, cmp_ext);
  *out = m;
  return FS_OK;
}

void fs_mime_free(fs_mime *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++)
    free(m->ents[i].ext);
  for (size_t i = 0; i < m->n_types; i++)
    free(m->types[i]);
  free(m->ents);
  free(m->types);
  free(m);
}

static const char *lookup(const fs_mime *m, const char *ext) {
  char key[256];
  size_t n = strlen(ext);
  if (n >= sizeof key)
    return NULL;
  for (size_t i = 0; i < n; i++)
    key[i] = (char)tolower((unsigned char)ext[i]);
  key[n] = 0;
  ext_entry probe = {key, NULL};
  const ext_entry *hit = m->n ? bsearch(&probe, m->ents, m->n, sizeof *m->ents,
                                        cmp_ext) : NULL;
  return hit ? hit->type : NULL;
}

const char *fs_mime_type(const fs_mime *m, const char *name) {
  if (!m || !name || !name[0])
    return NULL;
  /* A leading dot is part of the name, not an extension (".profile"). */
  for (const char *p = name + 1; *p; p++) {
    if (*p != '.' || p[1] == 0)
      continue;
    const char *t = lookup(m, p + 1);
    if (t)
      return t;
  }
  return NULL;
}

int fs_mime_format_of(const fs_mime *m, const char *name) {
  return fs_mime_coap_format(fs_mime_type(m, name));
}
