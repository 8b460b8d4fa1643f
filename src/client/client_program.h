/* Where oscore-client and oscore-client-full differ (client_full_exec.h):
 * each program links one of client_light.c and client_full.c
 * (src/client/meson.build), so that oscore-client links no object that
 * needs EDHOC or X.509 and no #ifdef is needed. */
#ifndef CLIENT_PROGRAM_H
#define CLIENT_PROGRAM_H

/* Once, before anything else. oscore-client-full: the store parses
 * "edhoc-oscore" entries (store_enable_edhoc) and the engine verifies
 * certificates (coapx_client_enable_pki). oscore-client: nothing, so its
 * store refuses a map with an "edhoc-oscore" entry, which it then hands
 * to oscore-client-full. */
void client_program_init(void);

/* The EDHOC run before the request, client_edhoc_run (client_edhoc.h):
 * client_edhoc.c in oscore-client-full; in oscore-client a stand-in that
 * is never called (its store hands out no EDHOC entry). */

#endif
