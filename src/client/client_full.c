/* oscore-client-full (client_program.h): EDHOC and X.509 enabled. */
#include "client_program.h"

#include "coapx_pki.h"
#include "store.h"

void client_program_init(void) {
  store_enable_edhoc();
  coapx_client_enable_pki();
}
