#include "client_pretty.h"
#include "client_names.h"

#include <cbor.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool client_pretty_supported(uint16_t cf) {
  return client_cformat_kind(cf) != CLIENT_CF_OTHER;
}

/* RFC 6690: links are separated by commas outside <...> and "...". */
static bool print_links(const uint8_t *p, size_t n, FILE *out) {
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
      return false;
  bool in_uri = false, in_quote = false, line_empty = true;
  for (size_t i = 0; i < n; i++) {
    uint8_t ch = p[i];
    if (in_quote) {
      if (ch == '\\' && i + 1 < n) {
        fputc(ch, out);
        ch = p[++i];
      } else if (ch == '"') {
        in_quote = false;
      }
    } else if (in_uri) {
      if (ch == '>') in_uri = false;
    } else if (ch == '<') {
      in_uri = true;
    } else if (ch == '"') {
      in_quote = true;
    } else if (ch == ',') {
      fputs(",\n", out);
      line_empty = true;
      continue;
    } else if (ch == '\n' || ch == '\r') {
      continue;
    }
    fputc(ch, out);
    line_empty = false;
  }
  if (!line_empty) fputc('\n', out);
  return true;
}

static void indent(FILE *out, int depth) {
  for (int i = 0; i < depth; i++) fputs("  ", out);
}

/* The shortest decimal that reads back as |v| (at single precision when
 * |single|): 0.1, not 0.10000000000000001 (RFC 8949 §8 leaves the form
 * open; this is what jq and Python print). */
static void shortest_number(double v, bool single, char *buf, size_t cap) {
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, cap, "%.*g", prec, v);
    if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
      return;
  }
}

static void json_string(const char *s, FILE *out) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\t': fputs("\\t", out); break;
    case '\r': fputs("\\r", out); break;
    case '\b': fputs("\\b", out); break;
    case '\f': fputs("\\f", out); break;
    default:
      if (*p < 0x20 || *p == 0x7f) fprintf(out, "\\u%04x", *p);
      else fputc(*p, out);
    }
  }
  fputc('"', out);
}

/* jq's layout: two spaces per level, "key": value, one member per line,
 * empty containers as [] and {}; integers as integers. */
static void json_value(const cJSON *j, int depth, FILE *out) {
  if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
    bool obj = cJSON_IsObject(j);
    if (!j->child) {
      fputs(obj ? "{}" : "[]", out);
      return;
    }
    fputs(obj ? "{\n" : "[\n", out);
    for (const cJSON *c = j->child; c; c = c->next) {
      indent(out, depth + 1);
      if (obj) {
        json_string(c->string ? c->string : "", out);
        fputs(": ", out);
      }
      json_value(c, depth + 1, out);
      fputs(c->next ? ",\n" : "\n", out);
    }
    indent(out, depth);
    fputc(obj ? '}' : ']', out);
  } else if (cJSON_IsString(j)) {
    json_string(j->valuestring, out);
  } else if (cJSON_IsNumber(j)) {
    char buf[40];
    double v = j->valuedouble;
    if (v == floor(v) && fabs(v) < 1e17) snprintf(buf, sizeof buf, "%.0f", v);
    else shortest_number(v, false, buf, sizeof buf);
    fputs(buf, out);
  } else {
    fputs(cJSON_IsTrue(j) ? "true" : cJSON_IsFalse(j) ? "false" : "null", out);
  }
}

static bool print_json(const uint8_t *p, size_t n, FILE *out) {
  cJSON *j = cJSON_ParseWithLength((const char *)p, n);
  if (!j) return false;
  json_value(j, 0, out);
  fputc('\n', out);
  cJSON_Delete(j);
  return true;
}

/* ---- CBOR diagnostic notation ------------------------------------------ */

#define CBOR_MAX_DEPTH 64


static void print_text(const unsigned char *s, size_t n, FILE *out) {
  fputc('"', out);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = s[i];
    if (ch == '"' || ch == '\\') fprintf(out, "\\%c", ch);
    else if (ch == '\n') fputs("\\n", out);
    else if (ch < 0x20 || ch == 0x7f) fprintf(out, "\\u%04x", ch);
    else fputc(ch, out);
  }
  fputc('"', out);
}

static void print_hex(const unsigned char *s, size_t n, FILE *out) {
  fputs("h'", out);
  for (size_t i = 0; i < n; i++) fprintf(out, "%02x", s[i]);
  fputc('\'', out);
}

static bool diag(cbor_item_t *it, int depth, FILE *out);

/* Items of an array (|pairs| false) or map, one per line when there are
 * any; "[]" / "{}" otherwise. */
static bool diag_container(cbor_item_t *it, int depth, FILE *out) {
  bool is_map = cbor_isa_map(it);
  bool indef = is_map ? cbor_map_is_indefinite(it) : cbor_array_is_indefinite(it);
  size_t n = is_map ? cbor_map_size(it) : cbor_array_size(it);
  fputs(is_map ? "{" : "[", out);
  if (indef) fputs("_ ", out);
  if (n == 0) {
    fputs(is_map ? "}" : "]", out);
    return true;
  }
  fputc('\n', out);
  for (size_t i = 0; i < n; i++) {
    indent(out, depth + 1);
    if (is_map) {
      struct cbor_pair *pr = cbor_map_handle(it);
      if (!diag(pr[i].key, depth + 1, out)) return false;
      fputs(": ", out);
      if (!diag(pr[i].value, depth + 1, out)) return false;
    } else {
      if (!diag(cbor_array_handle(it)[i], depth + 1, out)) return false;
    }
    fputs(i + 1 < n ? ",\n" : "\n", out);
  }
  indent(out, depth);
  fputs(is_map ? "}" : "]", out);
  return true;
}

