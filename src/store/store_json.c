/* Reading the store's JSON files (with cJSON) and decoding their values. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "oscore_secret.h"
#include "store_diag.h"
#include "store_json.h"
#include "oscore_text.h"

static void path_join(char *buf, size_t cap, const char *dir, const char *name) {
  if (dir)
    snprintf(buf, cap, "%s/%s", dir, name);
  else
    snprintf(buf, cap, "%s", name);
}

/* ---- what cJSON does not keep: the text of numbers and strings ---- */

/* A string or number token of the JSON text, in document order. */
typedef struct {
  const char *start;
  size_t len;
  bool is_string;
  bool has_nul;       /* a string with a \u0000 escape */
  bool is_key;        /* a string followed by ':' */
} raw_token;

/* One pass over |text| (valid JSON up to |len|, cJSON said so) that
 * finds the string and number tokens; true/false/null hold no digit or
 * quote, so they are no tokens. |out| NULL counts only. */
static size_t raw_tokens(const char *text, size_t len, raw_token *out) {
  size_t n = 0, i = 0;
  while (i < len) {
    char c = text[i];
    if (c == '"') {
      raw_token t = { .start = text + i + 1, .is_string = true };
      for (i++; i < len && text[i] != '"'; i++) {
        if (text[i] != '\\') continue;
        if (i + 5 < len && text[i + 1] == 'u' &&
            memcmp(text + i + 2, "0000", 4) == 0)
          t.has_nul = true;
        i++;   /* the escaped character (or the 'u') is never the end */
      }
      t.len = (size_t)(text + i - t.start);
      i++;
      size_t j = i;
      while (j < len && text[j] && strchr(" \t\r\n", text[j])) j++;
      t.is_key = j < len && text[j] == ':';
      if (out) out[n] = t;
      n++;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      raw_token t = { .start = text + i };
      while (i < len && text[i] && strchr("0123456789+-.eE", text[i])) i++;
      t.len = (size_t)(text + i - t.start);
      if (out) out[n] = t;
      n++;
      continue;
    }
    i++;
  }
  return n;
}

typedef struct {
  const raw_token *tok;
  size_t n, next;
  bool ok;
} raw_walk;

/* Pair the tree with the tokens in document order (an object member is
 * its key, then its value). Number nodes get their text as valuestring,
 * so that store_json_uint can read integers beyond 2^53 exactly (cJSON
 * keeps only a double; aiocoap writes 64-bit replay bitfields). */
static void raw_attach(cJSON *j, bool in_object, raw_walk *w) {
  for (cJSON *c = j; c && w->ok; c = c->next) {
    if (in_object) {
      if (w->next >= w->n || !w->tok[w->next].is_key) { w->ok = false; return; }
      w->next++;
    }
    if (cJSON_IsString(c)) {
      if (w->next >= w->n || !w->tok[w->next].is_string) { w->ok = false; return; }
      w->next++;
    } else if (cJSON_IsNumber(c)) {
      if (w->next >= w->n || w->tok[w->next].is_string) { w->ok = false; return; }
      const raw_token *t = &w->tok[w->next++];
      char *digits = cJSON_malloc(t->len + 1);
      if (!digits) { w->ok = false; return; }
      memcpy(digits, t->start, t->len);
      digits[t->len] = '\0';
      c->valuestring = digits;
    } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
      raw_attach(c->child, cJSON_IsObject(c), w);
    }
  }
}

