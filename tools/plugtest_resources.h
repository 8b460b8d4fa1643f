/* The resources of the OSCORE interop test specification (test-spec5 §2,
 * ../shared/interop/PLUGTEST.md) as one coapx_handler_fn. */
#ifndef PLUGTEST_RESOURCES_H
#define PLUGTEST_RESOURCES_H

#include <stdint.h>
#include "coapx_server.h"
#include "plugtest_observe.h"

typedef struct {
  plugtest_observers *observers;
  /* Monotonic milliseconds, for the notification schedule. */
  uint64_t (*now_ms)(void);
} plugtest_resources;

/* The dispatcher's request handler; |arg| is a plugtest_resources. */
void plugtest_handle(const coapx_request *req, coapx_response *resp,
                     void *arg);

#endif
