/* Credentials maps (COMPAT.md §2): which context a client uses for a URI,
 * and which context and identity a server finds for a kid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "store_cred_edn.h"
#include "store_derived.h"
#include "store_diag.h"
#include "store_dtls.h"
#include "store_edhoc_hook.h"
#include "store_json.h"
#include "store_pattern.h"
#include "store_tlscert.h"

#define MAX_REF_DEPTH 16
/* An "all-of" names at most one OSCORE and one (D)TLS credential; a few
 * more members are read so that the error can say what is extra. */
#define MAX_ALL_OF 4
#define NO_CTX ((size_t)-1)

/* What an entry is: a reference, or a credential of one of aiocoap's
 * types (credentials.py _class_map). ENTRY_UNUSABLE holds a type this
 * build cannot use (cred_types[] below): the map still loads, and only a
 * request that needs such an entry fails, naming it. */
typedef enum {
  ENTRY_REF, ENTRY_OSCORE, ENTRY_DTLS, ENTRY_TLSCERT, ENTRY_ALL_OF,
  ENTRY_UNUSABLE
} entry_kind;

typedef struct {
  char *key;
  entry_kind kind;
  const char *type; /* ENTRY_UNUSABLE: the credential type's label */
  char *ref;       /* ENTRY_REF: the key it names */
  char *basedir;   /* ENTRY_OSCORE: resolved directory */
  store_dtls_entry *dtls;  /* ENTRY_DTLS: PSK and identity (wiped) */
  char *certfile;  /* ENTRY_TLSCERT: the server's trust anchor (PEM) */
  char *all_of[MAX_ALL_OF]; /* ENTRY_ALL_OF: the references it lists */
  size_t n_all_of;
  /* "edhoc-oscore": parsed and checked at load (through the hook,
   * store_edhoc_hook.h), used when EDHOC runs over CoAP */
  struct store_edhoc_entry_s *edhoc;
  size_t opened;   /* index into ctxs, NO_CTX until opened */
} cred_entry;

typedef struct {
  dev_t dev;
  ino_t ino;
  store_context *sc;
} opened_ctx;

struct store_credentials {
  char *path;
  cred_entry *entries;
  size_t n_entries;
  opened_ctx *ctxs;   /* at most one per entry */
  size_t n_ctxs;
  /* Server lookup by kid: ctxs indices sorted by (recipient ID, ID
   * context, index), and each context's identity, built for the first
   * n_indexed contexts (rebuilt when more were opened). A server with a
   * thousand clients would otherwise compare a thousand IDs per request. */
  size_t *by_kid;
  const char **identity_of;
  size_t n_indexed;
  store_derived derived;   /* server: contexts EDHOC established */
};


static cred_entry *by_key(store_credentials *c, const char *key) {
  for (size_t i = 0; i < c->n_entries; i++)
    if (strcmp(c->entries[i].key, key) == 0)
      return &c->entries[i];
  return NULL;
}

static bool is_dir(const char *path, struct stat *st) {
  return stat(path, st) == 0 && S_ISDIR(st->st_mode);
}

/* Relative basedirs: against the credentials file's directory (what
 * scripts and services need); aiocoap reads them against the current
 * directory, so that reading is the fallback, with a warning. */
