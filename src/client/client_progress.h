/* A one-line progress indicator on stderr for long block-wise transfers,
 * downloads and uploads
 * ("3.2 MiB of 50.0 MiB  6%  21.4 MiB/s"), redrawn at most 10 times a
 * second and only once the body passed 64 KiB, so small requests never
 * show it. */
#ifndef CLIENT_PROGRESS_H
#define CLIENT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include "oscore_msg.h"

typedef struct {
  bool enabled;
  bool shown;           /* a line is on the terminal */
  bool has_total;
  uint64_t total;
  uint64_t done;
  uint64_t start_ms;
  uint64_t last_ms;
} client_progress;

void client_progress_start(client_progress *p, bool enabled, bool has_total,
                           uint64_t total);
void client_progress_update(client_progress *p, uint64_t done);
/* Erase the line (if one is shown). */
void client_progress_clear(client_progress *p);
/* The transfer completed: erase the line and, when it was long enough to
 * show one, leave a summary as curl does ("received 50.0 MiB in 2.3 s,
 * 21.7 MiB/s"; |verb| "received" or "sent"). */
void client_progress_finish(client_progress *p, const char *verb);

/* Upload progress from the requests the engine sends (its traces): the
 * Block1 option of each says how far the body went. */
void client_progress_block1(client_progress *p, const oscore_msg *m);

#endif
