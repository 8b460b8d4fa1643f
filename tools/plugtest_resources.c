#include "plugtest_resources.h"
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CODE_GET    OSCORE_CODE(0, OSCORE_CODE_GET)
#define CODE_POST   OSCORE_CODE(0, OSCORE_CODE_POST)
#define CODE_PUT    OSCORE_CODE(0, OSCORE_CODE_PUT)
#define CODE_DELETE OSCORE_CODE(0, OSCORE_CODE_DELETE)

#define CT_TEXT 0
#define CT_LINK_FORMAT 40

static const char hello[] = "Hello World!";

typedef enum {
  R_UNKNOWN, R_WKC, R_HELLO_COAP, R_HELLO_1, R_HELLO_2, R_HELLO_3, R_HELLO_6,
  R_HELLO_7, R_OBSERVE_1, R_OBSERVE_2, R_TEST,
} resource_id;

static const struct {
  const char *path;
  resource_id id;
  uint8_t method;
  bool needs_oscore;
  const char *link_attrs;
} resources[] = {
  {".well-known/core", R_WKC, CODE_GET, false, NULL},
  {"oscore/hello/coap", R_HELLO_COAP, CODE_GET, false, ";ct=0"},
  {"oscore/hello/1", R_HELLO_1, CODE_GET, true, ";ct=0"},
  {"oscore/hello/2", R_HELLO_2, CODE_GET, true, ";ct=0"},
  {"oscore/hello/3", R_HELLO_3, CODE_GET, true, ";ct=0"},
  {"oscore/hello/6", R_HELLO_6, CODE_POST, true, ";ct=0"},
  {"oscore/hello/7", R_HELLO_7, CODE_PUT, true, ";ct=0"},
  {"oscore/observe1", R_OBSERVE_1, CODE_GET, true, ";obs;ct=0"},
  {"oscore/observe2", R_OBSERVE_2, CODE_GET, true, ";obs;ct=0"},
  {"oscore/test", R_TEST, CODE_DELETE, true, ""},
};
#define N_RESOURCES (sizeof resources / sizeof resources[0])

/* The Uri-Path options joined with '/'; false when a segment holds a '/'
 * or NUL or the path does not fit (no resource of ours looks like that). */
static bool join_path(const oscore_msg *m, char *out, size_t cap) {
  size_t k = 0;
  bool first = true;
  out[0] = '\0';
  for (size_t i = 0; i < m->n_opts; i++) {
    if (m->opts[i].number != OSCORE_OPT_URI_PATH) continue;
    oscore_bytes v = m->opts[i].value;
    if (memchr(v.ptr, '/', v.len) || memchr(v.ptr, '\0', v.len)) return false;
    if (k + !first + v.len + 1 > cap) return false;
    if (!first) out[k++] = '/';
    memcpy(out + k, v.ptr, v.len);
    k += v.len;
    out[k] = '\0';
    first = false;
  }
  return true;
}

static resource_id find_resource(const oscore_msg *m, size_t *index) {
  char path[128];
  if (!join_path(m, path, sizeof path)) return R_UNKNOWN;
  for (size_t i = 0; i < N_RESOURCES; i++) {
    if (strcmp(path, resources[i].path) == 0) {
      *index = i;
      return resources[i].id;
    }
  }
  return R_UNKNOWN;
}

static bool has_opt_value(const oscore_msg *m, uint16_t number,
                          const char *value, size_t len) {
  for (size_t i = 0; i < m->n_opts; i++)
    if (m->opts[i].number == number && m->opts[i].value.len == len &&
        memcmp(m->opts[i].value.ptr, value, len) == 0)
      return true;
  return false;
}

/* A uint option's value; false when absent or not a valid uint. */
static bool uint_opt(const oscore_msg *m, uint16_t number, uint32_t *v) {
  const oscore_opt *o = oscore_msg_find_opt(m, number);
  return o && oscore_opt_uint(o->value, v) == OSCORE_OK;
}

static void text_answer(coapx_response *resp, uint8_t code, const char *text) {
  resp->msg.code = code;
  coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, CT_TEXT);
  coapx_response_set_payload(resp, text, strlen(text));
}

static void well_known_core(coapx_response *resp) {
  char buf[512];
  size_t k = 0;
  for (size_t i = 0; i < N_RESOURCES; i++) {
    if (!resources[i].link_attrs) continue;
    int n = snprintf(buf + k, sizeof buf - k, "%s</%s>%s", k ? "," : "",
                     resources[i].path, resources[i].link_attrs);
    if (n < 0 || (size_t)n >= sizeof buf - k) break;
    k += (size_t)n;
  }
  resp->msg.code = OSCORE_CODE(2, 5);
  coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, CT_LINK_FORMAT);
  coapx_response_set_payload(resp, buf, k);
}

static const char *observe_text(plugtest_obs_payload p) {
  return p == PLUGTEST_SEND_TWO ? "two" : "one";
}

/* A notification of an accepted observation (test-spec5 6b/7b steps 9
 * and 11): "two", then for observe1 the final 5.00. */
