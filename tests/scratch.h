/* Scratch files for the C tests: one home for removing a temporary tree
 * and copying a file, which every test that works on copies of context
 * directories needs. */
#ifndef SCRATCH_H
#define SCRATCH_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

static inline int scratch_rm_one(const char *path, const struct stat *st,
                                 int type, struct FTW *ftw) {
  (void)st; (void)ftw;
  /* A test may have made a directory or file read-only (error paths);
   * without root that would keep it. Never through a link. */
  if (type != FTW_SL && type != FTW_SLN)
    chmod(path, 0700);
  remove(path);
  return 0;
}

/* Remove |dir| and everything below it, links not followed. */
static inline void scratch_rmtree(const char *dir) {
  nftw(dir, scratch_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copy the file |from| to |to| (created or truncated). */
static inline bool scratch_copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
  bool ok = in && out;
  char buf[4096];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
    ok = fwrite(buf, 1, n, out) == n;
  if (in) fclose(in);
  if (out && fclose(out) != 0) ok = false;
  return ok;
}

#endif
