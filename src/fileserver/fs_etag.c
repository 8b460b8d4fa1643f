#include "fs_etag.h"

#include <stdio.h>
#include <openssl/evp.h>

static size_t truncated_sha256(const void *data, size_t n, size_t len,
                               uint8_t out[FS_ETAG_MAX]) {
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  if (len > FS_ETAG_MAX)
    len = FS_ETAG_MAX;
  if (len == 0)
    return 0;
  if (!EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL) || mdlen < len)
    return 0;
  for (size_t i = 0; i < len; i++)
    out[i] = md[i];
  return len;
}

size_t fs_etag_of_stat(const struct stat *st, size_t len,
                       uint8_t out[FS_ETAG_MAX]) {
  char text[128];
  long long mtime = (long long)st->st_mtim.tv_sec * 1000000000LL +
                    st->st_mtim.tv_nsec;
  long long ctime = (long long)st->st_ctim.tv_sec * 1000000000LL +
                    st->st_ctim.tv_nsec;
  int n = snprintf(text, sizeof text, "(%lld, %lld, %lld, %llu)", mtime,
                   ctime, (long long)st->st_size,
                   (unsigned long long)st->st_ino);
  if (n < 0 || (size_t)n >= sizeof text)
    return 0;
  return truncated_sha256(text, (size_t)n, len, out);
}

size_t fs_etag_of_bytes(const void *data, size_t n, size_t len,
                        uint8_t out[FS_ETAG_MAX]) {
  return truncated_sha256(data, n, len, out);
}
