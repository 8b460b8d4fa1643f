/* Fixtures the harnesses share (fuzz_common.h). */
#include "fuzz_common.h"
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz.h"
#include "scratch.h"
#include "oscore_aad.h"

static const uint8_t master_secret[16] = {
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};
static const uint8_t master_salt[8] = {
  0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40,
};
static const uint8_t id_context[8] = {
  0x37, 0xcb, 0xf3, 0x21, 0x00, 0x17, 0xa2, 0xd3,
};
static const uint8_t id00[1] = { 0x00 }, id01[1] = { 0x01 };

void fuzz_ctx(oscore_ctx *ctx, fuzz_vec v, bool server) {
  fuzz_ctx_profile(ctx, v, server, NULL);
}

void fuzz_ctx_profile(oscore_ctx *ctx, fuzz_vec v, bool server,
                      const oscore_profile *profile) {
  /* Client IDs: C.1 and C.3 send as "" and receive from 01, C.2 sends as
   * 00; the server's are the other way round. */
  oscore_bytes client = v == FUZZ_VEC_C2 ? OSCORE_BYTES(id00, 1)
                                         : OSCORE_BYTES(NULL, 0);
  oscore_bytes srv = OSCORE_BYTES(id01, 1);
  oscore_ctx_params p = {
    .aead_cose = 10,
    .hkdf = OSCORE_HASH_SHA256,
    .master_secret = OSCORE_BYTES(master_secret, sizeof master_secret),
    .master_salt = v == FUZZ_VEC_C2 ? OSCORE_BYTES(NULL, 0)
                                    : OSCORE_BYTES(master_salt, 8),
    .sender_id = server ? srv : client,
    .recipient_id = server ? client : srv,
    .has_id_context = v == FUZZ_VEC_C3,
    .id_context = v == FUZZ_VEC_C3 ? OSCORE_BYTES(id_context, 8)
                                   : OSCORE_BYTES(NULL, 0),
    .profile = profile,
  };
  FUZZ_CHECK(oscore_ctx_derive(ctx, &p) == OSCORE_OK);
  ctx->seq_limit = OSCORE_MAX_SEQ + 1;
}

fuzz_vec fuzz_vec_for(const oscore_option *opt) {
  if (opt->has_kid_context) return FUZZ_VEC_C3;
  if (opt->kid.len == 1 && opt->kid.ptr[0] == 0x00) return FUZZ_VEC_C2;
  return FUZZ_VEC_C1;
}

const char *fuzz_settings_json(fuzz_vec v, bool server) {
  switch (v) {
  case FUZZ_VEC_C1:
    return server ? "{\"sender-id_hex\": \"01\", \"recipient-id_hex\": \"\"}"
                  : "{\"sender-id_hex\": \"\", \"recipient-id_hex\": \"01\"}";
  case FUZZ_VEC_C2:
    return server ? "{\"sender-id_hex\": \"01\", \"recipient-id_hex\": \"00\"}"
                  : "{\"sender-id_hex\": \"00\", \"recipient-id_hex\": \"01\"}";
  case FUZZ_VEC_C3:
    return server ? "{\"sender-id_hex\": \"01\", \"recipient-id_hex\": \"\", "
                    "\"id-context_hex\": \"37cbf3210017a2d3\"}"
                  : "{\"sender-id_hex\": \"\", \"recipient-id_hex\": \"01\", "
                    "\"id-context_hex\": \"37cbf3210017a2d3\"}";
  }
  return "{}";
}

const char *fuzz_secret_json(fuzz_vec v) {
  return v == FUZZ_VEC_C2
             ? "{\"secret_hex\": \"0102030405060708090a0b0c0d0e0f10\"}"
             : "{\"secret_hex\": \"0102030405060708090a0b0c0d0e0f10\", "
               "\"salt_hex\": \"9e7ca92223786340\"}";
}

bool fuzz_seal_as_peer(const oscore_ctx *ctx, oscore_bytes nonce_id,
                       oscore_bytes nonce_piv, oscore_bytes req_kid,
                       oscore_bytes req_piv, oscore_bytes plain, uint8_t *out,
                       size_t cap, size_t *len) {
  uint8_t aad[OSCORE_AAD_MAX], nonce[OSCORE_MAX_NONCE_LEN];
  size_t aad_len;
  if (oscore_aad_build(ctx->alg->cose, req_kid, req_piv, aad, sizeof aad,
                       &aad_len) != OSCORE_OK ||
      oscore_ctx_nonce(ctx, nonce_id, nonce_piv, nonce, sizeof nonce) !=
          OSCORE_OK)
    return false;
  return oscore_aead_encrypt(ctx->alg,
                             OSCORE_BYTES(ctx->recipient_key,
                                          ctx->alg->key_len),
                             OSCORE_BYTES(nonce, ctx->alg->nonce_len),
                             OSCORE_BYTES(aad, aad_len), plain, out, cap,
                             len) == OSCORE_OK;
}

static char tmpdir[4096];

static void remove_tmpdir(void) {
  if (tmpdir[0]) fuzz_rm_tree(tmpdir);
}

const char *fuzz_tmpdir(void) {
  if (tmpdir[0]) return tmpdir;
  const char *base = getenv("FUZZ_TMPDIR");
  if (!base || !*base)
    base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/oscore-fuzz-XXXXXX", base);
  FUZZ_CHECK(mkdtemp(tmpdir) != NULL);
  atexit(remove_tmpdir);
  return tmpdir;
}

bool fuzz_write(const char *dir, const char *name, const void *data,
                size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                0600);
  if (fd < 0) return false;
  const uint8_t *p = data;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w <= 0) {
      close(fd);
      return false;
    }
    p += w;
    len -= (size_t)w;
  }
  return close(fd) == 0;
}

void fuzz_rm_tree(const char *path) {
  scratch_rmtree(path);
}

static bool inside(oscore_bytes v, const uint8_t *base, size_t len) {
  if (!base) return false;
  uintptr_t p = (uintptr_t)v.ptr, b = (uintptr_t)base;
  return p >= b && p <= b + len && v.len <= b + len - p;
}

bool fuzz_msg_within(const oscore_msg *m, const uint8_t *a, size_t alen,
                     const uint8_t *b, size_t blen) {
  for (size_t i = 0; i < m->n_opts; i++) {
    oscore_bytes v = m->opts[i].value;
    if (v.len && !inside(v, a, alen) && !inside(v, b, blen)) return false;
  }
  oscore_bytes p = m->payload;
  return !p.len || inside(p, a, alen) || inside(p, b, blen);
}