static char *resolve_basedir(const char *credpath, const char *key,
                             const char *basedir, store_diag *diag) {
  char given[4096];
  size_t n = strlen(basedir);
  while (n > 1 && basedir[n - 1] == '/')
    n--;   /* "ctx/" would give "ctx//lock" in every message */
  if (n >= sizeof given)
    return NULL;
  memcpy(given, basedir, n);
  given[n] = '\0';
  if (given[0] == '/')
    return strdup(given);

  const char *slash = strrchr(credpath, '/');
  if (!slash)
    return strdup(given);   /* the file is in the current directory */
  char beside[8192];
  snprintf(beside, sizeof beside, "%.*s/%s", (int)(slash - credpath), credpath,
           given);
  struct stat a, b;
  bool a_ok = is_dir(beside, &a), b_ok = is_dir(given, &b);
  if (a_ok) {
    if (b_ok && (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
      store_warn(diag, "%s: entry \"%.100s\": basedir \"%s\" exists both beside "
                 "the credentials file (%s, used) and in the current directory "
                 "(which aiocoap would use)", credpath, key, basedir, beside);
    return strdup(beside);
  }
  if (b_ok) {
    store_warn(diag, "%s: entry \"%.100s\": basedir \"%s\" is not beside the "
               "credentials file (%s); using it relative to the current "
               "directory as aiocoap does; better make it relative to the "
               "credentials file", credpath, key, basedir, beside);
    return strdup(given);
  }
  return strdup(beside);   /* opening it will say it is missing */
}

static store_err parse_oscore(store_credentials *c, cred_entry *e,
                              const cJSON *v, store_diag *diag) {
  if (!cJSON_IsObject(v))
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"oscore\" takes an object such as "
                      "{\"basedir\": \"dir/\"}", c->path, e->key);
  static const char *const names[] = { "basedir", "contextfile" };
  const cJSON *slots[2], *bad;
  bool twice;
  if (!store_json_pick_members(v, names, slots, 2, &bad, &twice))
    return twice ? store_fail(diag, STORE_ERR_DUPLICATE,
                              "%s: entry \"%.100s\": \"%s\" given twice",
                              c->path, e->key, bad->string)
                 : store_fail(diag, STORE_ERR_MALFORMED,
                              "%s: entry \"%.100s\": unexpected member "
                              "\"%.64s\" in \"oscore\" (expected \"basedir\")",
                              c->path, e->key, bad->string);
  const cJSON *basedir = slots[0], *contextfile = slots[1];
  if (basedir && contextfile)
    return store_fail(diag, STORE_ERR_DUPLICATE,
                      "%s: entry \"%.100s\": both \"basedir\" and \"contextfile\" "
                      "(the older name of basedir); give only \"basedir\"",
                      c->path, e->key);
  if (!basedir && !contextfile)
    return store_fail(diag, STORE_ERR_MISSING,
                      "%s: entry \"%.100s\": \"oscore\" lacks \"basedir\"",
                      c->path, e->key);
  const cJSON *d = basedir ? basedir : contextfile;
  if (!cJSON_IsString(d) || !d->valuestring[0])
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"%s\" must be a non-empty string "
                      "(a directory)", c->path, e->key, d->string);
  if (contextfile)
    store_warn(diag, "%s: entry \"%.100s\": \"contextfile\" is the older name "
               "of \"basedir\"", c->path, e->key);
  e->kind = ENTRY_OSCORE;
  e->basedir = resolve_basedir(c->path, e->key, d->valuestring, diag);
  if (!e->basedir)
    return store_fail(diag, STORE_ERR_NO_MEMORY, "%s: entry \"%.100s\": basedir "
                      "too long or out of memory", c->path, e->key);
  return STORE_OK;
}

/* Accept an entry of a type this build cannot use: recorded by label,
 * refused only when a request needs it (store_credentials_for_uri). */
static store_err parse_unusable(store_credentials *c, cred_entry *e,
                                const cJSON *v, store_diag *diag) {
  (void)c;
  (void)v;
  (void)diag;
  e->kind = ENTRY_UNUSABLE;
  return STORE_OK;
}

static store_err parse_dtls(store_credentials *c, cred_entry *e,
                            const cJSON *v, store_diag *diag) {
  if (!(e->dtls = calloc(1, sizeof *e->dtls)))
    return store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory", c->path);
  store_err err = store_dtls_entry_parse(v, e->key, c->path, e->dtls, diag);
  if (!err)
    e->kind = ENTRY_DTLS;
  return err;
}

static store_err parse_tlscert(store_credentials *c, cred_entry *e,
                               const cJSON *v, store_diag *diag) {
  store_err err = store_tlscert_parse(v, e->key, c->path, &e->certfile, diag);
  if (!err)
    e->kind = ENTRY_TLSCERT;
  return err;
}

/* "all-of": aiocoap lists credentials that must all be used ("double
 * encryption": DTLS below, OSCORE inside). We use references to at most
 * one "oscore" and one "dtls" or "tlscert" entry (checked once references can be
 * followed, check_all_of); any other list loads, as in aiocoap, as an
 * entry this build cannot use. */
