/* '*' wildcard matching for credentials-map keys. */
#include <stddef.h>
#include "store_pattern.h"

bool store_pattern_match(const char *pattern, const char *s) {
  /* Greedy with one backtrack point: when a literal fails, let the last
   * '*' swallow one more character. Each step advances |s| or the
   * backtrack point, so the loop ends. */
  const char *p = pattern, *star = NULL, *resume = NULL;
  while (*s) {
    if (*p == '*') {
      star = p++;
      resume = s;
    } else if (*p && *p == *s) {
      p++;
      s++;
    } else if (star) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (*p == '*')
    p++;
  return *p == '\0';
}
