/* Private: aiocoap's credentials maps in CBOR diagnostic notation (the
 * ".diag" files its EDHOC documentation writes), read into the cJSON tree
 * store_credentials_load takes for JSON maps. */
#ifndef STORE_CRED_EDN_H
#define STORE_CRED_EDN_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "store.h"

/* Whether |path| names a .diag map (aiocoap-client decides by the suffix:
 * ".json" is JSON, ".diag" is diagnostic notation). */
bool store_cred_is_edn(const char *path);

/* Reads |path| (at most |max| bytes), parses it with edn_parse and
 * converts it into *out, a JSON object, the form a JSON map would have:
 * text-keyed maps become objects, a map with any other key (a credential
 * {14: {...}}) becomes {"hex": its CBOR encoding}, a byte string
 * {"hex": its bytes}; numbers, text, booleans, null and arrays stay what
 * they are. Tags, undefined and simple values have no such form and are
 * errors naming the entry. Syntax errors name the file, line and column.
 * Errors: STORE_ERR_IO, _MALFORMED, _NO_MEMORY. */
store_err store_cred_edn_load(const char *path, size_t max, cJSON **out,
                              store_diag *diag);

#endif
