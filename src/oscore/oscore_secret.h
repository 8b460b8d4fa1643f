/* What every layer does with secrets and randomness, in one home: wiping,
 * comparing without a timing leak, and the kernel's random bytes. None of
 * it needs a crypto library, so a program that only speaks OSCORE starts
 * without loading one (docs/DESIGN.md, "Crypto libraries"). */
#ifndef OSCORE_SECRET_H
#define OSCORE_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include "oscore_error.h"

/* Overwrite |n| bytes at |p| with zeros in a way the compiler may not
 * drop (explicit_bzero). NULL with n == 0 is fine. */
void oscore_wipe(void *p, size_t n);

/* Whether the |n| bytes at |a| and |b| are equal, in time that depends
 * on |n| only. */
bool oscore_secret_equal(const void *a, const void *b, size_t n);

/* Fill |buf| with |n| bytes from the kernel's CSPRNG (getrandom(2),
 * blocking only until the pool is first seeded). OSCORE_ERR_CRYPTO when
 * the kernel refuses. */
oscore_err oscore_random(void *buf, size_t n);

#endif
