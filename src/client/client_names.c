#include "client_names.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const methods[] = {
  NULL, "GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH",
};

/* A whole-string unsigned decimal in [lo, hi]. */
static bool parse_uint(const char *s, unsigned long lo, unsigned long hi,
                       unsigned long *out) {
  if (!*s) return false;
  unsigned long v = 0;
  for (const char *p = s; *p; p++) {
    if (!isdigit((unsigned char)*p)) return false;
    v = v * 10 + (unsigned long)(*p - '0');
    if (v > hi) return false;
  }
  if (v < lo) return false;
  *out = v;
  return true;
}

bool client_method_parse(const char *s, uint8_t *code) {
  for (uint8_t i = 1; i < sizeof methods / sizeof methods[0]; i++) {
    if (strcasecmp(s, methods[i]) == 0) {
      *code = i;
      return true;
    }
  }
  unsigned long v;
  /* Class 0 holds the methods; 0.00 is the empty message. */
  if (parse_uint(s, 1, 31, &v)) {
    *code = (uint8_t)v;
    return true;
  }
  return false;
}

static const struct { uint8_t code; const char *name; } codes[] = {
  { 65, "Created" }, { 66, "Deleted" }, { 67, "Valid" }, { 68, "Changed" },
  { 69, "Content" }, { 95, "Continue" },
  { 128, "Bad Request" }, { 129, "Unauthorized" }, { 130, "Bad Option" },
  { 131, "Forbidden" }, { 132, "Not Found" }, { 133, "Method Not Allowed" },
  { 134, "Not Acceptable" }, { 136, "Request Entity Incomplete" },
  { 137, "Conflict" }, { 140, "Precondition Failed" },
  { 141, "Request Entity Too Large" }, { 143, "Unsupported Content-Format" },
  { 150, "Unprocessable Entity" }, { 157, "Too Many Requests" },
  { 160, "Internal Server Error" }, { 161, "Not Implemented" },
  { 162, "Bad Gateway" }, { 163, "Service Unavailable" },
  { 164, "Gateway Timeout" }, { 165, "Proxying Not Supported" },
  { 168, "Hop Limit Reached" },
};

const char *client_code_name(uint8_t code, char *buf, size_t cap) {
  if (code > 0 && code < sizeof methods / sizeof methods[0]) {
    snprintf(buf, cap, "%s", methods[code]);
    return buf;
  }
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    if (codes[i].code == code) {
      snprintf(buf, cap, "%u.%02u %s", code >> 5, code & 31, codes[i].name);
      return buf;
    }
  }
  snprintf(buf, cap, "%u.%02u", code >> 5, code & 31);
  return buf;
}

static const struct {
  uint16_t number;
  const char *name;
  client_opt_format format;
} options[] = {
  { 1, "If-Match", CLIENT_OPT_OPAQUE },
  { 3, "Uri-Host", CLIENT_OPT_STRING },
  { 4, "ETag", CLIENT_OPT_OPAQUE },
  { 5, "If-None-Match", CLIENT_OPT_EMPTY },
  { 6, "Observe", CLIENT_OPT_UINT },
  { 7, "Uri-Port", CLIENT_OPT_UINT },
  { 8, "Location-Path", CLIENT_OPT_STRING },
  { 9, "OSCORE", CLIENT_OPT_OPAQUE },
  { 11, "Uri-Path", CLIENT_OPT_STRING },
  { 12, "Content-Format", CLIENT_OPT_UINT },
  { 14, "Max-Age", CLIENT_OPT_UINT },
  { 15, "Uri-Query", CLIENT_OPT_STRING },
  { 16, "Hop-Limit", CLIENT_OPT_UINT },
  { 17, "Accept", CLIENT_OPT_UINT },
  { 19, "Q-Block1", CLIENT_OPT_BLOCK },
  { 20, "Location-Query", CLIENT_OPT_STRING },
  { 21, "EDHOC", CLIENT_OPT_EMPTY },
  { 23, "Block2", CLIENT_OPT_BLOCK },
  { 27, "Block1", CLIENT_OPT_BLOCK },
  { 28, "Size2", CLIENT_OPT_UINT },
  { 31, "Q-Block2", CLIENT_OPT_BLOCK },
  { 35, "Proxy-Uri", CLIENT_OPT_STRING },
  { 39, "Proxy-Scheme", CLIENT_OPT_STRING },
  { 60, "Size1", CLIENT_OPT_UINT },
  { 252, "Echo", CLIENT_OPT_OPAQUE },
  { 258, "No-Response", CLIENT_OPT_UINT },
  { 292, "Request-Tag", CLIENT_OPT_OPAQUE },
};

const char *client_option_name(uint16_t number) {
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
    if (options[i].number == number) return options[i].name;
  return NULL;
}

bool client_option_number(const char *name, uint16_t *number) {
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    if (strcasecmp(options[i].name, name) == 0) {
      *number = options[i].number;
      return true;
    }
  }
  return false;
}

client_opt_format client_option_format(uint16_t number) {
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
    if (options[i].number == number) return options[i].format;
  return CLIENT_OPT_OPAQUE;
}

/* The IANA "CoAP Content-Formats" registry (identity coding only; the
 * deflate-coded 11050 and 11060 are reachable by number). */
