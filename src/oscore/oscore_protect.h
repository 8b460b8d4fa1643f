/* Protecting and verifying messages (RFC 8613 §5, §8).
 *
 * Messages in and out are oscore_msg: the caller owns the option arrays and
 * gives a scratch buffer |buf| of |cap| bytes that the output's ciphertext,
 * OSCORE option value and decoded inner options point into. Nothing is
 * allocated. Outer/inner placement follows RFC 8613 §4.1 (see
 * oscore_option_class()). */
#ifndef OSCORE_PROTECT_H
#define OSCORE_PROTECT_H

#include <stdbool.h>
#include "oscore_context.h"
#include "oscore_msg.h"
#include "oscore_option.h"

/* Where an option goes when a message is protected. */
typedef enum {
  OSCORE_CLASS_E,    /* inner only (encrypted) */
  OSCORE_CLASS_U,    /* outer only */
  OSCORE_CLASS_EU,   /* both (Observe) */
  OSCORE_CLASS_SPLIT /* Proxy-Uri: scheme+authority outer, rest inner */
} oscore_class;

oscore_class oscore_option_class(uint16_t number);

/* What binds a response to its request: the request's kid and partial IV.
 * Produced by protect_request (client) and unprotect_request (server). */
typedef struct {
  uint8_t kid[OSCORE_MAX_ID_LEN];
  size_t kid_len;
  uint8_t piv[5];
  size_t piv_len;
  uint64_t seq;
  /* false when the request's freshness is not established (B.1.2, or a
   * duplicate): the response must then carry its own partial IV. */
  bool piv_reusable;
  /* Set by the first response that reused the request's nonce; a second
   * such response is refused (OSCORE_ERR_NONCE_USED): two plaintexts under
   * one nonce and key would leak both (§7.1, §12.5). */
  bool nonce_used;
  bool observe;        /* request carried Observe: outer code 2.05 */
} oscore_request_id;

/* Client: protect request |plain| with |ctx|, consuming one sender sequence
 * number (OSCORE_ERR_SEQ_NOT_RESERVED when sender_seq >= seq_limit: the
 * store must persist a reservation first). |outer| gets POST (FETCH with
 * Observe), the class U options, OSCORE and the ciphertext payload. */
oscore_err oscore_protect_request(oscore_ctx *ctx, const oscore_msg *plain,
                                  oscore_msg *outer, uint8_t *buf, size_t cap,
                                  oscore_request_id *rid);

/* Server: protect response |plain| to the request |rid|. With |own_piv| (or
 * when rid->piv_reusable is false, or a draft-08 notification:
 * oscore_response_needs_own_piv) a sender sequence number is consumed and
 * sent as partial IV; otherwise the request's nonce is reused, once: that
 * marks rid->nonce_used, and a later call without |own_piv| is
 * OSCORE_ERR_NONCE_USED (nothing consumed or written). Outer code is
 * 2.05 when the request was an Observe request sent as FETCH (rid->observe),
 * else 2.04: §4.2 answers FETCH with 2.05 and POST with 2.04, as aiocoap;
 * draft-08 answers 2.04 always. */
/* Whether oscore_protect_response() will consume a sender sequence number
 * of ours for |plain| (the caller must then have one reserved): with
 * |own_piv|, when the request's nonce may not be reused, and under
 * draft-08 for every Observe response. */
bool oscore_response_needs_own_piv(const oscore_ctx *ctx,
                                   const oscore_request_id *rid, bool own_piv,
                                   const oscore_msg *plain);

oscore_err oscore_protect_response(oscore_ctx *ctx, oscore_request_id *rid,
                                   bool own_piv, const oscore_msg *plain,
                                   oscore_msg *outer, uint8_t *buf, size_t cap);

/* Server: verify request |outer| with |ctx| (the caller chose |ctx| by the
 * kid and kid context of the decoded OSCORE option |opt|). |plain| gets the
 * inner code, inner options merged with the outer class U options, and the
 * payload. Replay: refused with OSCORE_ERR_REPLAY before decryption, marked
 * seen after. With an uninitialised window the message is decrypted into
 * |plain| and |rid| but OSCORE_ERR_WINDOW_UNINIT is returned: the caller
 * checks Echo and calls oscore_replay_init_from_fresh() itself. */
oscore_err oscore_unprotect_request(oscore_ctx *ctx, const oscore_option *opt,
                                    const oscore_msg *outer, oscore_msg *plain,
                                    uint8_t *buf, size_t cap,
                                    oscore_request_id *rid);

typedef struct {
  bool has_piv;        /* response carried its own partial IV */
  uint64_t seq;        /* that partial IV's value */
} oscore_response_info;

/* Client: verify response |outer| to request |rid|. */
oscore_err oscore_unprotect_response(oscore_ctx *ctx,
                                     const oscore_request_id *rid,
                                     const oscore_msg *outer, oscore_msg *plain,
                                     uint8_t *buf, size_t cap,
                                     oscore_response_info *info);

#endif
