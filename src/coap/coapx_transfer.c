/* A whole request: Block1 upload of the body (RFC 7959 §2.5, Request-Tag
 * per RFC 9175 §3.4), then the response, Block2 by Block2 (§2.4) with ETag
 * consistency, into the caller's sink; then, when observing, the
 * notifications (coapx_observe.c). */
#include "coapx_client_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oscore_secret.h"
#include "store.h"

static bool is_success(uint8_t code) { return (code >> 5) == 2; }

static const oscore_opt *find(const oscore_msg *m, uint16_t n) {
  return oscore_msg_find_opt(m, n);
}

/* The options the engine owns may not come from the caller. */
static bool template_ok(const oscore_msg *m) {
  static const uint16_t own[] = { OSCORE_OPT_BLOCK1, OSCORE_OPT_BLOCK2,
                                  OSCORE_OPT_SIZE1, OSCORE_OPT_SIZE2,
                                  OSCORE_OPT_OBSERVE, OSCORE_OPT_ECHO,
                                  OSCORE_OPT_REQUEST_TAG, OSCORE_OPT_OSCORE };
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
    if (find(m, own[i])) return false;
  for (size_t i = 1; i < m->n_opts; i++)
    if (m->opts[i].number < m->opts[i - 1].number) return false;
  return true;
}

static oscore_opt opt(uint16_t n, const void *v, size_t len) {
  return (oscore_opt){ n, OSCORE_BYTES(v, len) };
}

static coapx_err sink_begin(coapx_xfer *x, const coapx_response_head *h) {
  if (!x->sink || !x->sink->begin) return COAPX_OK;
  return x->sink->begin(x->sink->arg, h) ? COAPX_ERR_SINK : COAPX_OK;
}
coapx_err coapx_xfer_sink_data(coapx_xfer *x, uint64_t off) {
  oscore_bytes p = x->resp.payload;
  x->res->body_len = off + p.len;
  if (!x->sink || !x->sink->data || p.len == 0) return COAPX_OK;
  return x->sink->data(x->sink->arg, p.ptr, p.len, off) ? COAPX_ERR_SINK
                                                          : COAPX_OK;
}
static coapx_err sink_end(coapx_xfer *x) {
  if (!x->sink || !x->sink->end) return COAPX_OK;
  return x->sink->end(x->sink->arg) ? COAPX_ERR_SINK : COAPX_OK;
}

/* Payload of follow-up Block2 requests: none, as aiocoap does, except for
 * FETCH whose payload is the query itself (RFC 8132 §2.3.2) when it fit
 * into one request. */
static oscore_bytes followup_payload(const coapx_xfer *x) {
  const oscore_msg *t = x->req->msg;
  if (t->code == OSCORE_CODE_FETCH && !x->use_reqtag) return t->payload;
  return OSCORE_BYTES(NULL, 0);
}

/* The sink's view of response x->resp (first block): code, Observe,
 * Size2; also the result's code. */
static coapx_response_head response_head(coapx_xfer *x, bool is_notification) {
  const oscore_msg *r = &x->resp;
  coapx_response_head h = { .code = r->code, .msg = r,
                            .is_protected = x->osc != NULL,
                            .is_notification = is_notification };
  h.observing = x->req->observe && is_success(r->code) &&
                find(r, OSCORE_OPT_OBSERVE) != NULL;
  const oscore_opt *sz = find(r, OSCORE_OPT_SIZE2);
  uint32_t size2;
  if (sz && oscore_opt_uint(sz->value, &size2) == OSCORE_OK) {
    h.has_size = true;
    h.size = size2;
  }
  x->res->code = r->code;
  x->res->is_protected = x->osc != NULL;
  return h;
}

/* A Block option of a response; BERT read as 1024 over TCP. */
static coapx_err decode_block(const coapx_xfer *x, oscore_bytes v,
                              coapx_block *b) {
  return coapx_block_decode_bert(v, coapx_transport_reliable(x->c->transport),
                                 b);
}

/* The first response's Block2 (none: a whole body in one): block 0, and a
 * full block when more follow. */
static coapx_err first_block(coapx_xfer *x, coapx_block *b) {
  const oscore_msg *r = &x->resp;
  const oscore_opt *b2o = find(r, OSCORE_OPT_BLOCK2);
  *b = (coapx_block){ 0, false, 0 };
  if (!b2o) return COAPX_OK;
  if (decode_block(x, b2o->value, b)) {
    coapx_xfer_detail(x, "malformed Block2 option in the response");
    return COAPX_ERR_PROTOCOL;
  }
  if (b->num != 0) {
    coapx_xfer_detail(x, "the first response carries block %u, not 0",
                      (unsigned)b->num);
    return COAPX_ERR_PROTOCOL;
  }
  if (b->more && r->payload.len != coapx_block_size(b->szx)) {
    coapx_xfer_detail(x, "block 0 has %zu bytes, Block2 says %zu",
                      r->payload.len, coapx_block_size(b->szx));
    return COAPX_ERR_PROTOCOL;
  }
  return COAPX_OK;
}