static const struct { uint16_t cf; const char *type; } cformats[] = {
  { 0, "text/plain; charset=utf-8" },
  { 16, "application/cose; cose-type=\"cose-encrypt0\"" },
  { 17, "application/cose; cose-type=\"cose-mac0\"" },
  { 18, "application/cose; cose-type=\"cose-sign1\"" },
  { 19, "application/ace+cbor" },
  { 21, "image/gif" },
  { 22, "image/jpeg" },
  { 23, "image/png" },
  { 40, "application/link-format" },
  { 41, "application/xml" },
  { 42, "application/octet-stream" },
  { 47, "application/exi" },
  { 50, "application/json" },
  { 51, "application/json-patch+json" },
  { 52, "application/merge-patch+json" },
  { 60, "application/cbor" },
  { 61, "application/cwt" },
  { 62, "application/multipart-core" },
  { 63, "application/cbor-seq" },
  { 96, "application/cose; cose-type=\"cose-encrypt\"" },
  { 97, "application/cose; cose-type=\"cose-mac\"" },
  { 98, "application/cose; cose-type=\"cose-sign\"" },
  { 101, "application/cose-key" },
  { 102, "application/cose-key-set" },
  { 110, "application/senml+json" },
  { 111, "application/sensml+json" },
  { 112, "application/senml+cbor" },
  { 113, "application/sensml+cbor" },
  { 114, "application/senml-exi" },
  { 115, "application/sensml-exi" },
  { 140, "application/yang-data+cbor; id=sid" },
  { 256, "application/coap-group+json" },
  { 257, "application/concise-problem-details+cbor" },
  { 258, "application/swid+cbor" },
  { 271, "application/dots+cbor" },
  { 272, "application/missing-blocks+cbor-seq" },
  { 280, "application/pkcs7-mime; smime-type=server-generated-key" },
  { 281, "application/pkcs7-mime; smime-type=certs-only" },
  { 284, "application/pkcs8" },
  { 285, "application/csrattrs" },
  { 286, "application/pkcs10" },
  { 287, "application/pkix-cert" },
  { 290, "application/aif+cbor" },
  { 291, "application/aif+json" },
  { 310, "application/senml+xml" },
  { 311, "application/sensml+xml" },
  { 320, "application/senml-etch+json" },
  { 322, "application/senml-etch+cbor" },
  { 340, "application/yang-data+cbor" },
  { 341, "application/yang-data+cbor; id=name" },
  { 432, "application/td+json" },
  { 10000, "application/vnd.ocf+cbor" },
  { 10001, "application/oscore" },
  { 10002, "application/javascript" },
  { 11542, "application/vnd.oma.lwm2m+tlv" },
  { 11543, "application/vnd.oma.lwm2m+json" },
  { 11544, "application/vnd.oma.lwm2m+cbor" },
  { 20000, "text/css" },
  { 30000, "image/svg+xml" },
};

/* Compare media types ignoring case and blanks around ';' and '='. */
static bool same_type(const char *a, const char *b) {
  for (;;) {
    while (*a == ' ' || *a == '\t') a++;
    while (*b == ' ' || *b == '\t') b++;
    if (!*a || !*b) return *a == *b;
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
    a++;
    b++;
  }
}

/* The short name of a registered type: what follows "application/" or
 * "text/" when no parameter follows ("text" for text/plain). NULL when
 * there is none. */
static const char *short_name(const char *type) {
  if (strncmp(type, "text/plain;", 11) == 0) return "text";
  if (strchr(type, ';')) return NULL;
  const char *slash = strchr(type, '/');
  if (strncmp(type, "application/", 12) && strncmp(type, "text/", 5))
    return NULL;
  return slash + 1;
}

bool client_cformat_parse(const char *s, uint16_t *cf) {
  unsigned long v;
  if (parse_uint(s, 0, 65535, &v)) {
    *cf = (uint16_t)v;
    return true;
  }
  if (same_type(s, "text/plain")) {
    *cf = 0;
    return true;
  }
  for (size_t i = 0; i < sizeof cformats / sizeof cformats[0]; i++) {
    const char *sn = short_name(cformats[i].type);
    if (same_type(s, cformats[i].type) || (sn && same_type(s, sn))) {
      *cf = cformats[i].cf;
      return true;
    }
  }
  return false;
}

client_cf_kind client_cformat_kind(uint16_t cf) {
  const char *t = client_cformat_name(cf);
  if (!t) return CLIENT_CF_OTHER;
  size_t n = strcspn(t, ";");
  if (n == 23 && strncmp(t, "application/link-format", n) == 0)
    return CLIENT_CF_LINK;
  if (n >= 8 && strncmp(t + n - 8, "cbor-seq", 8) == 0) return CLIENT_CF_CBOR_SEQ;
  if (n >= 5 && (strncmp(t + n - 5, "+cbor", 5) == 0 ||
                 strncmp(t + n - 5, "/cbor", 5) == 0))
    return CLIENT_CF_CBOR;
  if (n >= 5 && (strncmp(t + n - 5, "+json", 5) == 0 ||
                 strncmp(t + n - 5, "/json", 5) == 0))
    return CLIENT_CF_JSON;
  /* Registered as CBOR data without a +cbor suffix. */
  if (cf == 61) return CLIENT_CF_CBOR; /* application/cwt (RFC 8392) */
  return CLIENT_CF_OTHER;
}

const char *client_cformat_name(uint16_t cf) {
  for (size_t i = 0; i < sizeof cformats / sizeof cformats[0]; i++)
    if (cformats[i].cf == cf) return cformats[i].type;
  return NULL;
}

void client_cformat_list(FILE *out) {
  for (size_t i = 0; i < sizeof cformats / sizeof cformats[0]; i++) {
    const char *sn = short_name(cformats[i].type);
    fprintf(out, "  %5u  %s", cformats[i].cf, cformats[i].type);
    if (sn && strcmp(sn, cformats[i].type) != 0) fprintf(out, "  (%s)", sn);
    fputc('\n', out);
  }
}