static int cmp_keys(const void *a, const void *b) {
  return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* The first key given twice in an object of |j|, or NULL. aiocoap's
 * json.load keeps the last of duplicates, cJSON the first: a state file
 * that reads differently in the two (an older "next-to-send" resuming a
 * used number) is refused instead. */
static const char *duplicate_key(const cJSON *j) {
  for (const cJSON *c = j; c; c = c->next) {
    if (!cJSON_IsObject(c) && !cJSON_IsArray(c)) continue;
    const char *d = duplicate_key(c->child);
    if (d) return d;
    if (!cJSON_IsObject(c)) continue;
    size_t n = 0;
    for (const cJSON *m = c->child; m; m = m->next) n++;
    if (n < 2) continue;
    cJSON **v = malloc(n * sizeof *v);
    if (!v) return NULL;
    n = 0;
    for (cJSON *m = c->child; m; m = m->next) v[n++] = m;
    qsort(v, n, sizeof *v, cmp_keys);
    for (size_t i = 1; i < n && !d; i++)
      if (strcmp(v[i - 1]->string, v[i]->string) == 0) d = v[i]->string;
    free(v);
    if (d) return d;
  }
  return NULL;
}

/* What cJSON's tree hides, checked against the text while we have it:
 * \u0000 (cJSON's C strings would end there: an "_ascii" ID cut short
 * where aiocoap keeps the NUL), duplicate keys, and the exact text of
 * numbers. */
static store_err raw_checks(const char *path, const char *text, size_t len,
                            cJSON *j, store_diag *diag) {
  size_t n = raw_tokens(text, len, NULL);
  raw_token *tok = malloc((n ? n : 1) * sizeof *tok);
  if (!tok)
    return store_fail(diag, STORE_ERR_NO_MEMORY, "reading %s: out of memory", path);
  raw_tokens(text, len, tok);
  const raw_token *key = NULL;
  for (size_t i = 0; i < n; i++) {
    if (tok[i].is_key) key = &tok[i];
    if (!tok[i].has_nul) continue;
    int kl = key ? (int)(key->len < 64 ? key->len : 64) : 0;
    const char *kt = key ? key->start : "";
    free(tok);
    /* Only the key is named: the value may be a secret. */
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: key \"%.*s\": \\u0000 "
                      "(NUL) in a string is not supported", path, kl, kt);
  }
  raw_walk w = { .tok = tok, .n = n, .ok = true };
  raw_attach(j, false, &w);
  free(tok);
  if (!w.ok)
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: cannot read the numbers "
                      "of the file exactly", path);
  const char *d = duplicate_key(j);
  if (d)
    return store_fail(diag, STORE_ERR_DUPLICATE, "%s: key \"%.64s\" is given "
                      "twice in one object; give it once (aiocoap would use "
                      "the last)", path, d);
  return STORE_OK;
}

/* Line of the byte |off| in |text|, for a parse error message that shows
 * where the file is broken without quoting it (it may hold a secret). */
static unsigned line_of(const char *text, size_t off) {
  unsigned line = 1;
  for (size_t i = 0; i < off; i++)
    if (text[i] == '\n')
      line++;
  return line;
}

store_err store_file_read(const char *path, size_t max, bool *absent,
                          struct stat *st, char **text_out, size_t *len_out,
                          size_t *cap_out, store_diag *diag) {
  *text_out = NULL;
  *len_out = *cap_out = 0;
  if (absent)
    *absent = false;
  /* O_NONBLOCK: a FIFO in place of a key file must not hang the load. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT && absent) {
      *absent = true;
      return STORE_OK;
    }
    return store_fail(diag, STORE_ERR_IO, "cannot read %s: %s", path,
                      strerror(errno));
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return store_fail(diag, STORE_ERR_IO, "cannot read %s: %s", path, strerror(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return store_fail(diag, STORE_ERR_IO, "cannot read %s: %s", path,
                      S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
  }
  if ((uint64_t)sb.st_size > max) {
    close(fd);
    return store_fail(diag, STORE_ERR_IO, "cannot read %s: larger than %zu bytes",
                      path, max);
  }
  if (st)
    *st = sb;

  size_t cap = (size_t)sb.st_size + 1;
  char *text = malloc(cap);
  if (!text) {
    close(fd);
    return store_fail(diag, STORE_ERR_NO_MEMORY, "reading %s: out of memory", path);
  }
  size_t len = 0;
  /* Read to EOF but never past |cap - 1|: the file may grow under us. */
  while (len < cap - 1) {
    ssize_t n = read(fd, text + len, cap - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      oscore_wipe(text, cap);
      free(text);
      close(fd);
      return store_fail(diag, STORE_ERR_IO, "cannot read %s: %s", path, strerror(e));
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  text[len] = '\0';
  *text_out = text;
  *len_out = len;
  *cap_out = cap;
  return STORE_OK;
}

store_err store_json_load(const char *dir, const char *name, size_t max,
                          bool *absent, struct stat *st, cJSON **out,
                          store_diag *diag) {
  char path[4096];
  path_join(path, sizeof path, dir, name);
  *out = NULL;
  char *text;
  size_t len, cap;
  store_err rerr = store_file_read(path, max, absent, st, &text, &len, &cap,
                                   diag);
  if (rerr || !text)
    return rerr;

  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  unsigned bad_line = 0;
  store_err err = STORE_OK;
  if (!j)
    bad_line = line_of(text, end && end >= text ? (size_t)(end - text) : 0);
  else if (cJSON_IsObject(j))
    err = raw_checks(path, text, (size_t)(end - text), j, diag);
  oscore_wipe(text, cap);
  free(text);
  if (!j)
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: not valid JSON (line %u)",
                      path, bad_line);
  if (!cJSON_IsObject(j)) {
    store_json_free_wiped(j);
    return store_fail(diag, STORE_ERR_MALFORMED, "%s: expected a JSON object at the top",
                      path);
  }
  if (err) {
    store_json_free_wiped(j);
    return err;
  }
  *out = j;
  return STORE_OK;
}

/* Depth is bounded by cJSON's nesting limit (CJSON_NESTING_LIMIT). */
static void wipe_tree(cJSON *j) {
  for (cJSON *c = j; c; c = c->next) {
    if (c->string)
      oscore_wipe(c->string, strlen(c->string));
    if (c->valuestring)
      oscore_wipe(c->valuestring, strlen(c->valuestring));
    c->valuedouble = 0;
    c->valueint = 0;
    wipe_tree(c->child);
  }
}

void store_json_free_wiped(cJSON *j) {
  if (!j)
    return;
  wipe_tree(j);
  cJSON_Delete(j);
}

/* Decode hex, ignoring the characters in |skip| wherever they are (aiocoap
 * removes them from the string before decoding). */
static bool hex_decode_skipping(const char *hex, const char *skip, uint8_t *out,
                                size_t cap, size_t *len, const char **why) {
  size_t n = 0;
  int hi = -1;
  for (const char *p = hex; *p; p++) {
    if (skip && strchr(skip, *p))
      continue;
    int v = oscore_hex_digit(*p);
    if (v < 0) {
      *why = "not a hex digit in the value";
      return false;
    }
    if (hi < 0) {
      hi = v;
      continue;
    }
    if (n >= cap) {
      *why = "value too long";
      return false;
    }
    out[n++] = (uint8_t)(hi << 4 | v);
    hi = -1;
  }
  if (hi >= 0) {
    *why = "odd number of hex digits";
    return false;
  }
  *len = n;
  return true;
}

bool store_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len,
                      const char **why) {
  return hex_decode_skipping(hex, NULL, out, cap, len, why);
}

