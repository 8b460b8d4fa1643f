/* Private: aiocoap's "tlscert" credential (credentials.py class TLSCert):
 * the certificate file ("certfile", PEM) a client trusts to authenticate
 * the server it talks to; here for coaps+tcp:// (as aiocoap) and coaps://.
 * It holds no secret. */
#ifndef STORE_TLSCERT_H
#define STORE_TLSCERT_H

#include <cjson/cJSON.h>
#include "store.h"

/* Parse the value of a "tlscert" member: an object with exactly
 * "certfile", a non-empty string. A relative path is taken beside the
 * credentials file |path| when a file is there, else as given (relative
 * to the current directory, as aiocoap reads it). *out (malloc'd) is the
 * path to use. Errors: STORE_ERR_MALFORMED, _MISSING, _DUPLICATE,
 * _NO_MEMORY; messages name |key| and |path|. */
store_err store_tlscert_parse(const cJSON *v, const char *key,
                              const char *path, char **out, store_diag *diag);

#endif
