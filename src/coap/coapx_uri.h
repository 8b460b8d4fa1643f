/* Request URIs for the client engine: parsing an absolute URI
 * (RFC 3986 generic syntax, RFC 7252 §6) and turning it into request options
 * (RFC 7252 §6.4 for a direct request, §5.10.2 Proxy-Scheme / Proxy-Uri for
 * a request sent through a forward proxy). */
#ifndef COAPX_URI_H
#define COAPX_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coapx_error.h"
#include "coapx_transport.h"
#include "oscore_msg.h"

#define COAPX_DEFAULT_PORT 5683

/* A parsed URI. Every string and segment points into |buf|, which the parse
 * allocates once (decoding only shrinks, so it is the size of the input);
 * coapx_uri_free() releases it. */
typedef struct {
  char *buf;
  const char *text;       /* the URI exactly as given (for the credentials
                             map and for Proxy-Uri) */
  /* The form credentials maps are matched against, as aiocoap builds it
   * (RFC 3986 §6.2.2 normalisation): scheme and host lower-cased, an empty
   * path written "/", an empty query dropped, e.g. "coap://localhost/". */
  const char *normal;
  const char *scheme;     /* lower-case, e.g. "coap" */
  bool is_coap;           /* scheme is "coap" (UDP) */
  /* The scheme is one the client engine sends directly (coap, coap+tcp:
   * coapx_transport.h), over |transport|. */
  bool is_sendable;
  coapx_transport transport;
  const char *host;       /* percent-decoded, ASCII lower-cased, IPv6
                             literals without brackets (a zone "%25eth0"
                             decoded to "%eth0") */
  bool host_is_literal;   /* IPv4 dotted quad or [IPv6] */
  bool host_is_ipv6;
  uint16_t port;          /* explicit, or 5683 for coap:// and
                             coap+tcp:// (RFC 8323 §8.2) */
  bool has_port;          /* the URI spelled a port */
  oscore_bytes *path;     /* decoded Uri-Path segments ("dir/" ends in an
                             empty segment, as RFC 7252 §6.4 step 8 says) */
  size_t n_path;
  oscore_bytes *query;    /* decoded Uri-Query arguments, split at '&' */
  size_t n_query;
  uint8_t port_opt[4];    /* |port| as a uint option value, for Uri-Port */
  size_t port_opt_len;
} coapx_uri;

/* Parse |text| into |u|. On failure *why (may be NULL) is set to a static
 * English phrase such as "unterminated IPv6 literal" and |u| holds nothing
 * to free. Only the syntax is checked here: a scheme other than coap parses
 * (is_coap false) because a proxy may handle it.
 * Errors: COAPX_ERR_URI, COAPX_ERR_NO_MEMORY. */
coapx_err coapx_uri_parse(const char *text, coapx_uri *u, const char **why);

/* The URI of |abs_path| (starting with '/', e.g. "/.well-known/edhoc") on
 * the origin of |u|: its scheme and authority as spelled, so that the
 * options of |out| name the same host and port. The caller frees |out|.
 * Errors: COAPX_ERR_INVALID_ARG, COAPX_ERR_NO_MEMORY, COAPX_ERR_URI (the
 * path is no valid one). */
coapx_err coapx_uri_on_origin(const coapx_uri *u, const char *abs_path,
                              coapx_uri *out);

/* Release what coapx_uri_parse() allocated; |u| may be zeroed or NULL. */
void coapx_uri_free(coapx_uri *u);

/* How the request names its target. */
typedef enum {
  COAPX_TARGET_DIRECT,   /* Uri-Host (names only), Uri-Path, Uri-Query */
  COAPX_TARGET_PROXY,    /* to a forward proxy: Proxy-Scheme, Uri-Host,
                            Uri-Port when spelled, Uri-Path, Uri-Query;
                            Proxy-Uri (the whole URI) for non-coap schemes */
} coapx_target_mode;

/* Add the options that name |u| to |m| (kept sorted). Values point into |u|,
 * which must outlive |m|. |set_uri_host| false suppresses Uri-Host in direct
 * mode (aiocoap's --no-set-hostname); a proxy always needs it.
 * Errors: COAPX_ERR_TOO_MANY_OPTIONS, COAPX_ERR_INVALID_ARG (a URI of a
 * scheme we do not send, in direct mode, or an option value longer than CoAP allows). */
coapx_err coapx_uri_add_options(const coapx_uri *u, coapx_target_mode mode,
                                bool set_uri_host, oscore_msg *m);

#endif
