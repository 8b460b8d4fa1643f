#include "fs_log.h"

#include <string.h>

static const char *method_name(uint8_t code, char tmp[8]) {
  static const char *const names[] = {"-", "GET", "POST", "PUT", "DELETE",
                                      "FETCH", "PATCH", "iPATCH"};
  if (code < sizeof names / sizeof names[0])
    return names[code];
  snprintf(tmp, 8, "%u.%02u", code >> 5, code & 31);
  return tmp;
}

/* Copy |s| with bytes outside printable ASCII (and backslash) as \xNN. */
static size_t escaped(char *out, size_t cap, const char *s) {
  size_t k = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p && k + 5 < cap;
       p++) {
    if (*p >= 0x20 && *p < 0x7f && *p != '\\')
      out[k++] = (char)*p;
    else
      k += (size_t)snprintf(out + k, cap - k, "\\x%02x", *p);
  }
  out[k] = 0;
  return k;
}

void fs_log_format(char *buf, size_t cap, const coapx_log_entry *e) {
  char m[8], path[300], peer[100];
  escaped(path, sizeof path, e->path && e->path[0] ? e->path : "-");
  escaped(peer, sizeof peer, e->peer ? e->peer : "?");
  const char *id = e->identity ? e->identity
                               : (e->is_protected ? "?" : "anonymous");
  char code[16];
  if (e->code)
    snprintf(code, sizeof code, "%u.%02u", e->code >> 5, e->code & 31);
  else
    snprintf(code, sizeof code, "(no answer)");
  snprintf(buf, cap, "%s %s %s %s -> %s %zu bytes%s%s", peer, id,
           method_name(e->method, m), path, code, e->payload_len,
           e->from_cache ? " (retransmission, cached answer)" : "",
           e->notification ? " (notification)" : "");
}

void fs_log_request(FILE *f, const char *prog, const coapx_log_entry *e) {
  char line[600];
  fs_log_format(line, sizeof line, e);
  fprintf(f, "%s: %s\n", prog, line);
}
