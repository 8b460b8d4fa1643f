/* Private: credentials-map URI patterns. aiocoap turns a pattern into a
 * regular expression with every character literal except '*', which
 * becomes ".*", and matches it against the whole URI (re.fullmatch). */
#ifndef STORE_PATTERN_H
#define STORE_PATTERN_H

#include <stdbool.h>

/* Does |pattern| match all of |s|? '*' matches any run of characters,
 * including none; everything else matches itself. Time O(len^2) at worst. */
bool store_pattern_match(const char *pattern, const char *s);

#endif