static coapx_err remember_first(coapx_xfer *x, coapx_block2_ref *ref) {
  const oscore_opt *et = find(&x->resp, OSCORE_OPT_ETAG);
  memset(ref, 0, sizeof *ref);
  ref->code = x->resp.code;
  if (!et) return COAPX_OK;
  if (et->value.len > sizeof ref->etag) {
    coapx_xfer_detail(x, "ETag longer than 8 bytes");
    return COAPX_ERR_PROTOCOL;
  }
  memcpy(ref->etag, et->value.ptr, et->value.len);
  ref->etag_len = et->value.len;
  ref->has_etag = true;
  return COAPX_OK;
}

/* Ask for the block at |offset| with size exponent |szx|. */
static coapx_err request_block(coapx_xfer *x, uint64_t offset, unsigned szx) {
  size_t bs = coapx_block_size(szx);
  coapx_block want = { (uint32_t)(offset / bs), false, szx };
  if (offset % bs || !coapx_block_valid(&want)) {
    coapx_xfer_detail(x, "body too large for block-wise transfer");
    return COAPX_ERR_PROTOCOL;
  }
  size_t bl = coapx_block_encode(&want, x->block_val);
  oscore_opt extra[2];
  size_t n_extra = 0;
  extra[n_extra++] = opt(OSCORE_OPT_BLOCK2, x->block_val, bl);
  if (x->use_reqtag)
    extra[n_extra++] = opt(OSCORE_OPT_REQUEST_TAG, x->reqtag, sizeof x->reqtag);
  coapx_err e = coapx_xfer_build(x, extra, n_extra, followup_payload(x));
  return e ? e : coapx_xfer_exchange(x, true, false);
}

coapx_err coapx_xfer_check_block(coapx_xfer *x, const coapx_block2_ref *ref,
                                 uint64_t offset, unsigned szx,
                                 coapx_block *got) {
  const oscore_msg *r = &x->resp;
  if (!is_success(r->code)) {
    x->res->code = r->code;
    coapx_xfer_detail(x, "transfer aborted by the server at byte %llu: "
                      "%u.%02u", (unsigned long long)offset, r->code >> 5,
                      r->code & 31);
    return COAPX_ERR_PROTOCOL;
  }
  if (r->code != ref->code) {
    coapx_xfer_detail(x, "block at byte %llu came with %u.%02u, the first "
                      "with %u.%02u", (unsigned long long)offset,
                      r->code >> 5, r->code & 31, ref->code >> 5,
                      ref->code & 31);
    return COAPX_ERR_PROTOCOL;
  }
  const oscore_opt *b2o = find(r, OSCORE_OPT_BLOCK2);
  if (!b2o || decode_block(x, b2o->value, got)) {
    coapx_xfer_detail(x, "the server stopped answering block-wise at "
                      "byte %llu", (unsigned long long)offset);
    return COAPX_ERR_PROTOCOL;
  }
  /* The server may shrink the block (never grow it), which renumbers. */
  if (got->szx > szx ||
      (uint64_t)got->num * coapx_block_size(got->szx) != offset) {
    coapx_xfer_detail(x, "asked for byte %llu, got block %u of size %zu",
                      (unsigned long long)offset, (unsigned)got->num,
                      coapx_block_size(got->szx));
    return COAPX_ERR_PROTOCOL;
  }
  const oscore_opt *et = find(r, OSCORE_OPT_ETAG);
  if ((et != NULL) != ref->has_etag ||
      (et && (et->value.len != ref->etag_len ||
              memcmp(et->value.ptr, ref->etag, ref->etag_len) != 0))) {
    coapx_xfer_detail(x, "ETag changed at byte %llu: the resource changed "
                      "during the transfer", (unsigned long long)offset);
    return COAPX_ERR_ETAG_CHANGED;
  }
  size_t gs = coapx_block_size(got->szx);
  if ((got->more && r->payload.len != gs) || r->payload.len > gs) {
    coapx_xfer_detail(x, "block %u has %zu bytes, Block2 says %zu",
                      (unsigned)got->num, r->payload.len, gs);
    return COAPX_ERR_PROTOCOL;
  }
  return COAPX_OK;
}

