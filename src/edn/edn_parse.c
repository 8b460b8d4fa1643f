/* Structure of diagnostic notation: whitespace and comments, arrays, maps,
 * tags, simple values, keywords, embedded CBOR, and the public entry
 * points. Scalars are in edn_scalar.c. */
#include <stdlib.h>
#include <string.h>
#include "edn_priv.h"

void *edn_fail(edn_parser *p, size_t at, const char *what) {
  if (p->failed) return NULL;
  p->failed = true;
  if (at > p->len) at = p->len;
  size_t line = 1, col = 1;
  for (size_t i = 0; i < at; i++) {
    if (p->s[i] == '\n') { line++; col = 1; } else col++;
  }
  p->err->offset = at;
  p->err->line = line;
  p->err->column = col;
  p->err->what = what;
  return NULL;
}

bool edn_skip_ws(edn_parser *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      p->pos++;
    } else if (c == '#') {
      while (p->pos < p->len && p->s[p->pos] != '\n') p->pos++;
    } else if (c == '/') {
      size_t start = p->pos++;
      while (p->pos < p->len && p->s[p->pos] != '/') p->pos++;
      if (p->pos >= p->len) {
        edn_fail(p, start, "comment not closed with '/'");
        return false;
      }
      p->pos++;
    } else {
      break;
    }
  }
  return true;
}

/* A growable list of parsed items, freed with its references. */
typedef struct {
  cbor_item_t **v;
  size_t n, cap;
} item_list;

static bool list_push(edn_parser *p, item_list *l, cbor_item_t *it) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 8;
    cbor_item_t **v = realloc(l->v, cap * sizeof *v);
    if (!v) {
      edn_item_free_wiped(&it);
      edn_fail(p, p->pos, "out of memory");
      return false;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = it;
  return true;
}

void edn_free_wiped(void *p, size_t n) {
  if (p) explicit_bzero(p, n);
  free(p);
}

static void wipe_tree(cbor_item_t *it, int depth) {
  if (depth > EDN_MAX_DEPTH + 1) return;
  switch (cbor_typeof(it)) {
  case CBOR_TYPE_BYTESTRING:
    if (cbor_bytestring_is_definite(it))
      explicit_bzero(cbor_bytestring_handle(it), cbor_bytestring_length(it));
    else
      for (size_t i = 0; i < cbor_bytestring_chunk_count(it); i++)
        wipe_tree(cbor_bytestring_chunks_handle(it)[i], depth + 1);
    break;
  case CBOR_TYPE_STRING:
    if (cbor_string_is_definite(it))
      explicit_bzero(cbor_string_handle(it), cbor_string_length(it));
    else
      for (size_t i = 0; i < cbor_string_chunk_count(it); i++)
        wipe_tree(cbor_string_chunks_handle(it)[i], depth + 1);
    break;
  case CBOR_TYPE_ARRAY:
    for (size_t i = 0; i < cbor_array_size(it); i++)
      wipe_tree(cbor_array_handle(it)[i], depth + 1);
    break;
  case CBOR_TYPE_MAP:
    for (size_t i = 0; i < cbor_map_size(it); i++) {
      wipe_tree(cbor_map_handle(it)[i].key, depth + 1);
      wipe_tree(cbor_map_handle(it)[i].value, depth + 1);
    }
    break;
  case CBOR_TYPE_TAG: {
    cbor_item_t *inner = cbor_tag_item(it);
    wipe_tree(inner, depth + 1);
    cbor_decref(&inner);
    break;
  }
  default:
    break;
  }
}

void edn_item_free_wiped(cbor_item_t **it) {
  if (!it || !*it) return;
  if (cbor_refcount(*it) == 1) wipe_tree(*it, 0);
  cbor_decref(it);
  *it = NULL;   /* libcbor clears it only when the item went */
}

/* On success the containers hold their own references, so only items
 * nobody else holds (an error part-way) are wiped. */
static void list_free(item_list *l) {
  for (size_t i = 0; i < l->n; i++) edn_item_free_wiped(&l->v[i]);
  free(l->v);
}

/* Items separated by commas up to |close| (a trailing comma allowed);
 * |pairs|: "key : value" each. pos is after the opening bracket. */
