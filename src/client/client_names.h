/* Names of CoAP numbers for humans: methods, response codes, option
 * numbers (RFC 7252 §12 and the IANA CoRE Parameters registries) and the
 * CoAP Content-Formats registry. */
#ifndef CLIENT_NAMES_H
#define CLIENT_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Method by name (case-insensitive: GET POST PUT DELETE FETCH PATCH
 * iPATCH) or number (1..31). false when neither. */
bool client_method_parse(const char *s, uint8_t *code);

/* "GET", "2.05 Content", "4.04 Not Found", "0.09" for unknown methods:
 * written to |buf| (|cap| >= 40) and returned. */
const char *client_code_name(uint8_t code, char *buf, size_t cap);

/* Option name ("Uri-Path"), or NULL when unknown. */
const char *client_option_name(uint16_t number);

/* Option number by name (case-insensitive); false when unknown. */
bool client_option_number(const char *name, uint16_t *number);

/* How an option's value is best shown. */
typedef enum { CLIENT_OPT_OPAQUE, CLIENT_OPT_STRING, CLIENT_OPT_UINT,
               CLIENT_OPT_EMPTY, CLIENT_OPT_BLOCK } client_opt_format;
client_opt_format client_option_format(uint16_t number);

/* Content-Format by media type (as registered, spaces after ';' ignored,
 * case-insensitive; "text/plain" stands for 0), a short name (a media
 * type without "application/" or "text/": json, cbor, link-format,
 * octet-stream, senml+json...; "text" for 0) or number (0..65535).
 * false when none. */
bool client_cformat_parse(const char *s, uint16_t *cf);

/* Registered media type of |cf|, NULL when unknown. */
const char *client_cformat_name(uint16_t cf);

/* Print the registered names, one "number name" per line, with the short
 * name where there is one (for --content-format help). */
void client_cformat_list(FILE *out);

/* What a Content-Format's body is, for rendering and for --payload
 * conversion (CBOR-based: "+cbor" and application/cbor types). */
typedef enum { CLIENT_CF_OTHER, CLIENT_CF_LINK, CLIENT_CF_JSON, CLIENT_CF_CBOR,
               CLIENT_CF_CBOR_SEQ } client_cf_kind;
client_cf_kind client_cformat_kind(uint16_t cf);

#endif
