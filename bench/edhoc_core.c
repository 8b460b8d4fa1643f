/* edhoc-core-bench: CPU cost of one EDHOC exchange in the core, both
 * sides in one process (no network), per suite and method: each run makes
 * fresh ephemeral keys, runs message_1..3 and exports the OSCORE
 * parameters, as a client and a server would once per session. Prints the
 * median and the fastest of N runs (bench/README.md).
 *   edhoc-core-bench [RUNS]   (default 200) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "edhoc.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  edhoc_key *key;
  uint8_t ccs[200];
  size_t ccs_len;
  edhoc_cred cred;
} party;

static bool party_new(party *p, edhoc_curve c, uint8_t kid) {
  edhoc_w w;
  edhoc_w_init(&w, p->ccs, sizeof p->ccs);
  if (edhoc_key_generate(c, &p->key) != EDHOC_OK ||
      edhoc_ccs_write(p->key, OSCORE_BYTES(&kid, 1), NULL, &w) != EDHOC_OK)
    return false;
  p->ccs_len = w.len;
  return edhoc_cred_from_ccs(OSCORE_BYTES(p->ccs, w.len), &p->cred) == EDHOC_OK;
}

static edhoc_err lookup(void *arg, const edhoc_id_cred *id, edhoc_cred *out) {
  const party *p = arg;
  edhoc_err err = edhoc_cred_from_ccs(OSCORE_BYTES(p->ccs, p->ccs_len), out);
  return err == EDHOC_OK && edhoc_id_cred_matches(id, out) ? EDHOC_OK
                                                            : EDHOC_ERR_UNKNOWN_CRED;
}

/* One exchange; false on any failure. */
static bool one(int suite, int method, party *pi, party *pr) {
  const edhoc_suite *s = edhoc_suite_by_id(suite);
  edhoc_config ci = { .method = method, .suites = { suite }, .n_suites = 1,
                      .own_cred = &pi->cred, .own_key = pi->key,
                      .own_id = EDHOC_IDCRED_KID, .lookup = lookup,
                      .lookup_arg = pr, .cid = { 1 }, .cid_len = 1 };
  edhoc_config cr = { .methods = 0xf, .suites = { suite }, .n_suites = 1,
                      .own_cred = &pr->cred, .own_key = pr->key,
                      .own_id = EDHOC_IDCRED_KID, .lookup = lookup,
                      .lookup_arg = pi, .cid = { 2 }, .cid_len = 1 };
  edhoc_session *i = NULL, *r = NULL;
  edhoc_key *x = NULL, *y = NULL;
  uint8_t m[EDHOC_MAX_MESSAGE];
  size_t n;
  edhoc_oscore a, b;
  bool ok = edhoc_session_new(EDHOC_INITIATOR, &ci, &i) == EDHOC_OK &&
            edhoc_session_new(EDHOC_RESPONDER, &cr, &r) == EDHOC_OK &&
            edhoc_key_generate(s->dh, &x) == EDHOC_OK &&
            edhoc_i_message_1(i, x, m, sizeof m, &n) == EDHOC_OK &&
            edhoc_r_process_message_1(r, OSCORE_BYTES(m, n)) == EDHOC_OK &&
            edhoc_key_generate(s->dh, &y) == EDHOC_OK &&
            edhoc_r_message_2(r, y, m, sizeof m, &n) == EDHOC_OK &&
            edhoc_i_process_message_2(i, OSCORE_BYTES(m, n)) == EDHOC_OK &&
            edhoc_i_message_3(i, m, sizeof m, &n) == EDHOC_OK &&
            edhoc_r_process_message_3(r, OSCORE_BYTES(m, n)) == EDHOC_OK &&
            edhoc_oscore_params(i, &a) == EDHOC_OK &&
            edhoc_oscore_params(r, &b) == EDHOC_OK &&
            memcmp(a.master_secret, b.master_secret, 16) == 0;
  edhoc_session_free(i);
  edhoc_session_free(r);
  return ok;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 200;
  if (runs < 1 || runs > 100000) {
    fprintf(stderr, "Usage: edhoc-core-bench [RUNS]\n");
    return 2;
  }
  double *t = malloc(sizeof *t * (size_t)runs);
  if (!t)
    return 1;
  printf("%-6s %-7s %12s %12s  (microseconds per exchange, both sides)\n",
         "suite", "method", "median", "fastest");
  static const int suites[] = { 0, 2 }, methods[] = { 0, 3 };
  for (int si = 0; si < 2; si++)
    for (int mi = 0; mi < 2; mi++) {
      const edhoc_suite *s = edhoc_suite_by_id(suites[si]);
      edhoc_curve c = methods[mi] == 0 ? s->sig : s->dh;
      party pi, pr;
      if (!party_new(&pi, c, 1) || !party_new(&pr, c, 2)) {
        fprintf(stderr, "edhoc-core-bench: key generation failed\n");
        return 1;
      }
      for (int k = 0; k < runs; k++) {
        double t0 = now_us();
        if (!one(suites[si], methods[mi], &pi, &pr)) {
          fprintf(stderr, "edhoc-core-bench: exchange failed\n");
          return 1;
        }
        t[k] = now_us() - t0;
      }
      qsort(t, (size_t)runs, sizeof *t, cmp);
      printf("%-6d %-7d %12.0f %12.0f\n", suites[si], methods[mi],
             t[runs / 2], t[0]);
      edhoc_key_free(pi.key);
      edhoc_key_free(pr.key);
      edhoc_cred_clear(&pi.cred);
      edhoc_cred_clear(&pr.cred);
    }
  free(t);
  return 0;
}