static bool parse_sequence(edn_parser *p, item_list *l, const char *close,
                           bool pairs) {
  for (;;) {
    if (!edn_skip_ws(p)) return false;
    if (edn_starts(p, close)) { p->pos += strlen(close); return true; }
    if (p->pos >= p->len) {
      edn_fail(p, p->pos, pairs ? "map not closed with '}'"
               : close[0] == ']' ? "array not closed with ']'"
               : "embedded CBOR not closed with '>>'");
      return false;
    }
    cbor_item_t *it = edn_parse_item(p);
    if (!it || !list_push(p, l, it)) return false;
    if (!edn_skip_ws(p)) return false;
    if (pairs) {
      if (edn_peek(p) != ':') {
        edn_fail(p, p->pos, "expected ':' after a map key");
        return false;
      }
      p->pos++;
      it = edn_parse_item(p);
      if (!it || !list_push(p, l, it)) return false;
      if (!edn_skip_ws(p)) return false;
    }
    if (edn_peek(p) == ',') {
      p->pos++;
    } else if (!edn_starts(p, close)) {
      edn_fail(p, p->pos, pairs ? "expected ',' or '}' in map"
               : close[0] == ']' ? "expected ',' or ']' in array"
               : "expected ',' or '>>' in embedded CBOR");
      return false;
    }
  }
}

/* "[" or "{" at pos. */
static cbor_item_t *parse_container(edn_parser *p, bool is_map) {
  size_t start = p->pos++;
  bool indefinite = false;
  if (!edn_skip_ws(p)) return NULL;
  if (edn_peek(p) == '_') { indefinite = true; p->pos++; }
  item_list l = {0};
  cbor_item_t *out = NULL;
  if (!parse_sequence(p, &l, is_map ? "}" : "]", is_map)) goto done;
  if (is_map)
    out = indefinite ? cbor_new_indefinite_map() : cbor_new_definite_map(l.n / 2);
  else
    out = indefinite ? cbor_new_indefinite_array() : cbor_new_definite_array(l.n);
  if (!out) { edn_fail(p, start, "out of memory"); goto done; }
  for (size_t i = 0; i < l.n; i += is_map ? 2 : 1) {
    bool ok = is_map ? cbor_map_add(out, (struct cbor_pair){
                                      .key = l.v[i], .value = l.v[i + 1]})
                     : cbor_array_push(out, l.v[i]);
    if (!ok) {
      cbor_decref(&out);
      edn_fail(p, start, "out of memory");
      goto done;
    }
  }
done:
  list_free(&l);
  return out;
}

/* "<<" at pos: the encodings of the items inside, concatenated. */
static cbor_item_t *parse_embedded(edn_parser *p) {
  size_t start = p->pos;
  p->pos += 2;
  item_list l = {0};
  cbor_item_t *out = NULL;
  uint8_t *bytes = NULL;
  size_t n = 0;
  if (!parse_sequence(p, &l, ">>", false)) goto done;
  for (size_t i = 0; i < l.n; i++) {
    uint8_t *one = NULL;
    size_t cap = 0, len = cbor_serialize_alloc(l.v[i], &one, &cap);
    /* Grown by hand, not realloc(): the old block is wiped, not left. */
    uint8_t *grown = len ? malloc(n + len) : NULL;
    if (!grown) {
      edn_free_wiped(one, len);
      edn_fail(p, start, "out of memory");
      goto done;
    }
    if (n) memcpy(grown, bytes, n);
    edn_free_wiped(bytes, n);
    bytes = grown;
    memcpy(bytes + n, one, len);
    n += len;
    edn_free_wiped(one, len);
  }
  out = cbor_build_bytestring(bytes, n);
  if (!out) edn_fail(p, start, "out of memory");
done:
  edn_free_wiped(bytes, n);
  list_free(&l);
  return out;
}

/* A tag number at pos, "(" already checked to follow. */
static cbor_item_t *parse_tag(edn_parser *p) {
  size_t start = p->pos;
  uint64_t tag;
  if (!edn_parse_u64(p, &tag)) return NULL;
  p->pos++; /* "(" */
  cbor_item_t *inner = edn_parse_item(p);
  if (!inner) return NULL;
  if (!edn_skip_ws(p)) { edn_item_free_wiped(&inner); return NULL; }
  if (edn_peek(p) != ')') {
    edn_item_free_wiped(&inner);
    return edn_fail(p, p->pos, "expected ')' closing the tag");
  }
  p->pos++;
  cbor_item_t *out = cbor_build_tag(tag, inner);
  edn_item_free_wiped(&inner);
  return out ? out : edn_fail(p, start, "out of memory");
}