coapx_err coapx_xfer_deliver(coapx_xfer *x, bool is_notification) {
  coapx_response_head h = response_head(x, is_notification);
  coapx_block b;
  coapx_block2_ref ref;
  coapx_err e = first_block(x, &b);
  if (!e) e = sink_begin(x, &h);
  if (!e) e = remember_first(x, &ref);
  if (!e) e = coapx_xfer_sink_data(x, 0);
  if (e) return e;
  uint64_t offset = x->resp.payload.len;
  unsigned szx = b.szx < x->max_szx ? b.szx : x->max_szx;
  bool more = b.more;
  /* Several blocks in flight need to know where the body ends: never ask
   * beyond it (Size2 of block 0). Not over TCP or TLS: libcoap 4.3.1
   * loses its place in the stream when a message's header straddles two
   * of its 1472-byte reads, which queued answers make likely, and then
   * closes the connection (fixed in 4.3.5, obgm/libcoap#1542; seen as
   * test_fs_transports' window failing after 24 blocks). */
  if (more && x->req->window > 1 && h.has_size &&
      !coapx_transport_reliable(x->c->transport)) {
    e = coapx_xfer_window(x, &ref, h.size, &offset, &szx, &more);
    if (e) return e;
  }
  while (more) {
    if (x->req->stop && *x->req->stop) return COAPX_ERR_CANCELLED;
    coapx_block got;
    e = request_block(x, offset, szx);
    if (!e) e = coapx_xfer_check_block(x, &ref, offset, szx, &got);
    if (!e) e = coapx_xfer_sink_data(x, offset);
    if (e) return e;
    offset += x->resp.payload.len;
    szx = got.szx;
    more = got.more;
  }
  return sink_end(x);
}

/* Send the body in Block1 blocks; on return x->resp is the answer to the
 * last block sent (the final response, or an error that ended it). */
static coapx_err upload(coapx_xfer *x, unsigned szx) {
  const oscore_msg *t = x->req->msg;
  oscore_bytes body = t->payload;
  /* RFC 9175 §3.4: a fresh tag per block-wise body, so that blocks of an
   * operation that was never concluded (a killed earlier run with the same
   * context) cannot be mixed into this one. */
  if (oscore_random(x->reqtag, sizeof x->reqtag) != OSCORE_OK)
    return COAPX_ERR_LIBCOAP;
  x->use_reqtag = true;

  uint64_t offset = 0;
  for (;;) {
    if (x->req->stop && *x->req->stop) return COAPX_ERR_CANCELLED;
    size_t bs = coapx_block_size(szx);
    bool more = offset + bs < body.len;
    size_t n = more ? bs : (size_t)(body.len - offset);
    coapx_block blk = { (uint32_t)(offset / bs), more, szx };
    if (!coapx_block_valid(&blk)) {
      coapx_xfer_detail(x, "payload too large for block-wise transfer "
                        "(at most 2^20 blocks)");
      return COAPX_ERR_INVALID_ARG;
    }
    oscore_opt extra[4];
    size_t n_extra = 0;
    size_t bl = coapx_block_encode(&blk, x->block_val);
    extra[n_extra++] = opt(OSCORE_OPT_BLOCK1, x->block_val, bl);
    extra[n_extra++] = opt(OSCORE_OPT_REQUEST_TAG, x->reqtag, sizeof x->reqtag);
    if (offset == 0 && body.len <= UINT32_MAX) {
      size_t sl = oscore_opt_uint_encode((uint32_t)body.len, x->size_val);
      extra[n_extra++] = opt(OSCORE_OPT_SIZE1, x->size_val, sl);
    }
    /* Observe goes with the block that completes the request. */
    if (!more && x->req->observe)
      extra[n_extra++] = opt(OSCORE_OPT_OBSERVE, x->obs_val, 0);
    coapx_err e = coapx_xfer_build(x, extra, n_extra,
                                   OSCORE_BYTES(body.ptr + offset, n));
    if (e) return e;
    e = coapx_xfer_exchange(x, offset > 0, !more && x->req->observe);
    if (e == COAPX_ERR_PDU_FULL && szx > 0 && offset == 0) {
      /* Options and block together exceed the PDU: smaller blocks. */
      szx--;
      continue;
    }
    if (e) return e;

    const oscore_msg *r = &x->resp;
    const oscore_opt *b1o = find(r, OSCORE_OPT_BLOCK1);
    if (!b1o) {
      /* No Block1 in the answer: an error ends the upload; a success
       * before the end means the server took what it needed (RFC 7959
       * §2.3 allows it to act on the first block). */
      return COAPX_OK;
    }
    coapx_block got;
    if (decode_block(x, b1o->value, &got) || got.num != blk.num) {
      coapx_xfer_detail(x, "the server acknowledged another block than %u",
                        (unsigned)blk.num);
      return COAPX_ERR_PROTOCOL;
    }
    if (!more) {
      if (got.more || r->code == OSCORE_CODE(2, 31)) {
        coapx_xfer_detail(x, "the server asked for more data after the last "
                          "block");
        return COAPX_ERR_PROTOCOL;
      }
      return COAPX_OK;
    }
    if (!is_success(r->code)) return COAPX_OK;
    offset += n;
    /* §2.5: the server may ask for smaller blocks; offsets stay aligned
     * because block sizes are powers of two. */
    if (got.szx < szx) szx = got.szx;
  }
}