static store_err parse_all_of(store_credentials *c, cred_entry *e,
                              const cJSON *v, store_diag *diag) {
  if (!cJSON_IsArray(v))
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": \"all-of\" takes a list such as "
                      "[\":dtls\", \":oscore\"]", c->path, e->key);
  e->kind = ENTRY_UNUSABLE;
  if (!v->child || cJSON_GetArraySize(v) > MAX_ALL_OF)
    return STORE_OK;
  for (const cJSON *m = v->child; m; m = m->next)
    if (!cJSON_IsString(m) || m->valuestring[0] != ':')
      return STORE_OK;
  for (const cJSON *m = v->child; m; m = m->next) {
    if (!(e->all_of[e->n_all_of] = strdup(m->valuestring)))
      return store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory",
                        c->path);
    e->n_all_of++;
  }
  e->kind = ENTRY_ALL_OF;
  return STORE_OK;
}

/* Set by store_enable_edhoc() (store_edhoc_hook.h): without it this
 * program links none of EDHOC, and a map with an "edhoc-oscore" entry is
 * refused before any entry is parsed (find_edhoc_entry). */
static const store_edhoc_hook *installed_edhoc_hook;

void store_credentials_set_edhoc_hook(const store_edhoc_hook *h) {
  installed_edhoc_hook = h;
}

/* An "edhoc-oscore" entry is checked in full at load (key file readable
 * and matching own_cred, suite, method), so that a broken one is refused
 * now like a broken oscore entry; a valid one is kept for the EDHOC run
 * over CoAP (RFC 9528 Appendix A.2), which store_credentials_resolve
 * hands it to. */
static store_err parse_edhoc(store_credentials *c, cred_entry *e,
                             const cJSON *v, store_diag *diag) {
  e->kind = ENTRY_UNUSABLE;
  return installed_edhoc_hook->parse_entry(v, e->key, c->path, &e->edhoc,
                                           diag);
}

/* The key of the first entry of type "edhoc-oscore" in the map's tree
 * |j|, NULL when none. */
static const char *find_edhoc_entry(const cJSON *j) {
  for (const cJSON *m = j->child; m; m = m->next)
    if (cJSON_IsObject(m) && cJSON_GetObjectItemCaseSensitive(m,
                                                              "edhoc-oscore"))
      return m->string;
  return NULL;
}

/* aiocoap's credential types (credentials.py _class_map) and what this
 * build does with each. Supporting a type is a new parse function here
 * and its entry kind. */
static const struct {
  const char *label;
  store_err (*parse)(store_credentials *, cred_entry *, const cJSON *,
                     store_diag *);
} cred_types[] = {
  { "oscore", parse_oscore },
  { "dtls", parse_dtls },
  { "tlscert", parse_tlscert },
  { "edhoc-oscore", parse_edhoc },
  { "any-of", parse_unusable },
  { "all-of", parse_all_of },
};

static store_err parse_entry(store_credentials *c, cred_entry *e,
                             const cJSON *v, store_diag *diag) {
  if (cJSON_IsString(v)) {
    if (v->valuestring[0] != ':')
      return store_fail(diag, STORE_ERR_REFERENCE,
                        "%s: entry \"%.100s\": reference \"%.100s\" must name "
                        "a label starting with ':'", c->path, e->key,
                        v->valuestring);
    e->kind = ENTRY_REF;
    e->ref = strdup(v->valuestring);
    return e->ref ? STORE_OK
                  : store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory",
                               c->path);
  }
  if (!cJSON_IsObject(v))
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": expected a reference (\":label\") "
                      "or an object such as {\"oscore\": {...}}", c->path, e->key);
  if (!v->child || v->child->next)
    return store_fail(diag, STORE_ERR_MALFORMED,
                      "%s: entry \"%.100s\": must have exactly one key naming "
                      "the credential type", c->path, e->key);
  const char *type = v->child->string;
  for (size_t i = 0; i < sizeof cred_types / sizeof *cred_types; i++) {
    if (strcmp(type, cred_types[i].label) == 0) {
      e->type = cred_types[i].label;
      return cred_types[i].parse(c, e, v->child, diag);
    }
  }
  return store_fail(diag, STORE_ERR_UNSUPPORTED,
                    "%s: entry \"%.100s\": unknown credential type \"%.64s\"",
                    c->path, e->key, type);
}