static void diag_float(double v, bool single, FILE *out) {
  if (isnan(v)) fputs("NaN", out);
  else if (isinf(v)) fputs(v > 0 ? "Infinity" : "-Infinity", out);
  else {
    char buf[40];
    shortest_number(v, single, buf, sizeof buf);
    /* A float must look like one ("1.0", not "1"). */
    fputs(buf, out);
    if (!strpbrk(buf, ".eE")) fputs(".0", out);
  }
}

static bool diag(cbor_item_t *it, int depth, FILE *out) {
  if (depth > CBOR_MAX_DEPTH) return false;
  switch (cbor_typeof(it)) {
  case CBOR_TYPE_UINT:
    fprintf(out, "%llu", (unsigned long long)cbor_get_int(it));
    return true;
  case CBOR_TYPE_NEGINT: {
    uint64_t v = cbor_get_int(it);
    if (v == UINT64_MAX) fputs("-18446744073709551616", out);
    else fprintf(out, "-%llu", (unsigned long long)v + 1);
    return true;
  }
  case CBOR_TYPE_BYTESTRING:
    if (cbor_bytestring_is_definite(it)) {
      print_hex(cbor_bytestring_handle(it), cbor_bytestring_length(it), out);
    } else {
      fputs("(_ ", out);
      size_t k = cbor_bytestring_chunk_count(it);
      cbor_item_t **ch = cbor_bytestring_chunks_handle(it);
      for (size_t i = 0; i < k; i++) {
        if (i) fputs(", ", out);
        print_hex(cbor_bytestring_handle(ch[i]), cbor_bytestring_length(ch[i]),
                  out);
      }
      fputc(')', out);
    }
    return true;
  case CBOR_TYPE_STRING:
    if (cbor_string_is_definite(it)) {
      print_text(cbor_string_handle(it), cbor_string_length(it), out);
    } else {
      fputs("(_ ", out);
      size_t k = cbor_string_chunk_count(it);
      cbor_item_t **ch = cbor_string_chunks_handle(it);
      for (size_t i = 0; i < k; i++) {
        if (i) fputs(", ", out);
        print_text(cbor_string_handle(ch[i]), cbor_string_length(ch[i]), out);
      }
      fputc(')', out);
    }
    return true;
  case CBOR_TYPE_ARRAY:
  case CBOR_TYPE_MAP:
    return diag_container(it, depth, out);
  case CBOR_TYPE_TAG: {
    fprintf(out, "%llu(", (unsigned long long)cbor_tag_value(it));
    cbor_item_t *inner = cbor_tag_item(it);
    bool ok = inner && diag(inner, depth + 1, out);
    if (inner) cbor_decref(&inner);
    fputc(')', out);
    return ok;
  }
  case CBOR_TYPE_FLOAT_CTRL:
    if (cbor_float_ctrl_is_ctrl(it)) {
      uint8_t v = cbor_ctrl_value(it);
      switch (v) {
      case 20: fputs("false", out); break;
      case 21: fputs("true", out); break;
      case 22: fputs("null", out); break;
      case 23: fputs("undefined", out); break;
      default: fprintf(out, "simple(%u)", v);
      }
    } else {
      /* Halves and singles read back at their own width. */
      diag_float(cbor_float_get_float(it),
                 cbor_float_get_width(it) != CBOR_FLOAT_64, out);
    }
    return true;
  }
  return false;
}

/* Render into memory first: an item that fails half-way must not leave a
 * partial rendering on the terminal (the caller falls back to raw). */
static bool print_cbor(const uint8_t *p, size_t n, bool seq, FILE *out) {
  char *mem = NULL;
  size_t memlen = 0;
  FILE *m = open_memstream(&mem, &memlen);
  if (!m) return false;
  size_t off = 0;
  bool ok = n > 0;
  while (ok && off < n) {
    struct cbor_load_result r;
    cbor_item_t *it = cbor_load(p + off, n - off, &r);
    if (!it || r.error.code != CBOR_ERR_NONE) {
      ok = false;
      if (it) cbor_decref(&it);
      break;
    }
    ok = diag(it, 0, m);
    cbor_decref(&it);
    off += r.read;
    if (!seq && off != n) ok = false;   /* trailing bytes: not one item */
    fputs(seq && off < n ? ",\n" : "\n", m);
  }
  fclose(m);
  if (ok) fwrite(mem, 1, memlen, out);
  free(mem);
  return ok;
}

/* Larger CBOR bodies stay raw: libcbor frees nested items recursively, so
 * a hostile body of deeply nested arrays must stay small. */
#define CBOR_MAX_BODY (64 * 1024)

bool client_pretty_print(uint16_t cf, const uint8_t *body, size_t len,
                         FILE *out) {
  switch (client_cformat_kind(cf)) {
  case CLIENT_CF_LINK: return print_links(body, len, out);
  case CLIENT_CF_JSON: return print_json(body, len, out);
  case CLIENT_CF_CBOR:
    return len <= CBOR_MAX_BODY && print_cbor(body, len, false, out);
  case CLIENT_CF_CBOR_SEQ:
    return len <= CBOR_MAX_BODY && print_cbor(body, len, true, out);
  default: return false;
  }
}
