#include "client_trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "client_names.h"
#include "oscore_context.h"
#include "oscore_option.h"

static const char *const types[] = { "CON", "NON", "ACK", "RST" };

static void hex(const uint8_t *p, size_t n, size_t max) {
  fputs("h'", stderr);
  for (size_t i = 0; i < n && i < max; i++) fprintf(stderr, "%02x", p[i]);
  fputs(n > max ? "...'" : "'", stderr);
}

static void print_value(const oscore_opt *o) {
  const uint8_t *p = o->value.ptr;
  size_t n = o->value.len;
  uint32_t v;
  switch (client_option_format(o->number)) {
  case CLIENT_OPT_STRING: {
    fputc('"', stderr);
    for (size_t i = 0; i < n; i++) {
      if (p[i] == '"' || p[i] == '\\') fprintf(stderr, "\\%c", p[i]);
      else if (p[i] < 0x20 || p[i] >= 0x7f) fprintf(stderr, "\\x%02x", p[i]);
      else fputc(p[i], stderr);
    }
    fputc('"', stderr);
    return;
  }
  case CLIENT_OPT_UINT:
    if (oscore_opt_uint(o->value, &v) != OSCORE_OK) break;
    fprintf(stderr, "%u", (unsigned)v);
    if (o->number == OSCORE_OPT_CONTENT_FORMAT ||
        o->number == OSCORE_OPT_ACCEPT) {
      const char *name = v <= 0xffff ? client_cformat_name((uint16_t)v) : NULL;
      if (name) fprintf(stderr, " (%s)", name);
    }
    return;
  case CLIENT_OPT_BLOCK:
    if (n > 3) break;
    v = 0;
    for (size_t i = 0; i < n; i++) v = v << 8 | p[i];
    fprintf(stderr, "%u/%u/%u", (unsigned)(v >> 4), (unsigned)(v >> 3 & 1),
            (v & 7) == 7 ? 0 : 16u << (v & 7));
    return;
  case CLIENT_OPT_EMPTY:
    if (n == 0) {
      fputs("(empty)", stderr);
      return;
    }
    break;
  case CLIENT_OPT_OPAQUE:
    break;
  }
  hex(p, n, 64);
}

static void print_options(const oscore_msg *m) {
  for (size_t i = 0; i < m->n_opts; i++) {
    const oscore_opt *o = &m->opts[i];
    const char *name = client_option_name(o->number);
    if (name) fprintf(stderr, "- %s (%u): ", name, o->number);
    else fprintf(stderr, "- %u: ", o->number);
    print_value(o);
    fputc('\n', stderr);
  }
}

static void print_payload(const oscore_msg *m, int verbose) {
  if (m->payload.len == 0) {
    fputs("No payload\n", stderr);
    return;
  }
  fprintf(stderr, "Payload: %zu bytes", m->payload.len);
  if (verbose >= 2) {
    fputs(" ", stderr);
    hex(m->payload.ptr, m->payload.len, 16);
  }
  fputc('\n', stderr);
}

/* The wire view of a protected message: what an observer sees. */
static void print_outer(const oscore_msg *outer, const oscore_profile *prof) {
  char code[48];
  client_code_name(outer->code, code, sizeof code);
  uint16_t number = oscore_profile_option(prof);
  fprintf(stderr, "  on the wire: %s, OSCORE", code);
  if (prof && prof->version != OSCORE_VERSION_RFC8613)
    fprintf(stderr, " %s (option %u)", oscore_profile_name(prof),
            (unsigned)number);
  const oscore_opt *oo = oscore_msg_find_opt(outer, number);
  oscore_option dec;
  if (oo && oscore_option_decode(oo->value, &dec) == OSCORE_OK) {
    if (dec.has_kid) {
      fputs(" kid ", stderr);
      hex(dec.kid.ptr, dec.kid.len, 16);
    }
    if (dec.has_kid_context) {
      fputs(" kid context ", stderr);
      hex(dec.kid_context.ptr, dec.kid_context.len, 32);
    }
    uint64_t seq;
    if (dec.piv.len && oscore_piv_decode(dec.piv, &seq) == OSCORE_OK)
      fprintf(stderr, " partial IV %llu", (unsigned long long)seq);
    else if (!dec.piv.len)
      fputs(" (request's partial IV)", stderr);
  }
  fprintf(stderr, ", %zu bytes ciphertext\n", outer->payload.len);
  for (size_t i = 0; i < outer->n_opts; i++) {
    if (outer->opts[i].number == number) continue;
    const char *name = client_option_name(outer->opts[i].number);
    fprintf(stderr, "  outer %s (%u): ", name ? name : "option",
            outer->opts[i].number);
    print_value(&outer->opts[i]);
    fputc('\n', stderr);
  }
}

void client_trace(const coapx_trace *t, void *arg) {
  const client_trace_ctx *tc = arg;
  if (tc->verbose < 1) return;
  const char *peer = tc->client ? coapx_client_peer(tc->client) : "server";
  char code[48];
  switch (t->kind) {
  case COAPX_TRACE_NOTE:
    client_trace_note(tc, "%s", t->text);
    return;
  case COAPX_TRACE_ECHO_RETRY:
    client_trace_note(tc, "4.01 with Echo (the server's replay window is "
                      "not initialised, RFC 8613 B.1.2): sending again once "
                      "with the Echo value");
    return;
  case COAPX_TRACE_REQUEST:
  case COAPX_TRACE_RESPONSE:
    break;
  }
  /* -v: what the user asked and got; -vv: every block too. */
  if (t->is_block && tc->verbose < 2) return;
  bool req = t->kind == COAPX_TRACE_REQUEST;
  client_code_name(t->msg->code, code, sizeof code);
  fprintf(stderr, "%s%s\n%s %s %s (%s%s)\n",
          tc->color ? "\033[1m" : "",
          req ? "Sending request:" : "Received response:", code,
          req ? "to" : "from", peer,
          t->reliable ? "TCP" : t->type < 4 ? types[t->type] : "?",
          t->outer ? (req ? ", OSCORE-protected" : ", OSCORE-verified") : "");
  if (tc->color) fputs("\033[0m", stderr);
  print_options(t->msg);
  print_payload(t->msg, tc->verbose);
  if (tc->verbose >= 2) {
    if (t->outer) print_outer(t->outer, t->profile);
    if (t->reliable)
      fputs("  token ", stderr);
    else
      fprintf(stderr, "  message ID 0x%04x, token ", t->mid);
    hex(t->token, t->token_len, 8);
    fputc('\n', stderr);
  }
}

void client_trace_note(const client_trace_ctx *tc, const char *fmt, ...) {
  if (tc->verbose < 1) return;
  va_list ap;
  va_start(ap, fmt);
  if (tc->color) fputs("\033[2m", stderr);
  fputs("# ", stderr);
  vfprintf(stderr, fmt, ap);
  if (tc->color) fputs("\033[0m", stderr);
  fputc('\n', stderr);
  va_end(ap);
}
