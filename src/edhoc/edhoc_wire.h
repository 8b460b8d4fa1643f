/* Byte-string identifiers on the wire (connection identifiers, RFC 9528
 * §3.3.2, and compact kids, §3.5.3.2): a one-byte identifier whose byte
 * is itself a one-byte CBOR integer (0x00-0x17, 0x20-0x37) travels as
 * that integer, anything else as a byte string. */
#ifndef EDHOC_WIRE_H
#define EDHOC_WIRE_H

#include "edhoc_cbor.h"

void edhoc_wire_write_id(edhoc_w *w, oscore_bytes id);
/* |id| points into the message: the integer's own byte, or the string's
 * content. A byte string that should have been an integer, or an integer
 * outside -24..23, is EDHOC_ERR_MALFORMED (not deterministic). */
edhoc_err edhoc_wire_read_id(const edhoc_cbor_val *v, oscore_bytes *id);

#endif