static void xfer_free(coapx_xfer *x) {
  free(x->req_opts);
  free(x->pbuf);
  free(x->cbuf);
  if (x->ubuf) {
    /* Plaintext of responses: not a key, but no reason to leave it. */
    memset(x->ubuf, 0, x->ucap);
    free(x->ubuf);
  }
  coapx_rx_free(&x->cur);
  free(x);
}

coapx_err coapx_client_request(coapx_client *c, const coapx_client_req *req,
                               const coapx_sink *sink,
                               coapx_client_result *res) {
  if (!c || !req || !req->msg || !res) return COAPX_ERR_INVALID_ARG;
  memset(res, 0, sizeof *res);
  if (!template_ok(req->msg)) {
    snprintf(res->detail, sizeof res->detail, "the request template carries "
             "options the engine sets itself, or is not sorted");
    return COAPX_ERR_INVALID_ARG;
  }
  if (req->block_szx > COAPX_BLOCK_MAX_SZX) return COAPX_ERR_INVALID_ARG;
  if (req->edhoc_message_3.len && (!c->combined || !req->security)) {
    snprintf(res->detail, sizeof res->detail, "a combined EDHOC + OSCORE "
             "request needs the OSCORE context of coapx_edhoc_initiate() "
             "on this client");
    return COAPX_ERR_INVALID_ARG;
  }

  coapx_xfer *x = calloc(1, sizeof *x);
  if (!x) return COAPX_ERR_NO_MEMORY;
  x->c = c;
  x->req = req;
  x->sink = sink;
  x->res = res;
  x->max_szx = req->block_szx < 0 ? COAPX_BLOCK_MAX_SZX
                                  : (unsigned)req->block_szx;
  x->osc = req->security ? store_context_oscore(req->security) : NULL;
  /* A draft-08 context answers in option 21 (DRAFT08.md), which libcoap
   * drops as an unknown critical option unless told. */
  if (x->osc)
    coap_register_option(c->ctx, oscore_profile_option(&x->osc->profile));
  x->req_cap = req->msg->n_opts + COAPX_XFER_EXTRA_OPTS;
  x->req_opts = calloc(x->req_cap, sizeof *x->req_opts);
  coapx_err e = x->req_opts ? COAPX_OK : COAPX_ERR_NO_MEMORY;
  c->observing = false;
  c->rx_err = COAPX_OK;

  const oscore_msg *t = req->msg;
  if (!e && t->payload.len > coapx_block_size(x->max_szx)) {
    e = upload(x, x->max_szx);
  } else if (!e) {
    oscore_opt extra[2];
    size_t n_extra = 0;
    if (req->observe) extra[n_extra++] = opt(OSCORE_OPT_OBSERVE, x->obs_val, 0);
    if (x->max_szx < COAPX_BLOCK_MAX_SZX) {
      /* A smaller block size than the server's default: ask for it in the
       * first request already (RFC 7959 §2.4, early negotiation). */
      coapx_block b0 = { 0, false, x->max_szx };
      size_t bl = coapx_block_encode(&b0, x->block_val);
      extra[n_extra++] = opt(OSCORE_OPT_BLOCK2, x->block_val, bl);
    }
    e = coapx_xfer_build(x, extra, n_extra, t->payload);
    if (!e) e = coapx_xfer_exchange(x, false, req->observe);
    if (e == COAPX_ERR_PDU_FULL && t->payload.len > 16) {
      /* The options leave too little room for the body in one PDU. */
      unsigned szx = x->max_szx;
      while (szx > 0 && coapx_block_size(szx) >= t->payload.len) szx--;
      e = upload(x, szx);
    }
  }
  /* Whether the observation stands is said by the first block; the
   * delivery fetches further blocks, which carry no Observe. */
  if (!e && req->observe && is_success(x->resp.code) &&
      find(&x->resp, OSCORE_OPT_OBSERVE))
    res->observed = true;
  if (!e) e = coapx_xfer_deliver(x, false);
  if (!e && res->observed) e = coapx_xfer_observe(x);
  if (e == COAPX_ERR_CANCELLED && req->observe && res->observed) {
    res->stopped = true;
    e = COAPX_OK;
  }
  c->observing = false;
  c->note.full = false;
  xfer_free(x);
  return e;
}
