#include "client_progress.h"

#include <stdio.h>
#include <time.h>
#include "coapx_block.h"
#include "oscore_msg.h"

#define SHOW_AFTER_BYTES (64 * 1024)
#define REDRAW_MS 100

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void human(char *buf, size_t cap, uint64_t n) {
  if (n < 1024) snprintf(buf, cap, "%llu B", (unsigned long long)n);
  else if (n < 1024 * 1024) snprintf(buf, cap, "%.1f KiB", n / 1024.0);
  else snprintf(buf, cap, "%.1f MiB", n / (1024.0 * 1024.0));
}

void client_progress_start(client_progress *p, bool enabled, bool has_total,
                           uint64_t total) {
  client_progress_clear(p);
  p->enabled = enabled;
  p->has_total = has_total;
  p->total = total;
  p->done = 0;
  p->start_ms = now_ms();
  p->last_ms = 0;
}

void client_progress_update(client_progress *p, uint64_t done) {
  p->done = done;
  if (!p->enabled || done < SHOW_AFTER_BYTES) return;
  uint64_t t = now_ms();
  if (p->shown && t - p->last_ms < REDRAW_MS) return;
  p->last_ms = t;
  char a[32], b[32], r[32];
  human(a, sizeof a, done);
  double secs = (t - p->start_ms) / 1000.0;
  human(r, sizeof r, secs > 0.05 ? (uint64_t)(done / secs) : 0);
  if (p->has_total && p->total >= done && p->total > 0) {
    human(b, sizeof b, p->total);
    fprintf(stderr, "\r%s of %s  %3u%%  %s/s\033[K", a, b,
            (unsigned)(done * 100 / p->total), r);
  } else {
    fprintf(stderr, "\r%s  %s/s\033[K", a, r);
  }
  fflush(stderr);
  p->shown = true;
}

void client_progress_clear(client_progress *p) {
  if (!p->shown) return;
  fputs("\r\033[K", stderr);
  fflush(stderr);
  p->shown = false;
}

void client_progress_finish(client_progress *p, const char *verb) {
  client_progress_clear(p);
  if (!p->enabled || p->done < SHOW_AFTER_BYTES) return;
  p->enabled = false;   /* once */
  uint64_t ms = now_ms() - p->start_ms;
  char a[32], r[32];
  human(a, sizeof a, p->done);
  human(r, sizeof r, ms ? p->done * 1000 / ms : p->done);
  fprintf(stderr, "%s %s in %.1f s, %s/s\n", verb, a, ms / 1000.0, r);
  fflush(stderr);
}

void client_progress_block1(client_progress *p, const oscore_msg *m) {
  const oscore_opt *o = oscore_msg_find_opt(m, OSCORE_OPT_BLOCK1);
  coapx_block b;
  if (!o || coapx_block_decode(o->value, &b) != COAPX_OK) return;
  client_progress_update(p, (uint64_t)b.num * coapx_block_size(b.szx) +
                                m->payload.len);
}
