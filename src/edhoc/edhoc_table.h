/* A responder's EDHOC sessions in progress (between message_2 and
 * message_3), keyed by the C_R it chose: bounded, the oldest dropped
 * when full, so peers that never send message_3 cannot exhaust memory. */
#ifndef EDHOC_TABLE_H
#define EDHOC_TABLE_H

#include "edhoc.h"

typedef struct edhoc_table edhoc_table;

/* Says whether |cid| is already an OSCORE Recipient ID the caller uses. */
typedef bool (*edhoc_cid_taken)(void *arg, oscore_bytes cid);

/* NULL when out of memory or |cap| is 0. */
edhoc_table *edhoc_table_new(size_t cap);
/* Frees every session still in it. NULL is fine. */
void edhoc_table_free(edhoc_table *t);

/* A fresh C_R from OpenSSL's DRBG: one byte when one is free, else two;
 * never C_I, a session's in the table, or one |taken| reports (may be
 * NULL). EDHOC_ERR_CID_CLASH when none was found. */
edhoc_err edhoc_table_pick_cid(const edhoc_table *t, oscore_bytes c_i,
                               edhoc_cid_taken taken, void *arg,
                               uint8_t out[EDHOC_MAX_CID], size_t *len);
/* Keeps |s| under |cid| (the table owns it from now on, also on error);
 * when full the oldest session is freed first. */
edhoc_err edhoc_table_put(edhoc_table *t, oscore_bytes cid, edhoc_session *s);
/* Removes the session kept under |cid| and hands it back (the caller
 * frees it); NULL when there is none (never was, or dropped). */
/* The same, and a peer (|owner|: e.g. a hash of its address) keeps at
 * most |per_owner| sessions (0: no such bound): beyond that its own
 * oldest is freed, so that one peer cannot push out everybody else's. */
edhoc_err edhoc_table_put_owned(edhoc_table *t, oscore_bytes cid,
                                edhoc_session *s, uint64_t owner,
                                size_t per_owner);
edhoc_session *edhoc_table_take(edhoc_table *t, oscore_bytes cid);
size_t edhoc_table_count(const edhoc_table *t);

#endif
