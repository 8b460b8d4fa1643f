/* EDHOC in the store: the OSCORE context an EDHOC session established
 * (RFC 9528 Appendix A.1), kept in memory. */
#ifndef STORE_EDHOC_H
#define STORE_EDHOC_H

#include "edhoc.h"
#include "store.h"

/* An in-memory context (store_context_new_in_memory) from the exported
 * parameters |o|: application AEAD, SHA-256, no ID context, default replay
 * window. |name| appears in messages. Errors: those of the constructor. */
store_err store_context_from_edhoc(const edhoc_oscore *o, const char *name,
                                   store_diag *diag, store_context **out);

#endif
