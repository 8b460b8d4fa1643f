#include "coapx_uri.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "oscore_text.h"

/* RFC 7252 §5.10: Uri-Host 1..255, Uri-Path/Uri-Query 0..255,
 * Proxy-Uri 1..1034, Proxy-Scheme 1..255 bytes. */
#define MAX_HOST_OPT   255
#define MAX_SEG_OPT    255
#define MAX_PROXY_URI 1034

/* Decode [s, s+n) into |out| (which may be |s|); returns the decoded
 * length, or -1 on a malformed %-sequence. */
static long pct_decode(const char *s, size_t n, char *out) {
  return oscore_pct_decode((const uint8_t *)s, n, (uint8_t *)out);
}

static bool is_dotted_quad(const char *h) {
  struct in_addr a;
  /* inet_pton accepts exactly four decimal parts of at most 255, which is
   * RFC 3986's IPv4address (aiocoap's test is the same). */
  return inet_pton(AF_INET, h, &a) == 1;
}

/* Split [s, s+n) at |sep| into decoded segments appended to |segs|.
 * Decoding happens in place in |dst| (a copy of the input region). */
static coapx_err split_decode(char *dst, size_t n, char sep,
                              oscore_bytes *segs, size_t *count,
                              const char **why) {
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && dst[i] != sep) continue;
    long len = pct_decode(dst + start, i - start, dst + start);
    if (len < 0) {
      *why = "malformed percent-encoding";
      return COAPX_ERR_URI;
    }
    if ((size_t)len > MAX_SEG_OPT) {
      *why = "a path segment or query argument is longer than 255 bytes";
      return COAPX_ERR_URI;
    }
    segs[*count] = OSCORE_BYTES(dst + start, (size_t)len);
    (*count)++;
    start = i + 1;
  }
  return COAPX_OK;
}

static size_t count_char(const char *s, size_t n, char c) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += s[i] == c;
  return k;
}

