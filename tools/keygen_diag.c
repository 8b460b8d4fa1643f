/* One-line CBOR diagnostic notation (keygen_diag.h). */
#include <inttypes.h>
#include "keygen_diag.h"

static edhoc_err print_val(FILE *out, const edhoc_cbor_val *v, int depth);

/* Prints |n| items (2n for a map) from |inner|. */
static edhoc_err print_items(FILE *out, oscore_bytes inner, size_t n,
                             bool map, int depth) {
  edhoc_r r;
  edhoc_r_init(&r, inner);
  for (size_t i = 0; i < n; i++) {
    edhoc_cbor_val k, v;
    if (i)
      fputs(", ", out);
    if (edhoc_r_next(&r, &k) != EDHOC_OK ||
        print_val(out, &k, depth + 1) != EDHOC_OK)
      return EDHOC_ERR_MALFORMED;
    if (!map)
      continue;
    fputs(": ", out);
    if (edhoc_r_next(&r, &v) != EDHOC_OK ||
        print_val(out, &v, depth + 1) != EDHOC_OK)
      return EDHOC_ERR_MALFORMED;
  }
  return EDHOC_OK;
}

static edhoc_err print_val(FILE *out, const edhoc_cbor_val *v, int depth) {
  if (depth > 16)
    return EDHOC_ERR_MALFORMED;
  switch (v->type) {
  case EDHOC_CBOR_INT:
    fprintf(out, "%" PRId64, v->i);
    return EDHOC_OK;
  case EDHOC_CBOR_BSTR:
    fputs("h'", out);
    for (size_t i = 0; i < v->bytes.len; i++)
      fprintf(out, "%02x", v->bytes.ptr[i]);
    fputc('\'', out);
    return EDHOC_OK;
  case EDHOC_CBOR_TSTR:
    fputc('"', out);
    for (size_t i = 0; i < v->bytes.len; i++) {
      unsigned char c = v->bytes.ptr[i];
      if (c == '"' || c == '\\')
        fprintf(out, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        fprintf(out, "\\u%04x", c);
      else
        fputc(c, out);
    }
    fputc('"', out);
    return EDHOC_OK;
  case EDHOC_CBOR_MAP:
  case EDHOC_CBOR_ARRAY: {
    bool map = v->type == EDHOC_CBOR_MAP;
    fputc(map ? '{' : '[', out);
    edhoc_err err = print_items(out, v->inner, v->n, map, depth);
    fputc(map ? '}' : ']', out);
    return err;
  }
  case EDHOC_CBOR_BOOL:
    fputs(v->b ? "true" : "false", out);
    return EDHOC_OK;
  default:
    return EDHOC_ERR_MALFORMED;
  }
}

edhoc_err keygen_diag_print(FILE *out, oscore_bytes item) {
  edhoc_r r;
  edhoc_cbor_val v;
  edhoc_r_init(&r, item);
  if (edhoc_r_next(&r, &v) != EDHOC_OK || !edhoc_r_at_end(&r))
    return EDHOC_ERR_MALFORMED;
  return print_val(out, &v, 0);
}