bool store_ascii_decode(const char *s, uint8_t *out, size_t cap, size_t *len,
                        const char **why) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)s[i] > 0x7f) {
      *why = "not an ASCII string";
      return false;
    }
  }
  if (n > cap) {
    *why = "value too long";
    return false;
  }
  memcpy(out, s, n);
  *len = n;
  return true;
}

bool store_json_binary(const cJSON *v, uint8_t *out, size_t cap, size_t *len,
                       const char **why) {
  if (!cJSON_IsObject(v) || !v->child || v->child->next) {
    *why = "expected a binary value {\"hex\": ...} or {\"ascii\": ...}";
    return false;
  }
  const cJSON *m = v->child;
  if (!cJSON_IsString(m)) {
    *why = "a binary value holds a string";
    return false;
  }
  if (strcmp(m->string, "hex") == 0)
    return hex_decode_skipping(m->valuestring, "-: ", out, cap, len, why);
  if (strcmp(m->string, "ascii") == 0)
    return store_ascii_decode(m->valuestring, out, cap, len, why);
  *why = "a binary value is {\"hex\": ...} or {\"ascii\": ...}";
  return false;
}

bool store_json_pick_members(const cJSON *v, const char *const *names,
                             const cJSON **slots, size_t n, const cJSON **bad,
                             bool *twice) {
  for (size_t k = 0; k < n; k++)
    slots[k] = NULL;
  for (const cJSON *m = v->child; m; m = m->next) {
    size_t k = 0;
    while (k < n && strcmp(m->string, names[k]) != 0)
      k++;
    if (k == n || slots[k]) {
      *bad = m;
      *twice = k < n;
      return false;
    }
    slots[k] = m;
  }
  return true;
}

bool store_json_uint(const cJSON *v, uint64_t max, uint64_t *out) {
  if (!cJSON_IsNumber(v))
    return false;
  /* The number's text, when store_json_load kept it: exact to 2^64 - 1. */
  const char *t = v->valuestring;
  if (t && t[0] >= '0' && t[0] <= '9' && strspn(t, "0123456789") == strlen(t)) {
    errno = 0;
    unsigned long long u = strtoull(t, NULL, 10);
    if (errno || u > max) return false;
    *out = u;
    return true;
  }
  if (max > (UINT64_C(1) << 53)) max = UINT64_C(1) << 53;
  double d = v->valuedouble;
  if (!(d >= 0) || d > (double)max || d != floor(d))
    return false;
  *out = (uint64_t)d;
  return true;
}