static cbor_item_t *parse_simple(edn_parser *p) {
  size_t start = p->pos;
  p->pos += strlen("simple(");
  if (!edn_skip_ws(p)) return NULL;
  uint64_t v;
  size_t at = p->pos;
  if (!edn_parse_u64(p, &v)) return NULL;
  /* 24..31 are not well-formed simple values (RFC 8949 §3.3). */
  if (v > 255 || (v >= 24 && v < 32))
    return edn_fail(p, at, "simple value must be 0..23 or 32..255");
  if (!edn_skip_ws(p)) return NULL;
  if (edn_peek(p) != ')') return edn_fail(p, p->pos, "expected ')' after simple(N");
  p->pos++;
  cbor_item_t *out = cbor_build_ctrl((uint8_t)v);
  return out ? out : edn_fail(p, start, "out of memory");
}

static bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

/* true/false/null/undefined/simple(/h'/b64' at pos; NULL with no error
 * set when the word is none of them. */
static cbor_item_t *parse_word(edn_parser *p) {
  static const struct { const char *w; uint8_t ctrl; } kw[] = {
    {"false", CBOR_CTRL_FALSE}, {"true", CBOR_CTRL_TRUE},
    {"null", CBOR_CTRL_NULL}, {"undefined", CBOR_CTRL_UNDEF},
  };
  for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
    size_t n = strlen(kw[i].w);
    if (edn_starts(p, kw[i].w) &&
        (p->pos + n >= p->len || !is_word_char(p->s[p->pos + n]))) {
      p->pos += n;
      cbor_item_t *out = cbor_build_ctrl(kw[i].ctrl);
      return out ? out : edn_fail(p, p->pos, "out of memory");
    }
  }
  if (edn_starts(p, "simple(")) return parse_simple(p);
  if (edn_starts(p, "h'")) return edn_parse_hex(p);
  if (edn_starts(p, "b64'")) return edn_parse_b64(p);
  if (edn_starts(p, "Infinity") || edn_starts(p, "NaN"))
    return edn_parse_number(p);
  return edn_fail(p, p->pos, "unknown word (expected true, false, null, "
                  "undefined, simple(N), h'..', b64'..')");
}

static bool tag_follows(const edn_parser *p) {
  size_t i = p->pos;
  while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
  return i < p->len && p->s[i] == '(';
}

cbor_item_t *edn_parse_item(edn_parser *p) {
  if (!edn_skip_ws(p)) return NULL;
  if (p->depth >= EDN_MAX_DEPTH)
    return edn_fail(p, p->pos, "nested too deeply");
  p->depth++;
  cbor_item_t *out;
  char c = edn_peek(p);
  if (p->pos >= p->len) out = edn_fail(p, p->pos, "expected a value, found the end");
  else if (c == '[') out = parse_container(p, false);
  else if (c == '{') out = parse_container(p, true);
  else if (c == '"') out = edn_parse_text(p);
  else if (c == '\'') out = edn_parse_quoted_bytes(p);
  else if (edn_starts(p, "<<")) out = parse_embedded(p);
  else if (c >= '0' && c <= '9' && tag_follows(p)) out = parse_tag(p);
  else if ((c >= '0' && c <= '9') || c == '-') out = edn_parse_number(p);
  else if (is_word_char(c)) out = parse_word(p);
  else out = edn_fail(p, p->pos, "unexpected character");
  p->depth--;
  return out;
}

cbor_item_t *edn_parse(const char *text, size_t len, edn_error *err) {
  edn_error scratch;
  edn_parser p = {.s = text, .len = len, .err = err ? err : &scratch};
  cbor_item_t *item = edn_parse_item(&p);
  if (!item) {
    if (!p.failed) edn_fail(&p, p.pos, "out of memory");
    return NULL;
  }
  if (!edn_skip_ws(&p) || p.pos != p.len) {
    edn_fail(&p, p.pos, "unexpected text after the value");
    edn_item_free_wiped(&item);
    return NULL;
  }
  return item;
}

bool edn_encode(const char *text, size_t len, uint8_t **out, size_t *out_len,
                edn_error *err) {
  cbor_item_t *item = edn_parse(text, len, err);
  if (!item) return false;
  size_t cap = 0;
  *out = NULL;
  *out_len = cbor_serialize_alloc(item, out, &cap);
  edn_item_free_wiped(&item);
  if (*out_len == 0) {
    free(*out);
    *out = NULL;
    if (err) *err = (edn_error){.what = "out of memory", .line = 1, .column = 1};
    return false;
  }
  return true;
}
