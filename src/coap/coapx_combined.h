/* Private to the client engine and its EDHOC initiator: the RFC 9668
 * combined request (coapx_client_req.edhoc_message_3) needs EDHOC's
 * encoding, which the engine reaches only through these operations so
 * that a program that never runs EDHOC (oscore-client) links none of it.
 * coapx_edhoc_initiate (coapx_edhoc_client.c) installs them on the
 * client it runs on. */
#ifndef COAPX_COMBINED_H
#define COAPX_COMBINED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coapx_client.h"

typedef struct {
  uint16_t option;   /* the EDHOC option (RFC 9668 §3.1: 21) */
  /* message_3 as a CBOR byte string in front of the OSCORE payload (RFC
   * 9668 §3.2) into |out|; false when |cap| is too small. */
  bool (*combine)(oscore_bytes message_3, oscore_bytes oscore_payload,
                  uint8_t *out, size_t cap, size_t *len);
  /* coapx_edhoc_describe_error: an EDHOC error message in |body|. */
  bool (*describe_error)(oscore_bytes body, char *out, size_t cap);
} coapx_combined_ops;

/* For every later request on |c| (|ops| static storage). */
void coapx_client_set_combined(coapx_client *c, const coapx_combined_ops *ops);

#endif
