/* Measurements of oscore-load: latencies and percentiles, CPU time of a
 * process from /proc/PID/stat. */
#ifndef LOAD_STATS_H
#define LOAD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Latencies in microseconds, one per answered request; |cap| fixed at
 * creation (the request count bounds it, so no growth under load). */
typedef struct {
  uint32_t *us;
  size_t n;
  size_t cap;
} load_lat;

bool load_lat_init(load_lat *l, size_t cap);
void load_lat_add(load_lat *l, uint64_t ns);
/* Sorts in place; then load_lat_pct may be called. */
void load_lat_sort(load_lat *l);
/* The |p|-th percentile (0..100, nearest rank) in microseconds; 0 when
 * empty. */
uint32_t load_lat_pct(const load_lat *l, double p);
void load_lat_free(load_lat *l);

/* utime + stime of |pid| in seconds (all threads; children not counted).
 * false when the process is gone or /proc unreadable. */
bool load_proc_cpu(long pid, double *seconds);

/* Monotonic nanoseconds. */
uint64_t load_now_ns(void);

#endif
