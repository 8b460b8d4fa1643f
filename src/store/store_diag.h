/* Private: filling a store_diag. Every failure path of the store goes
 * through store_fail() so that the caller always gets a sentence naming the
 * culprit; warnings go through store_warn() to the caller's callback. */
#ifndef STORE_DIAG_H
#define STORE_DIAG_H

#include "store.h"

/* Format the message into diag->msg (if |diag|) and return |err|. */
store_err store_fail(store_diag *diag, store_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Format a warning and hand it to diag->warn (if set). */
void store_warn(store_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
