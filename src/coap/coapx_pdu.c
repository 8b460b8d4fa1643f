#include "coapx_pdu.h"

coapx_err coapx_pdu_read(const coap_pdu_t *pdu, oscore_msg *m) {
  if (!pdu || !m || (m->cap_opts && !m->opts)) return COAPX_ERR_INVALID_ARG;
  m->code = (uint8_t)coap_pdu_get_code(pdu);
  m->n_opts = 0;
  m->payload = OSCORE_BYTES(NULL, 0);

  coap_opt_iterator_t it;
  /* NULL filter (COAP_OPT_ALL) yields every option: despite the header's
   * remark on "fence-post" options, 14 (Max-Age) and 28 (Size2) do come
   * through in 4.3.1 (checked in tests/coap/test_coapx_pdu.c). The iterator
   * cannot report a malformed option apart from the end of the list; PDUs
   * reach us through coap_pdu_parse(), which already refused those. */
  if (coap_option_iterator_init(pdu, &it, COAP_OPT_ALL)) {
    coap_opt_t *opt;
    while ((opt = coap_option_next(&it)) != NULL) {
      if (m->n_opts >= m->cap_opts) return COAPX_ERR_TOO_MANY_OPTIONS;
      /* The wire order is ascending, so appending keeps |m| sorted without
       * the insertion search of oscore_msg_add_opt(). */
      m->opts[m->n_opts].number = it.number;
      m->opts[m->n_opts].value =
          OSCORE_BYTES(coap_opt_value(opt), coap_opt_length(opt));
      m->n_opts++;
    }
  }

  size_t len = 0;
  const uint8_t *data = NULL;
  if (coap_get_data(pdu, &len, &data) && len > 0)
    m->payload = OSCORE_BYTES(data, len);
  return COAPX_OK;
}

coapx_err coapx_pdu_write(coap_pdu_t *pdu, const oscore_msg *m) {
  if (!pdu || !m || (m->n_opts && !m->opts)) return COAPX_ERR_INVALID_ARG;
  coap_pdu_set_code(pdu, (coap_pdu_code_t)m->code);
  uint16_t last = 0;
  for (size_t i = 0; i < m->n_opts; i++) {
    const oscore_opt *o = &m->opts[i];
    /* coap_add_option() would silently re-sort an out-of-order option;
     * refuse instead so that a caller's bug is seen, not hidden. */
    if (o->number < last) return COAPX_ERR_INVALID_ARG;
    last = o->number;
    if (o->value.len && !o->value.ptr) return COAPX_ERR_INVALID_ARG;
    /* An empty value is legitimate (If-None-Match, an empty OSCORE option). */
    static const uint8_t none[1] = { 0 };
    const uint8_t *v = o->value.len ? o->value.ptr : none;
    if (coap_add_option(pdu, o->number, o->value.len, v) == 0)
      return COAPX_ERR_PDU_FULL;
  }
  if (m->payload.len) {
    if (!m->payload.ptr) return COAPX_ERR_INVALID_ARG;
    if (!coap_add_data(pdu, m->payload.len, m->payload.ptr))
      return COAPX_ERR_PDU_FULL;
  }
  return COAPX_OK;
}

static size_t ext_len(size_t v) { return v < 13 ? 0 : v < 269 ? 1 : 2; }

size_t coapx_pdu_wire_size(const oscore_msg *m) {
  if (!m) return 0;
  size_t n = 0;
  uint16_t last = 0;
  for (size_t i = 0; i < m->n_opts; i++) {
    size_t len = m->opts[i].value.len;
    n += 1 + ext_len((size_t)(m->opts[i].number - last)) + ext_len(len) + len;
    last = m->opts[i].number;
  }
  if (m->payload.len) n += 1 + m->payload.len;
  return n;
}