static void notification(const plugtest_resources *pr,
                         const coapx_request *req, coapx_response *resp) {
  plugtest_obs_payload p =
      plugtest_observe_next(pr->observers, req->observation, pr->now_ms());
  if (p == PLUGTEST_SEND_TERMINATE) {
    /* A non-2.xx ends the observation after it is sent (RFC 7641 §3.2). */
    coapx_response_error(resp, OSCORE_CODE(5, 0), "Terminate Observe");
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, CT_TEXT);
    return;
  }
  text_answer(resp, OSCORE_CODE(2, 5), observe_text(p));
}

static void observable(const plugtest_resources *pr, const coapx_request *req,
                       coapx_response *resp, plugtest_obs_resource which) {
  if (req->observation &&
      plugtest_observe_start(pr->observers, req->observation, which,
                             req->peer, pr->now_ms())) {
    resp->observe = true;
    text_answer(resp, OSCORE_CODE(2, 5), "one");
    return;
  }
  /* A plain GET, or a cancellation (Observe 1): the value this client saw
   * last, "two" after both notifications (test-spec5 7b step 17). */
  text_answer(resp, OSCORE_CODE(2, 5),
              observe_text(plugtest_observe_seen(pr->observers, req->peer,
                                                 which)));
}

static void put_hello7(const oscore_msg *m, coapx_response *resp) {
  /* The resource exists and has ETag 0x7b (test-spec5 9b/10b). */
  if (oscore_msg_find_opt(m, OSCORE_OPT_IF_NONE_MATCH) ||
      (oscore_msg_find_opt(m, OSCORE_OPT_IF_MATCH) &&
       !has_opt_value(m, OSCORE_OPT_IF_MATCH, "\x7b", 1))) {
    coapx_response_error(resp, OSCORE_CODE(4, 12), NULL);
    return;
  }
  /* 9b step 7: a bare 2.04, no options, no payload. */
  resp->msg.code = OSCORE_CODE(2, 4);
}

void plugtest_handle(const coapx_request *req, coapx_response *resp,
                     void *arg) {
  const plugtest_resources *pr = arg;
  const oscore_msg *m = req->msg;
  if (req->is_notification) {
    notification(pr, req, resp);
    return;
  }
  size_t idx = 0;
  resource_id id = find_resource(m, &idx);
  if (id == R_UNKNOWN) {
    coapx_response_error(resp, OSCORE_CODE(4, 4), NULL);
    return;
  }
  /* Protection first: whoever lacks OSCORE learns nothing else about a
   * protected resource (test-spec5 17b). */
  if (resources[idx].needs_oscore && !req->is_protected) {
    coapx_response_error(resp, OSCORE_CODE(4, 1), NULL);
    return;
  }
  if (m->code != resources[idx].method) {
    coapx_response_error(resp, OSCORE_CODE(4, 5), NULL);
    return;
  }
  uint32_t v;
  switch (id) {
  case R_WKC:
    well_known_core(resp);
    return;
  case R_HELLO_COAP:
  case R_HELLO_1:
    text_answer(resp, OSCORE_CODE(2, 5), hello);
    return;
  case R_HELLO_2:
    if (!has_opt_value(m, OSCORE_OPT_URI_QUERY, "first=1", 7)) {
      coapx_response_error(resp, OSCORE_CODE(4, 0),
                           "Bad Request: Uri-Query first=1 expected");
      return;
    }
    resp->msg.code = OSCORE_CODE(2, 5);
    coapx_response_add_opt(resp, OSCORE_OPT_ETAG, "\x2b", 1);
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, CT_TEXT);
    coapx_response_set_payload(resp, hello, strlen(hello));
    return;
  case R_HELLO_3:
    if (!uint_opt(m, OSCORE_OPT_ACCEPT, &v) || v != CT_TEXT) {
      coapx_response_error(resp, OSCORE_CODE(4, 6),
                           "Not Acceptable: Accept 0 expected");
      return;
    }
    text_answer(resp, OSCORE_CODE(2, 5), hello);
    coapx_response_add_uint(resp, OSCORE_OPT_MAX_AGE, 5);
    return;
  case R_HELLO_6:
  case R_HELLO_7:
    if (!uint_opt(m, OSCORE_OPT_CONTENT_FORMAT, &v) || v != CT_TEXT) {
      coapx_response_error(resp, OSCORE_CODE(4, 15),
                           "Unsupported Content-Format: 0 expected");
      return;
    }
    if (id == R_HELLO_7) {
      put_hello7(m, resp);
      return;
    }
    /* 8b: "returns the value of the resource", which the POST set. */
    resp->msg.code = OSCORE_CODE(2, 4);
    coapx_response_add_uint(resp, OSCORE_OPT_CONTENT_FORMAT, CT_TEXT);
    coapx_response_set_payload(resp, m->payload.ptr, m->payload.len);
    return;
  case R_OBSERVE_1:
  case R_OBSERVE_2:
    observable(pr, req, resp,
               id == R_OBSERVE_1 ? PLUGTEST_OBSERVE1 : PLUGTEST_OBSERVE2);
    return;
  case R_TEST:
    resp->msg.code = OSCORE_CODE(2, 2);
    return;
  case R_UNKNOWN:
    break;
  }
  coapx_response_error(resp, OSCORE_CODE(4, 4), NULL);
}
