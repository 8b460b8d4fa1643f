#include "coapx_cli.h"
#include "coapx_transport.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool coapx_cli_add_bind(const char **binds, size_t *n, const char *spec,
                        char *why, size_t why_len) {
  if (*n == COAPX_MAX_BINDS) {
    coapx_cli_fail(0, why, why_len, "too many --bind (at most %s)", "8");
    return false;
  }
  coapx_transport t;
  char addr[300];
  /* Only a scheme is judged here; an address too long for any host is
   * the server's to refuse (it cannot listen there, exit 6). */
  if (!coapx_transport_split_bind(spec, &t, addr, sizeof addr) && addr[0]) {
    coapx_cli_fail(0, why, why_len, "--bind: scheme '%.40s' is not served "
                   "(coap://, coap+tcp://, coaps://, coaps+tcp://)", addr);
    return false;
  }
  binds[(*n)++] = spec;
  return true;
}

int coapx_cli_fail(int result, char *why, size_t why_len, const char *fmt,
                   const char *arg) {
  if (why && why_len)
    snprintf(why, why_len, fmt, arg);
  return result;
}

void coapx_cli_bind_host(const char *spec, char *out, size_t cap) {
  const char *sep = spec ? strstr(spec, "://") : NULL;
  if (sep && sep - spec == 4 && strncasecmp(spec, "coap", 4) == 0) {
    /* UDP, the default: shown as without a scheme. */
    coapx_cli_bind_host(*(sep + 3) ? sep + 3 : NULL, out, cap);
    size_t len = strlen(out);
    if (len && out[len - 1] == '/') out[len - 1] = '\0';
    return;
  }
  if (sep) {
    /* "coap+tcp://" stays in front of the host part. */
    size_t n = (size_t)(sep - spec) + 3;
    if (n >= cap) n = cap - 1;
    memcpy(out, spec, n);
    coapx_cli_bind_host(*(sep + 3) ? sep + 3 : NULL, out + n, cap - n);
    size_t len = strlen(out);
    if (len > n && out[len - 1] == '/') out[len - 1] = '\0';
    return;
  }
  if (!spec || !*spec) {
    snprintf(out, cap, "[::]");
    return;
  }
  if (spec[0] == '[') {
    const char *close = strchr(spec, ']');
    size_t n = close ? (size_t)(close - spec) + 1 : strlen(spec);
    snprintf(out, cap, "%.*s", (int)n, spec);
    return;
  }
  const char *colon = strchr(spec, ':');
  if (colon && strchr(colon + 1, ':'))
    snprintf(out, cap, "[%s]", spec);
  else if (colon)
    snprintf(out, cap, "%.*s", (int)(colon - spec), spec);
  else
    snprintf(out, cap, "%s", spec);
}
