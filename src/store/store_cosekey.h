/* Private key files (aiocoap's .cosekey, edhoc_cosekey.h): the only code
 * reading or writing them. */
#ifndef STORE_COSEKEY_H
#define STORE_COSEKEY_H

#include "edhoc_key.h"
#include "store.h"

/* Loads |path| as aiocoap does: refused when group or others may read or
 * write it (STORE_ERR_UNSUPPORTED... no: STORE_ERR_MALFORMED with the
 * reason), a regular file of at most 4 KiB holding one COSE_Key.
 * Errors: STORE_ERR_IO, _MISSING, _MALFORMED; |diag| names the file. */
store_err store_cosekey_load(const char *path, edhoc_key **out,
                             store_diag *diag);

/* Writes |k| to the new file |path|: created 0600 with O_EXCL (an existing
 * file, even a dangling link, is STORE_ERR_DUPLICATE and left alone),
 * synced, removed again on any failure. */
store_err store_cosekey_create(const char *path, const edhoc_key *k,
                               store_diag *diag);

#endif