/* Follow references from |e| to the entry holding a credential. */
static store_err follow(store_credentials *c, cred_entry *e, cred_entry **out,
                        store_diag *diag) {
  const cred_entry *chain[MAX_REF_DEPTH];
  size_t depth = 0;
  while (e->kind == ENTRY_REF) {
    if (depth == MAX_REF_DEPTH)
      return store_fail(diag, STORE_ERR_REFERENCE,
                        "%s: entry \"%.100s\": more than %d references in a row",
                        c->path, chain[0]->key, MAX_REF_DEPTH);
    chain[depth++] = e;
    cred_entry *next = by_key(c, e->ref);
    if (!next)
      return store_fail(diag, STORE_ERR_REFERENCE,
                        "%s: entry \"%.100s\" refers to \"%.100s\", which is not "
                        "in the map", c->path, e->key, e->ref);
    for (size_t i = 0; i < depth; i++)
      if (chain[i] == next)
        return store_fail(diag, STORE_ERR_REFERENCE,
                          "%s: entry \"%.100s\": references loop back to "
                          "\"%.100s\"", c->path, chain[0]->key, next->key);
    e = next;
  }
  *out = e;
  return STORE_OK;
}

static void free_map(store_credentials *c) {
  for (size_t i = 0; i < c->n_entries; i++) {
    free(c->entries[i].key);
    free(c->entries[i].ref);
    free(c->entries[i].basedir);
    store_dtls_entry_clear(c->entries[i].dtls);  /* wipes the PSK */
    free(c->entries[i].dtls);
    free(c->entries[i].certfile);
    for (size_t k = 0; k < c->entries[i].n_all_of; k++)
      free(c->entries[i].all_of[k]);
    if (c->entries[i].edhoc)   /* wipes the key */
      installed_edhoc_hook->free_entry(c->entries[i].edhoc);
  }
  free(c->entries);
  free(c->ctxs);
  free(c->by_kid);
  free(c->identity_of);
  store_derived_clear(&c->derived);
  free(c->path);
  free(c);
}

/* One warning for all entries this build cannot use, naming them. */
static void warn_unusable(const store_credentials *c, store_diag *diag) {
  char list[600] = "";
  size_t used = 0, n = 0;
  for (size_t i = 0; i < c->n_entries; i++) {
    const cred_entry *e = &c->entries[i];
    if (e->kind != ENTRY_UNUSABLE || e->edhoc)   /* EDHOC is usable */
      continue;
    if (n++ < 4 && used < sizeof list) {
      int w = snprintf(list + used, sizeof list - used, "%s\"%.60s\" (%s)",
                       used ? ", " : "", e->key, e->type);
      if (w > 0) used += (size_t)w;
    }
  }
  if (n > 4 && used < sizeof list)
    snprintf(list + used, sizeof list - used, " and %zu more", n - 4);
  if (n)
    store_warn(diag, "%s: ignoring %zu entr%s of credential types this build "
               "cannot use (only \"oscore\", \"edhoc-oscore\", \"dtls\", "
               "\"tlscert\" and \"all-of\"): %s; a request that needs one "
               "fails", c->path, n, n == 1 ? "y" : "ies", list);
}

/* The OSCORE and the (D)TLS credential ("dtls" or "tlscert") an "all-of"
 * entry combines (each NULL when it has none). Errors name the entry: a
 * member of another type, two of one kind. */
static store_err check_all_of(store_credentials *c, cred_entry *e,
                              cred_entry **oscore, cred_entry **dtls,
                              store_diag *diag) {
  cred_entry *o = NULL, *d = NULL;
  for (size_t k = 0; k < e->n_all_of; k++) {
    cred_entry *ref = by_key(c, e->all_of[k]), *t;
    if (!ref)
      return store_fail(diag, STORE_ERR_REFERENCE,
                        "%s: entry \"%.100s\" refers to \"%.100s\", which is "
                        "not in the map", c->path, e->key, e->all_of[k]);
    store_err err = follow(c, ref, &t, diag);
    if (err)
      return err;
    cred_entry **slot = t->kind == ENTRY_OSCORE ? &o
                      : t->kind == ENTRY_DTLS || t->kind == ENTRY_TLSCERT
                          ? &d
                          : NULL;
    if (!slot || *slot)
      return store_fail(diag, STORE_ERR_UNSUPPORTED,
                        "%s: entry \"%.100s\": \"all-of\" combines at most "
                        "one \"dtls\" or \"tlscert\" and one \"oscore\" "
                        "credential in this build (\"%.100s\" is %s)",
                        c->path, e->key,
                        e->all_of[k], slot ? "a second one" : "another type");
    *slot = t;
  }
  if (oscore) *oscore = o;
  if (dtls) *dtls = d;
  return STORE_OK;
}

