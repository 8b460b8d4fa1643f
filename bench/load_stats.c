#include "load_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t load_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool load_lat_init(load_lat *l, size_t cap) {
  l->n = 0;
  l->cap = cap;
  l->us = malloc((cap ? cap : 1) * sizeof *l->us);
  return l->us != NULL;
}

void load_lat_add(load_lat *l, uint64_t ns) {
  if (l->n >= l->cap) return;
  uint64_t us = ns / 1000;
  l->us[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

void load_lat_sort(load_lat *l) {
  qsort(l->us, l->n, sizeof *l->us, cmp_u32);
}

uint32_t load_lat_pct(const load_lat *l, double p) {
  if (l->n == 0) return 0;
  /* Nearest rank: the smallest value with at least p% at or below it. */
  double r = p / 100.0 * (double)l->n;
  size_t k = (size_t)r;
  if ((double)k < r) k++;
  if (k == 0) k = 1;
  if (k > l->n) k = l->n;
  return l->us[k - 1];
}

void load_lat_free(load_lat *l) {
  free(l->us);
  memset(l, 0, sizeof *l);
}

bool load_proc_cpu(long pid, double *seconds) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return false;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* The command name (field 2) may hold spaces and parentheses: fields
   * are counted from the last ')'. utime and stime are fields 14 and 15. */
  char *p = strrchr(buf, ')');
  if (!p) return false;
  unsigned long long ut, st;
  if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
             &ut, &st) != 2)
    return false;
  long hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0) return false;
  *seconds = (double)(ut + st) / (double)hz;
  return true;
}
