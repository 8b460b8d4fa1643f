/* Private key files: aiocoap's .cosekey bytes load (RFC 9529 trace 2's
 * key gives the trace's public key), what we write reads back, a file
 * group or others may access is refused as aiocoap refuses it, an
 * existing file is never overwritten, and malformed keys are named. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../scratch.h"
#include "../unit.h"
#include "edhoc_cosekey.h"
#include "edhoc_testutil.h"
#include "store_cosekey.h"

static char dir[] = "/tmp/edhoc-cosekey-XXXXXX";

static void put(const char *path, const void *b, size_t n, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  CHECK(fd >= 0 && write(fd, b, n) == (ssize_t)n);
  close(fd);
  chmod(path, mode);
}

int main(void) {
  tv_load();
  CHECK(mkdtemp(dir) != NULL);
  char path[256], other[256];
  snprintf(path, sizeof path, "%s/trace.cosekey", dir);

  /* aiocoap writes {1: 2, -1: 1, -4: d} (cbor2, insertion order). */
  uint8_t file[64] = { 0xa3, 0x01, 0x02, 0x20, 0x01, 0x23, 0x58, 0x20 };
  memcpy(file + 8, tv("T2.m2.SK_R.raw").ptr, 32);
  put(path, file, 40, 0600);
  store_diag diag = { .msg = "" };
  edhoc_key *k = NULL;
  CHECK_EQ_INT(store_cosekey_load(path, &k, &diag), STORE_OK);
  uint8_t x[32], y[32];
  CHECK(k && edhoc_key_public(k, x, y) == EDHOC_OK);
  CHECK_MEM(x, 32, tv("T2.m2.PK_R_x.raw").ptr, 32);
  CHECK_MEM(y, 32, tv("T2.m2.PK_R_y.raw").ptr, 32);

  /* Ours writes the same bytes back, in a new 0600 file only. */
  uint8_t enc[EDHOC_COSEKEY_MAX];
  edhoc_w w;
  edhoc_w_init(&w, enc, sizeof enc);
  CHECK_EQ_INT(edhoc_cosekey_write(k, &w), EDHOC_OK);
  CHECK_MEM(enc, w.len, file, 40);
  CHECK_EQ_INT(store_cosekey_create(path, k, &diag), STORE_ERR_DUPLICATE);
  CHECK(strstr(diag.msg, "exists already") != NULL);
  snprintf(other, sizeof other, "%s/new.cosekey", dir);
  CHECK_EQ_INT(store_cosekey_create(other, k, &diag), STORE_OK);
  struct stat st;
  CHECK(stat(other, &st) == 0 && (st.st_mode & 0777) == 0600);
  edhoc_key_free(k);

  /* Each curve round-trips through a file. */
  static const edhoc_curve curves[] = { EDHOC_CURVE_P256, EDHOC_CURVE_X25519,
                                        EDHOC_CURVE_ED25519 };
  for (size_t i = 0; i < 3; i++) {
    edhoc_key *g = NULL, *back = NULL;
    uint8_t a[32], b[32];
    snprintf(other, sizeof other, "%s/curve%zu.cosekey", dir, i);
    CHECK_EQ_INT(edhoc_key_generate(curves[i], &g), EDHOC_OK);
    CHECK_EQ_INT(store_cosekey_create(other, g, &diag), STORE_OK);
    CHECK_EQ_INT(store_cosekey_load(other, &back, &diag), STORE_OK);
    CHECK(back && edhoc_key_curve(back) == curves[i]);
    CHECK(edhoc_key_public(g, a, NULL) == EDHOC_OK &&
          edhoc_key_public(back, b, NULL) == EDHOC_OK);
    CHECK_MEM(a, 32, b, 32);
    edhoc_key_free(g);
    edhoc_key_free(back);
  }

  /* Refusals. */
  chmod(path, 0640);
  CHECK_EQ_INT(store_cosekey_load(path, &k, &diag), STORE_ERR_MALFORMED);
  CHECK(strstr(diag.msg, "group or world accessible") != NULL);
  chmod(path, 0600);
  file[2] = 0x05; /* kty 5 */
  put(path, file, 40, 0600);
  CHECK_EQ_INT(store_cosekey_load(path, &k, &diag), STORE_ERR_MALFORMED);
  CHECK(strstr(diag.msg, "not supported") != NULL);
  put(path, "\xa4\x01\x02\x20\x01\x23\x40\x02\x41\x00", 10, 0600);
  CHECK_EQ_INT(store_cosekey_load(path, &k, &diag), STORE_ERR_MALFORMED);
  CHECK(strstr(diag.msg, path) != NULL);
  put(path, "{1: 2}", 6, 0600);
  CHECK_EQ_INT(store_cosekey_load(path, &k, &diag), STORE_ERR_MALFORMED);
  snprintf(other, sizeof other, "%s/absent.cosekey", dir);
  CHECK_EQ_INT(store_cosekey_load(other, &k, &diag), STORE_ERR_MISSING);
  /* A dangling link is not followed to create a file elsewhere. */
  snprintf(path, sizeof path, "%s/link.cosekey", dir);
  CHECK(symlink(other, path) == 0);
  CHECK_EQ_INT(edhoc_key_generate(EDHOC_CURVE_P256, &k), EDHOC_OK);
  CHECK_EQ_INT(store_cosekey_create(path, k, &diag), STORE_ERR_DUPLICATE);
  CHECK(access(other, F_OK) != 0);
  edhoc_key_free(k);
  scratch_rmtree(dir);
  return unit_summary("edhoc_cosekey");
}
