/* CBOR diagnostic notation (RFC 8949 §8, RFC 8610 Appendix G, the EDN
 * draft) to CBOR, through libcbor. A bottom-layer library beside
 * src/oscore: no files, no sockets, nothing printed. Users: oscore-client
 * (--payload for CBOR content formats) and the store (aiocoap's .diag
 * credentials maps).
 *
 * Accepted grammar (whitespace = space, tab, CR, LF; comments count as
 * whitespace and may stand wherever whitespace may):
 *
 *   text      = ws item ws                  one item, then only whitespace
 *   ws        = *( space / tab / CR / LF / "/" any-but-slash "/"
 *                  / "#" to end of line )
 *   item      = number / text-string / byte-string / array / map / tag
 *               / simple / "true" / "false" / "null" / "undefined"
 *               / embedded
 *   number    = ["-"] ( "0x" hex+ / "0o" oct+ / "0b" bin+ / decimal )
 *               / "Infinity" / "-Infinity" / "NaN"
 *   decimal   = digit+ [ "." digit+ ] [ ("e"/"E") ["+"/"-"] digit+ ]
 *               A number without "." or exponent is an integer, exact at
 *               any size: -2^64 .. 2^64-1 as major types 0/1, beyond as
 *               a bignum (tag 2/3 with the shortest byte string).
 *               Other numbers are floats, encoded in the shortest of
 *               half/single/double that holds the value exactly (RFC 8949
 *               §4.2.2 preferred serialization; NaN as f9 7e00), except
 *               that half-precision subnormals go out as single (libcbor
 *               0.8 cannot encode them exactly).
 *   text-string = '"' JSON characters and escapes (\" \\ \/ \b \f \n \r
 *               \t \uXXXX, surrogate pairs joined) '"'; must be UTF-8,
 *               raw control characters refused
 *   byte-string = "h'" hex digits, whitespace and comments between them "'"
 *               / "b64'" base64 or base64url, padding optional,
 *                 whitespace allowed "'"
 *               / "'" characters (\' and \\ escaped) "'"   its UTF-8 bytes
 *   array     = "[" ["_" ws] [ item *( "," item ) [","] ] "]"
 *   map       = "{" ["_" ws] [ item ":" item *( "," item ":" item ) [","] ]
 *               "}"   keys of any type, in the order written
 *               ("_": indefinite length, RFC 8949 §3.2.2)
 *   tag       = uint "(" item ")"               tag number 0 .. 2^64-1
 *   simple    = "simple(" uint ")"              0..23 and 32..255
 *   embedded  = "<<" [ item *( "," item ) ] ">>"  the items' encodings
 *               concatenated, as a byte string (RFC 8610 G.3)
 *
 * Nesting is limited to EDN_MAX_DEPTH. Not accepted: encoding indicators
 * other than "_" on arrays and maps, string concatenation, application
 * prefixes other than h and b64 (dt'', ip'', ...): each is an error with
 * its position, never a silent guess. */
#ifndef EDN_H
#define EDN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cbor.h>

#define EDN_MAX_DEPTH 128

typedef struct {
  size_t offset;        /* byte offset of the fault in the text */
  size_t line;          /* 1-based */
  size_t column;        /* 1-based, in bytes */
  const char *what;     /* static text: what was expected or is wrong */
} edn_error;

/* Parses one CBOR data item in diagnostic notation from |text| (|len|
 * bytes, need not be NUL-terminated). Returns a new libcbor item (the
 * caller cbor_decref's) or NULL with *err filled (out of memory included,
 * what = "out of memory"). */
cbor_item_t *edn_parse(const char *text, size_t len, edn_error *err);

/* edn_parse, then the item's CBOR encoding in a new malloc'd buffer:
 * *out (caller frees) and *out_len. false with *err filled. */
bool edn_encode(const char *text, size_t len, uint8_t **out, size_t *out_len,
                edn_error *err);

/* Wipes the bytes of every string |*it| holds, unless another reference
 * to it exists, then drops the caller's reference and sets *it NULL. For
 * items that may hold secrets (a .diag credentials map's keys). */
void edn_item_free_wiped(cbor_item_t **it);

#endif
