#include "client_hints.h"

#include <string.h>

#define CODE(c, d) ((uint8_t)((c) << 5 | (d)))

const char *client_hint_combined_unprotected(bool via_proxy) {
  /* RFC 9668 §3.1: option 21 is Safe-to-Forward, so a proxy must pass it
   * on; one that drops it leaves the server an OSCORE request whose kid
   * (C_R) names no context yet. */
  return via_proxy ? "the proxy may have dropped the EDHOC option (21) on "
                     "the way"
                   : "the server may not take RFC 9668 combined requests";
}

const char *client_hint_unprotected(uint8_t code, const char *detail,
                                    bool first_use) {
  /* RFC 7252 §5.4.1: a server without OSCORE rejects the critical option 9
   * with 4.02; an OSCORE server's own 4.02 says "Failed to decode COSE". */
  if (code == CODE(4, 2) && !strstr(detail, "COSE"))
    return "the server does not speak OSCORE (it rejected the OSCORE "
           "option as unknown); check the URI, or the credentials entry that "
           "matched it";
  /* A fresh context's first number is 0: only a server that already saw
   * numbers from this sender ID calls it a replay (RFC 8613 §7.4). */
  if (code == CODE(4, 1) && strstr(detail, "Replay") && first_use)
    return "the very first request of this security context was called a "
           "replay: the server holds state for this sender ID from earlier "
           "use (a copied context directory, or another client with the "
           "same keys); use a fresh pair of contexts (oscore-context-pair)";
  if (code == CODE(4, 1) && strstr(detail, "context not found"))
    return "the server has no context for this sender ID (and ID context): "
           "the two sides' settings do not match";
  if (code == CODE(4, 0) && strstr(detail, "Decryption"))
    return "the server has a context for this sender ID but the keys differ "
           "(secret, salt, algorithm or ID context)";
  return NULL;
}

bool client_hint_uri_scheme(const char *uri) {
  if (strstr(uri, "://") || !*uri || *uri == '/') return false;
  /* "host", "host:port", "[v6]:port", each optionally followed by /path. */
  size_t host = uri[0] == '[' ? strcspn(uri, "]") + 1 : strcspn(uri, ":/?");
  if (host == 0 || (uri[0] == '[' && !strchr(uri, ']'))) return false;
  const char *p = uri + host;
  if (*p == ':') {
    p++;
    if (*p < '0' || *p > '9') return false;   /* "mailto:x", "urn:..." */
    while (*p >= '0' && *p <= '9') p++;
  }
  return *p == '\0' || *p == '/' || *p == '?';
}