/* A map holding PSKs is a key file: warn when others may read it, as for
 * an OSCORE secret (stat after reading: a warning, not a guard). */
static void warn_readable_psk(const store_credentials *c, store_diag *diag) {
  struct stat st;
  for (size_t i = 0; i < c->n_entries; i++)
    if (c->entries[i].kind == ENTRY_DTLS) {
      if (stat(c->path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
        store_warn(diag, "%s holds DTLS pre-shared keys and is readable by "
                   "group or others (chmod 600 it)", c->path);
      return;
    }
}

store_err store_credentials_load(const char *path, store_diag *diag,
                                 store_credentials **out) {
  *out = NULL;
  if (diag)
    diag->msg[0] = '\0';
  if (!path || !*path)
    return store_fail(diag, STORE_ERR_INVALID_ARG, "no credentials file given");
  cJSON *j = NULL;
  /* aiocoap-client reads a ".diag" map as diagnostic notation (the form
   * its EDHOC documentation writes), any other as JSON. */
  store_err err = store_cred_is_edn(path)
      ? store_cred_edn_load(path, STORE_JSON_MAX_CRED_FILE, &j, diag)
      : store_json_load(NULL, path, STORE_JSON_MAX_CRED_FILE, NULL, NULL, &j,
                        diag);
  if (err)
    return err;
  /* Before any entry is parsed (nothing warned about yet): the caller
   * may hand the whole map to a program with EDHOC (oscore-client). */
  const char *edhoc_key = installed_edhoc_hook ? NULL : find_edhoc_entry(j);
  if (edhoc_key) {
    err = store_fail(diag, STORE_ERR_NEEDS_EDHOC, "%s: entry \"%.100s\" is "
                     "of type \"edhoc-oscore\", and this program runs no "
                     "EDHOC (store_enable_edhoc)", path, edhoc_key);
    store_json_free_wiped(j);
    return err;
  }
  store_credentials *c = calloc(1, sizeof *c);
  size_t n = (size_t)cJSON_GetArraySize(j);
  if (!c || !(c->path = strdup(path)) ||
      !(c->entries = calloc(n ? n : 1, sizeof *c->entries)) ||
      !(c->ctxs = calloc(n ? n : 1, sizeof *c->ctxs))) {
    err = store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory", path);
    goto fail;
  }
  for (const cJSON *m = j->child; m; m = m->next) {
    /* aiocoap: a null value removes the entry. */
    if (cJSON_IsNull(m))
      continue;
    if (by_key(c, m->string)) {
      err = store_fail(diag, STORE_ERR_DUPLICATE, "%s: entry \"%.100s\" given "
                       "twice", path, m->string);
      goto fail;
    }
    cred_entry *e = &c->entries[c->n_entries];
    e->opened = NO_CTX;
    if (!(e->key = strdup(m->string))) {
      err = store_fail(diag, STORE_ERR_NO_MEMORY, "%s: out of memory", path);
      goto fail;
    }
    c->n_entries++;
    if ((err = parse_entry(c, e, m, diag)))
      goto fail;
  }
  /* Dangling references and loops are reported now, not at first use. */
  for (size_t i = 0; i < c->n_entries; i++) {
    cred_entry *target;
    if ((err = follow(c, &c->entries[i], &target, diag)))
      goto fail;
  }
  /* An "all-of" of other types than one dtls and one oscore loads but is
   * unusable; a dangling reference in it is an error like any other. */
  for (size_t i = 0; i < c->n_entries; i++) {
    cred_entry *e = &c->entries[i];
    if (e->kind != ENTRY_ALL_OF)
      continue;
    err = check_all_of(c, e, NULL, NULL, diag);
    if (err == STORE_ERR_UNSUPPORTED)
      e->kind = ENTRY_UNUSABLE;
    else if (err)
      goto fail;
    if (diag)
      diag->msg[0] = '\0';
  }
  warn_unusable(c, diag);
  warn_readable_psk(c, diag);
  store_json_free_wiped(j);   /* it held the PSKs */
  *out = c;
  return STORE_OK;

fail:
  store_json_free_wiped(j);
  if (c)
    free_map(c);
  return err;
}

/* Open the context of |e| once per directory: a second open of the same
 * directory in this process would wait on its own flock and fail. */
static store_err open_entry(store_credentials *c, cred_entry *e, store_diag *diag) {
  if (e->opened != NO_CTX)
    return STORE_OK;
  struct stat st;
  if (stat(e->basedir, &st) == 0) {
    for (size_t i = 0; i < c->n_ctxs; i++)
      if (c->ctxs[i].dev == st.st_dev && c->ctxs[i].ino == st.st_ino) {
        e->opened = i;
        return STORE_OK;
      }
  }
  store_context *sc;
  store_err err = store_context_open(e->basedir, diag, &sc);
  if (err) {
    if (diag) {
      char inner[sizeof diag->msg];
      memcpy(inner, diag->msg, sizeof inner);
      /* Truncation is fine: the inner message starts with the culprit. */
      if (snprintf(diag->msg, sizeof diag->msg, "%s: entry \"%.100s\": %s",
                   c->path, e->key, inner) < 0)
        memcpy(diag->msg, inner, sizeof inner);
    }
    return err;
  }
  if (stat(e->basedir, &st) != 0)
    memset(&st, 0, sizeof st);
  c->ctxs[c->n_ctxs] = (opened_ctx){ st.st_dev, st.st_ino, sc };
  e->opened = c->n_ctxs++;
  return STORE_OK;
}

/* The entry holding the credential for |uri| (references followed), or
 * *out NULL when no pattern matches. */
static store_err match_uri(store_credentials *c, const char *uri,
                           cred_entry **out, store_diag *diag) {
  *out = NULL;
  /* Most specific = longest pattern; ties go to the earlier entry. Labels
   * (":name") are not patterns. */
  cred_entry *best = NULL;
  size_t best_len = 0;
  for (size_t i = 0; i < c->n_entries; i++) {
    cred_entry *e = &c->entries[i];
    size_t len = strlen(e->key);
    if (e->key[0] == ':' || (best && len <= best_len))
      continue;
    if (store_pattern_match(e->key, uri)) {
      best = e;
      best_len = len;
    }
  }
  return best ? follow(c, best, out, diag) : STORE_OK;
}

const struct store_edhoc_entry_s *
store_credentials_edhoc_at(const store_credentials *c, size_t i,
                           const char **key) {
  if (!c || i >= c->n_entries || !c->entries[i].edhoc)
    return NULL;
  if (key)
    *key = c->entries[i].key;
  return c->entries[i].edhoc;
}

size_t store_credentials_size(const store_credentials *c) {
  return c ? c->n_entries : 0;
}

void store_credentials_set_max_derived(store_credentials *c, size_t max) {
  if (c && !c->derived.ctxs)
    c->derived.cap = max;
}

store_err store_credentials_add_derived(store_credentials *c,
                                        store_context *sc,
                                        const char *identity,
                                        store_context **evicted) {
  *evicted = NULL;
  if (!c || !sc || !store_context_is_in_memory(sc))
    return STORE_ERR_INVALID_ARG;
  return store_derived_add(&c->derived, sc, identity, evicted);
}

size_t store_credentials_derived_count(const store_credentials *c) {
  return c ? c->derived.n : 0;
}

store_err store_credentials_resolve(store_credentials *c, const char *uri,
                                    store_diag *diag, store_uri_creds *out) {
  memset(out, 0, sizeof *out);
  if (!c || !uri)
    return store_fail(diag, STORE_ERR_INVALID_ARG, "no credentials or URI");
  cred_entry *target;
  store_err err = match_uri(c, uri, &target, diag);
  if (err || !target)
    return err;
  if (target->edhoc) {
    out->edhoc = target->edhoc;
    out->edhoc_entry = target->key;
    return STORE_OK;
  }
  if (target->kind == ENTRY_UNUSABLE)
    return store_fail(diag, STORE_ERR_UNSUPPORTED,
                      "%s: entry \"%.100s\" matches %.200s, but its credential "
                      "type \"%s\" is not supported by this build (only "
                      "\"oscore\", \"edhoc-oscore\", \"dtls\", \"tlscert\" "
                      "and an \"all-of\" of references to one \"dtls\" or "
                      "\"tlscert\" and one \"oscore\")", c->path,
                      target->key, uri, target->type);
  cred_entry *o = target->kind == ENTRY_OSCORE ? target : NULL;
  cred_entry *d = target->kind == ENTRY_DTLS || target->kind == ENTRY_TLSCERT
                      ? target
                      : NULL;
  if (target->kind == ENTRY_ALL_OF &&
      (err = check_all_of(c, target, &o, &d, diag)))
    return err;
  if (d && d->kind == ENTRY_TLSCERT) {
    out->tlscert_file = d->certfile;
    out->tlscert_entry = d->key;
  } else if (d) {
    out->has_dtls = true;
    out->dtls = (store_dtls_psk){ d->dtls->identity, d->dtls->identity_len,
                                  d->dtls->psk, d->dtls->psk_len, d->key };
  }
  if (o) {
    if ((err = open_entry(c, o, diag)))
      return err;
    out->oscore = c->ctxs[o->opened].sc;
    out->oscore_entry = o->key;
  }
  return STORE_OK;
}

store_err store_credentials_for_uri(store_credentials *c, const char *uri,
                                    store_diag *diag, store_context **ctx,
                                    const char **entry_key) {
  store_uri_creds u;
  *ctx = NULL;
  if (entry_key)
    *entry_key = NULL;
  store_err err = store_credentials_resolve(c, uri, diag, &u);
  if (err)
    return err;
  if (u.edhoc)
    return store_fail(diag, STORE_ERR_UNSUPPORTED,
                      "%s: entry \"%.100s\" matches %.200s, but its credential "
                      "type \"edhoc-oscore\" needs EDHOC first (the caller "
                      "runs it: store_credentials_resolve)", c->path,
                      u.edhoc_entry, uri);
  if (u.has_dtls || u.tlscert_file)
    return store_fail(diag, STORE_ERR_UNSUPPORTED,
                      "%s: entry \"%.100s\" matches %.200s with \"%s\" "
                      "credentials, which only a coaps:// or coaps+tcp:// "
                      "request can use", c->path,
                      u.has_dtls ? u.dtls.entry_key : u.tlscert_entry, uri,
                      u.has_dtls ? "dtls" : "tlscert");
  *ctx = u.oscore;
  if (entry_key)
    *entry_key = u.oscore_entry;
  return STORE_OK;
}

const char *store_credentials_dtls_find(const store_credentials *c,
                                        const uint8_t *identity, size_t len,
                                        const uint8_t **psk, size_t *psk_len) {
  for (size_t i = 0; c && i < c->n_entries; i++) {
    const cred_entry *e = &c->entries[i];
    if (e->kind == ENTRY_DTLS && e->dtls->identity_len == len &&
        (len == 0 || memcmp(e->dtls->identity, identity, len) == 0)) {
      if (psk) *psk = e->dtls->psk;
      if (psk_len) *psk_len = e->dtls->psk_len;
      return e->key;
    }
  }
  return NULL;
}

bool store_credentials_has_dtls(const store_credentials *c) {
  for (size_t i = 0; c && i < c->n_entries; i++)
    if (c->entries[i].kind == ENTRY_DTLS)
      return true;
  return false;
}

static bool same_ids(const oscore_ctx *a, const oscore_ctx *b) {
  return a->recipient_id_len == b->recipient_id_len &&
         memcmp(a->recipient_id, b->recipient_id, a->recipient_id_len) == 0 &&
         a->has_id_context == b->has_id_context &&
         a->id_context_len == b->id_context_len &&
         memcmp(a->id_context, b->id_context, a->id_context_len) == 0;
}

store_err store_credentials_open_all(store_credentials *c, store_diag *diag) {
  if (!c)
    return store_fail(diag, STORE_ERR_INVALID_ARG, "no credentials");
  for (size_t i = 0; i < c->n_entries; i++) {
    if (c->entries[i].kind != ENTRY_OSCORE)
      continue;
    store_err err = open_entry(c, &c->entries[i], diag);
    if (err)
      return err;
  }
  for (size_t i = 0; i < c->n_ctxs; i++)
    for (size_t k = i + 1; k < c->n_ctxs; k++)
      if (same_ids(store_context_oscore(c->ctxs[i].sc),
                   store_context_oscore(c->ctxs[k].sc)))
        store_warn(diag, "%s: contexts %s and %s have the same recipient ID and "
                   "ID context; requests will always use %s", c->path,
                   store_context_dir(c->ctxs[i].sc),
                   store_context_dir(c->ctxs[k].sc),
                   store_context_dir(c->ctxs[i].sc));
  return STORE_OK;
}

store_context *store_credentials_context(const store_credentials *c,
                                         size_t i) {
  return c && i < c->n_ctxs ? c->ctxs[i].sc : NULL;
}

bool store_credentials_uses_option(const store_credentials *c,
                                   uint16_t number) {
  for (size_t i = 0; c && i < c->n_ctxs; i++)
    if (oscore_profile_option(&store_context_oscore(c->ctxs[i].sc)->profile) ==
        number)
      return true;
  return false;
}

/* Order of the kid index: recipient ID (length, then bytes), then no ID
 * context before one, then the ID context, then the position in ctxs, so
 * that among contexts with the same IDs the first opened comes first. */
static int cmp_ids(const uint8_t *kid, size_t kid_len, bool has_ctx,
                   const uint8_t *kctx, size_t kctx_len, const oscore_ctx *o) {
  if (kid_len != o->recipient_id_len)
    return kid_len < o->recipient_id_len ? -1 : 1;
  int d = kid_len ? memcmp(kid, o->recipient_id, kid_len) : 0;
  if (d)
    return d;
  if (has_ctx != o->has_id_context)
    return has_ctx ? 1 : -1;
  if (!has_ctx)
    return 0;
  if (kctx_len != o->id_context_len)
    return kctx_len < o->id_context_len ? -1 : 1;
  return kctx_len ? memcmp(kctx, o->id_context, kctx_len) : 0;
}

static int cmp_index(const void *a, const void *b, void *arg) {
  const store_credentials *c = arg;
  size_t i = *(const size_t *)a, k = *(const size_t *)b;
  const oscore_ctx *x = store_context_oscore(c->ctxs[i].sc);
  int d = cmp_ids(x->recipient_id, x->recipient_id_len, x->has_id_context,
                  x->id_context, x->id_context_len,
                  store_context_oscore(c->ctxs[k].sc));
  return d ? d : (i > k) - (i < k);
}

static bool build_index(store_credentials *c) {
  size_t n = c->n_ctxs;
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  const char **ident = calloc(n ? n : 1, sizeof *ident);
  if (!idx || !ident) {
    free(idx);
    free(ident);
    return false;
  }
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  qsort_r(idx, n, sizeof *idx, cmp_index, c);
  /* The key of the first entry in file order naming each context. */
  for (size_t k = c->n_entries; k-- > 0;)
    if (c->entries[k].opened != NO_CTX && c->entries[k].opened < n)
      ident[c->entries[k].opened] = c->entries[k].key;
  free(c->by_kid);
  free(c->identity_of);
  c->by_kid = idx;
  c->identity_of = ident;
  c->n_indexed = n;
  return true;
}

store_context *store_credentials_find(store_credentials *c,
                                      const uint8_t *kid, size_t kid_len,
                                      bool has_kid_context,
                                      const uint8_t *kid_context,
                                      size_t kid_context_len,
                                      const char **identity) {
  if (identity)
    *identity = NULL;
  if (!c || (kid_len && !kid) || (kid_context_len && !kid_context))
    return NULL;
  if (c->n_indexed != c->n_ctxs && !build_index(c))
    return NULL;
  /* aiocoap matches strictly: a context with an ID context needs the
   * request to carry the same kid context, one without needs none. The
   * lowest match in the sorted index is the first context opened. */
  size_t lo = 0, hi = c->n_indexed;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const oscore_ctx *o = store_context_oscore(c->ctxs[c->by_kid[mid]].sc);
    if (cmp_ids(kid, kid_len, has_kid_context, kid_context, kid_context_len,
                o) > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t i = lo < c->n_indexed ? c->by_kid[lo] : 0;
  if (lo == c->n_indexed ||
      cmp_ids(kid, kid_len, has_kid_context, kid_context, kid_context_len,
              store_context_oscore(c->ctxs[i].sc)) != 0)
    return has_kid_context ? NULL
                           : store_derived_find(&c->derived, kid, kid_len,
                                                identity);
  if (identity)
    *identity = c->identity_of[i];
  return c->ctxs[i].sc;
}

store_err store_credentials_close(store_credentials *c, store_diag *diag) {
  if (!c)
    return STORE_OK;
  store_err first = STORE_OK;
  for (size_t i = 0; i < c->n_ctxs; i++) {
    store_diag local = { .warn = diag ? diag->warn : NULL,
                         .warn_arg = diag ? diag->warn_arg : NULL };
    store_err err = store_context_close(c->ctxs[i].sc, &local);
    if (err && !first) {
      first = err;
      if (diag)
        memcpy(diag->msg, local.msg, sizeof diag->msg);
    }
  }
  free_map(c);
  return first;
}