static coapx_err parse(const char *text, coapx_uri *u, const char **why) {
  size_t tlen = strlen(text);
  /* The scheme (RFC 3986 §3.1): ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
  const char *colon = strchr(text, ':');
  if (!colon || colon == text) {
    *why = "not an absolute URI (expected coap://host/path)";
    return COAPX_ERR_URI;
  }
  for (const char *p = text; p < colon; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (p > text && ((c >= '0' && c <= '9') || c == '+' || c == '-' ||
                            c == '.'));
    if (!ok) {
      *why = "not an absolute URI (expected coap://host/path)";
      return COAPX_ERR_URI;
    }
  }
  if (strncmp(colon, "://", 3) != 0) {
    *why = "missing \"//\" and host after the scheme";
    return COAPX_ERR_URI;
  }
  for (const char *p = text; *p; p++) {
    if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
      *why = "contains a space or control character";
      return COAPX_ERR_URI;
    }
  }
  if (strchr(text, '#')) {
    /* RFC 7252 §6.4 step 3: a request URI has no fragment. */
    *why = "a fragment (#...) cannot be part of a request URI";
    return COAPX_ERR_URI;
  }

  /* One buffer: the original text, then the scheme, then the decoded
   * host, path and query regions, each NUL-terminated. */
  size_t cap = 3 * (tlen + 1) + 8;
  u->buf = malloc(cap);
  if (!u->buf) return COAPX_ERR_NO_MEMORY;
  char *w = u->buf;
  memcpy(w, text, tlen + 1);
  u->text = w;
  w += tlen + 1;

  size_t slen = (size_t)(colon - text);
  for (size_t i = 0; i < slen; i++) {
    char c = text[i];
    w[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  w[slen] = '\0';
  u->scheme = w;
  u->is_coap = strcmp(w, "coap") == 0;
  u->is_sendable = coapx_transport_from_scheme(w, strlen(w), &u->transport);
  w += slen + 1;

  const char *auth = colon + 3;
  size_t alen = strcspn(auth, "/?");
  const char *rest = auth + alen;
  if (memchr(auth, '@', alen)) {
    *why = "user information (user@host) is not supported";
    return COAPX_ERR_URI;
  }

  /* Host and port. */
  const char *host_s, *port_s = NULL;
  size_t host_n, port_n = 0;
  if (alen > 0 && auth[0] == '[') {
    const char *close = memchr(auth, ']', alen);
    if (!close) {
      *why = "unterminated IPv6 literal (missing ']')";
      return COAPX_ERR_URI;
    }
    host_s = auth + 1;
    host_n = (size_t)(close - host_s);
    const char *after = close + 1;
    if (after < auth + alen) {
      if (*after != ':') {
        *why = "unexpected characters after the IPv6 literal";
        return COAPX_ERR_URI;
      }
      port_s = after + 1;
      port_n = (size_t)(auth + alen - port_s);
    }
    u->host_is_literal = true;
    u->host_is_ipv6 = true;
  } else {
    const char *pc = memchr(auth, ':', alen);
    host_s = auth;
    host_n = pc ? (size_t)(pc - auth) : alen;
    if (pc) {
      port_s = pc + 1;
      port_n = (size_t)(auth + alen - port_s);
    }
  }
  if (host_n == 0) {
    *why = "missing host name";
    return COAPX_ERR_URI;
  }
  long hl = pct_decode(host_s, host_n, w);
  if (hl < 0) {
    *why = "malformed percent-encoding in the host";
    return COAPX_ERR_URI;
  }
  if (memchr(w, '\0', (size_t)hl)) {
    *why = "host name contains a NUL byte";
    return COAPX_ERR_URI;
  }
  for (long i = 0; i < hl; i++)
    if (w[i] >= 'A' && w[i] <= 'Z') w[i] = (char)(w[i] - 'A' + 'a');
  w[hl] = '\0';
  if (u->host_is_ipv6) {
    /* The zone, if any, is not part of what inet_pton accepts. */
    char probe[INET6_ADDRSTRLEN + 1];
    size_t al = strcspn(w, "%");
    struct in6_addr a6;
    if (al >= sizeof probe) {
      *why = "invalid IPv6 literal";
      return COAPX_ERR_URI;
    }
    memcpy(probe, w, al);
    probe[al] = '\0';
    if (inet_pton(AF_INET6, probe, &a6) != 1) {
      *why = "invalid IPv6 literal";
      return COAPX_ERR_URI;
    }
  } else {
    u->host_is_literal = is_dotted_quad(w);
  }
  if ((size_t)hl > MAX_HOST_OPT) {
    *why = "host name longer than 255 bytes";
    return COAPX_ERR_URI;
  }
  u->host = w;
  w += hl + 1;

  if (port_s && port_n > 0) {
    unsigned long p = 0;
    for (size_t i = 0; i < port_n; i++) {
      if (port_s[i] < '0' || port_s[i] > '9') {
        *why = "port is not a number";
        return COAPX_ERR_URI;
      }
      p = p * 10 + (unsigned long)(port_s[i] - '0');
      if (p > 65535) break;
    }
    if (p == 0 || p > 65535) {
      *why = "port out of range (1-65535)";
      return COAPX_ERR_URI;
    }
    u->port = (uint16_t)p;
    u->has_port = true;
  } else if (u->is_sendable) {
    u->port = coapx_transport_default_port(u->transport);
  }
  u->port_opt_len = oscore_opt_uint_encode(u->port, u->port_opt);

  /* Path and query (RFC 7252 §6.4 steps 8 and 9). */
  size_t plen = strcspn(rest, "?");
  const char *q = rest[plen] == '?' ? rest + plen + 1 : NULL;
  size_t qlen = q ? strlen(q) : 0;

  /* The normal form: scheme "://" authority (host part lower-cased)
   * path-or-"/" ["?" query]. */
  {
    char *n = w;
    memcpy(n, u->scheme, slen);
    memcpy(n + slen, "://", 3);
    size_t o = slen + 3;
    for (size_t i = 0; i < alen; i++) {
      char c = auth[i];
      n[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    if (plen == 0) n[o++] = '/';
    memcpy(n + o, rest, plen);
    o += plen;
    if (qlen) {
      n[o++] = '?';
      memcpy(n + o, q, qlen);
      o += qlen;
    }
    n[o] = '\0';
    u->normal = n;
    w += o + 1;
  }
  size_t nseg = (plen > 1 ? count_char(rest, plen, '/') : 0) +
                (qlen ? count_char(q, qlen, '&') + 1 : 0);
  oscore_bytes *segs = NULL;
  if (nseg) {
    segs = calloc(nseg, sizeof *segs);
    if (!segs) return COAPX_ERR_NO_MEMORY;
  }
  u->path = segs;
  if (plen > 1) {
    /* Skip the leading '/': "/a/b/" gives "a", "b", "". */
    memcpy(w, rest + 1, plen - 1);
    w[plen - 1] = '\0';
    coapx_err e = split_decode(w, plen - 1, '/', segs, &u->n_path, why);
    if (e) return e;
    w += plen;
  }
  u->query = segs ? segs + u->n_path : NULL;
  if (qlen) {
    memcpy(w, q, qlen);
    w[qlen] = '\0';
    coapx_err e = split_decode(w, qlen, '&', u->query, &u->n_query, why);
    if (e) return e;
    w += qlen + 1;
  }
  return COAPX_OK;
}

coapx_err coapx_uri_parse(const char *text, coapx_uri *u, const char **why) {
  const char *dummy;
  if (!why) why = &dummy;
  *why = "";
  if (!text || !u) return COAPX_ERR_INVALID_ARG;
  memset(u, 0, sizeof *u);
  coapx_err e = parse(text, u, why);
  if (e) coapx_uri_free(u);
  return e;
}

coapx_err coapx_uri_on_origin(const coapx_uri *u, const char *abs_path,
                              coapx_uri *out) {
  if (!u || !u->text || !abs_path || abs_path[0] != '/' || !out)
    return COAPX_ERR_INVALID_ARG;
  /* A parsed URI always has "scheme://authority"; the authority ends at
   * the path or query (parse() refuses fragments). */
  const char *auth = strstr(u->text, "://");
  if (!auth) return COAPX_ERR_INVALID_ARG;
  auth += 3;
  size_t head = (size_t)(auth - u->text) + strcspn(auth, "/?");
  size_t n = head + strlen(abs_path) + 1;
  char *text = malloc(n);
  if (!text) return COAPX_ERR_NO_MEMORY;
  memcpy(text, u->text, head);
  memcpy(text + head, abs_path, n - head);
  coapx_err e = coapx_uri_parse(text, out, NULL);
  free(text);
  return e;
}

void coapx_uri_free(coapx_uri *u) {
  if (!u) return;
  free(u->buf);
  free(u->path);
  memset(u, 0, sizeof *u);
}

static coapx_err add(oscore_msg *m, uint16_t number, oscore_bytes v) {
  return oscore_msg_add_opt(m, number, v) == OSCORE_OK
             ? COAPX_OK
             : COAPX_ERR_TOO_MANY_OPTIONS;
}

static coapx_err add_segments(const coapx_uri *u, oscore_msg *m) {
  coapx_err e = COAPX_OK;
  for (size_t i = 0; i < u->n_path && !e; i++)
    e = add(m, OSCORE_OPT_URI_PATH, u->path[i]);
  for (size_t i = 0; i < u->n_query && !e; i++)
    e = add(m, OSCORE_OPT_URI_QUERY, u->query[i]);
  return e;
}

coapx_err coapx_uri_add_options(const coapx_uri *u, coapx_target_mode mode,
                                bool set_uri_host, oscore_msg *m) {
  if (!u || !m || !u->text) return COAPX_ERR_INVALID_ARG;
  coapx_err e;
  if (mode == COAPX_TARGET_DIRECT) {
    if (!u->is_sendable) return COAPX_ERR_INVALID_ARG;
    /* §6.4 step 5: Uri-Host only for a registered name; the destination
     * port is the URI's, so Uri-Port is never needed (step 6). */
    if (set_uri_host && !u->host_is_literal) {
      e = add(m, OSCORE_OPT_URI_HOST, OSCORE_BYTES(u->host, strlen(u->host)));
      if (e) return e;
    }
    return add_segments(u, m);
  }

  if (!u->is_coap) {
    /* Another scheme (http, coaps, coap+tcp...): only the proxy can
     * reach it, so it gets the URI as a whole (§5.10.2). */
    size_t n = strlen(u->text);
    if (n > MAX_PROXY_URI) return COAPX_ERR_INVALID_ARG;
    return add(m, OSCORE_OPT_PROXY_URI, OSCORE_BYTES(u->text, n));
  }
  /* A coap URI through a proxy: the proxy rebuilds the URI from
   * Proxy-Scheme, Uri-Host, Uri-Port and the path (§6.5), so the host is
   * sent even when it is a literal. An IPv6 literal keeps its brackets so
   * that the rebuilt URI is valid. */
  e = add(m, OSCORE_OPT_PROXY_SCHEME,
          OSCORE_BYTES(u->scheme, strlen(u->scheme)));
  if (e) return e;
  if (u->host_is_ipv6) {
    /* The brackets are in the original text: "[" + host literal + "]". */
    const char *open = strchr(u->text, '[');
    const char *close = open ? strchr(open, ']') : NULL;
    if (!close) return COAPX_ERR_INVALID_ARG;
    e = add(m, OSCORE_OPT_URI_HOST,
            OSCORE_BYTES(open, (size_t)(close - open) + 1));
  } else {
    e = add(m, OSCORE_OPT_URI_HOST, OSCORE_BYTES(u->host, strlen(u->host)));
  }
  if (e) return e;
  if (u->has_port) {
    e = add(m, OSCORE_OPT_URI_PORT, OSCORE_BYTES(u->port_opt, u->port_opt_len));
    if (e) return e;
  }
  return add_segments(u, m);
}
