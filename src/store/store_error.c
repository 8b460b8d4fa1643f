/* Names of store errors and the diagnostics helpers. */
#include <stdarg.h>
#include <stdio.h>
#include "store_diag.h"

const char *store_strerror(store_err err) {
  switch (err) {
  case STORE_OK: return "success";
  case STORE_ERR_INVALID_ARG: return "invalid argument";
  case STORE_ERR_NO_MEMORY: return "out of memory";
  case STORE_ERR_IO: return "file access failed";
  case STORE_ERR_MALFORMED: return "malformed file or value";
  case STORE_ERR_MISSING: return "required file or key missing";
  case STORE_ERR_DUPLICATE: return "value given twice";
  case STORE_ERR_UNKNOWN_ALG: return "unknown algorithm";
  case STORE_ERR_ID_TOO_LONG: return "sender or recipient ID too long";
  case STORE_ERR_LOCKED: return "security context in use by another process";
  case STORE_ERR_UNSUPPORTED: return "credential type not supported";
  case STORE_ERR_REFERENCE: return "bad credential reference";
  case STORE_ERR_DERIVE: return "key derivation failed";
  case STORE_ERR_SEQ_EXHAUSTED: return "sender sequence numbers exhausted";
  case STORE_ERR_NEEDS_EDHOC:
    return "credential type edhoc-oscore needs a program with EDHOC";
  }
  return "unknown store error";
}

store_err store_fail(store_diag *diag, store_err err, const char *fmt, ...) {
  if (diag) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
    va_end(ap);
  }
  return err;
}

void store_warn(store_diag *diag, const char *fmt, ...) {
  if (!diag || !diag->warn)
    return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  diag->warn(diag->warn_arg, buf);
}
