/* Block arithmetic (RFC 7959) and GET of files block by block: the right
 * bytes at the right offsets, M flags, SZX honoured when smaller, Size2,
 * Content-Format from the extension. */
#include "fs_testutil.h"

#include "fs_block.h"
#include "fs_mime.h"

static void test_codec(void) {
  uint8_t b[3];
  fs_block blk;
  /* 0 encodes as the empty option (minimal uint). */
  CHECK_EQ_INT(fs_block_encode((fs_block){0, false, 0}, b), 0);
  CHECK(fs_block_decode(OSCORE_BYTES(b, 0), &blk));
  CHECK(blk.num == 0 && !blk.more && blk.szx == 0);
  size_t n = fs_block_encode((fs_block){1, true, 6}, b);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(b[0], 0x1e);
  n = fs_block_encode((fs_block){FS_BLOCK_NUM_MAX, false, 6}, b);
  CHECK_EQ_INT(n, 3);
  CHECK(fs_block_decode(OSCORE_BYTES(b, n), &blk));
  CHECK_EQ_INT(blk.num, FS_BLOCK_NUM_MAX);
  CHECK_EQ_INT(fs_block_offset(blk), (uint64_t)FS_BLOCK_NUM_MAX * 1024);
  uint8_t szx7[] = {0x17};
  CHECK(!fs_block_decode(OSCORE_BYTES(szx7, 1), &blk));
  uint8_t four[] = {1, 2, 3, 4};
  CHECK(!fs_block_decode(OSCORE_BYTES(four, 4), &blk));
  CHECK_EQ_INT(fs_block_size(0), 16);
  CHECK_EQ_INT(fs_block_size(6), 1024);
}

static void test_slice(void) {
  treq q;
  fs_slice s;
  /* No Block2: first 1024 bytes. */
  treq_init(&q, OSCORE_CODE_GET, "/f");
  CHECK(fs_block_slice(&q.m, 1024, &s));
  CHECK(!s.blockwise && s.len == 1024 && !s.block.more);
  CHECK(fs_block_slice(&q.m, 1025, &s));
  CHECK(s.blockwise && s.len == 1024 && s.block.more && s.block.num == 0);
  CHECK(fs_block_slice(&q.m, 0, &s));
  CHECK(!s.blockwise && s.len == 0);
  /* Block 2 of 64-byte blocks of 200 bytes: bytes 128..191, more. */
  treq_init(&q, OSCORE_CODE_GET, "/f");
  treq_block2(&q, 2, 2);
  CHECK(fs_block_slice(&q.m, 200, &s));
  CHECK(s.offset == 128 && s.len == 64 && s.block.more && s.block.szx == 2);
  treq_init(&q, OSCORE_CODE_GET, "/f");
  treq_block2(&q, 3, 2);
  CHECK(fs_block_slice(&q.m, 200, &s));
  CHECK(s.offset == 192 && s.len == 8 && !s.block.more && s.blockwise);
  /* Exactly at the end: empty last block (aiocoap does the same). */
  treq_init(&q, OSCORE_CODE_GET, "/f");
  treq_block2(&q, 4, 2);
  CHECK(fs_block_slice(&q.m, 256, &s));
  CHECK(s.len == 0 && !s.block.more);
  /* Past the end. */
  treq_init(&q, OSCORE_CODE_GET, "/f");
  treq_block2(&q, 100, 6);
  CHECK(fs_block_slice(&q.m, 1000, &s));
  CHECK(s.len == 0 && !s.block.more && s.blockwise);
  /* Malformed. */
  treq_init(&q, OSCORE_CODE_GET, "/f");
  treq_uint(&q, OSCORE_OPT_BLOCK2, 0x17);
  CHECK(!fs_block_slice(&q.m, 1000, &s));
}

static void test_get_blocks(const char *root) {
  fs_config cfg;
  fs_config_defaults(&cfg);
  cfg.root_dir = root;
  fs_server *s = tu_server(&cfg);
  enum { N = 5000 };
  static uint8_t data[N];
  for (size_t i = 0; i < N; i++)
    data[i] = (uint8_t)(i * 7 + i / 251);
  tu_write(root, "big.bin", data, N);
  tu_write(root, "small.json", "{}", 2);
  tu_write(root, "notes.txt", "x", 1);
  tu_write(root, "page.html", "<p>", 3);
  tu_write(root, "pic.PNG", "P", 1);
  tu_write(root, "raw.unknownext", "r", 1);
  tu_write(root, "thing.tm.json", "{}", 2);
  tu_write(root, "a.b.json", "{}", 2);

  /* Without Block2 and then with each SZX: reassemble and compare. */
  for (int szx = -1; szx <= 6; szx++) {
    size_t bs = szx < 0 ? 1024 : (size_t)16 << szx;
    static uint8_t got[N + 2048];
    size_t have = 0;
    bool more = true;
    uint32_t num = 0;
    int guard = 0;
    while (more && guard++ < 1000) {
      treq q;
      treq_init(&q, OSCORE_CODE_GET, "/big.bin");
      if (szx >= 0 || num > 0)
        treq_block2(&q, num, szx < 0 ? 6 : (unsigned)szx);
      fs_reply r;
      fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
      CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 5));
      const oscore_opt *b2 = reply_opt(&r, OSCORE_OPT_BLOCK2);
      CHECK(b2 != NULL);
      if (!b2)
        break;
      fs_block blk;
      CHECK(fs_block_decode(b2->value, &blk));
      CHECK_EQ_INT(blk.num, num);
      CHECK_EQ_INT(fs_block_size(blk.szx), bs);
      CHECK(reply_opt(&r, OSCORE_OPT_ETAG) != NULL);
      /* Size2 only with the first block. */
      CHECK_EQ_INT(reply_uint(&r, OSCORE_OPT_SIZE2), num == 0 ? N : -1);
      CHECK(r.msg.payload.len == (blk.more ? bs : N - have));
      memcpy(got + have, r.msg.payload.ptr, r.msg.payload.len);
      have += r.msg.payload.len;
      more = blk.more;
      num++;
    }
    CHECK_EQ_INT(have, N);
    CHECK(memcmp(got, data, N) == 0);
  }

  /* Small file: no Block2, no ETag unless asked (aiocoap's rule). */
  treq q;
  fs_reply r;
  treq_init(&q, OSCORE_CODE_GET, "/small.json");
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
  CHECK(reply_text_is(&r, "{}"));
  CHECK(reply_opt(&r, OSCORE_OPT_BLOCK2) == NULL);
  CHECK(reply_opt(&r, OSCORE_OPT_ETAG) == NULL);
  CHECK_EQ_INT(reply_uint(&r, OSCORE_OPT_CONTENT_FORMAT), 50);

  struct { const char *path; long cf; } cfs[] = {
    {"/notes.txt", 0}, {"/page.html", 0}, {"/pic.PNG", 23},
    {"/raw.unknownext", -1},
    /* longest listed suffix: "tm.json" is application/tm+json, which has
     * no CoAP number */
    {"/thing.tm.json", -1}, {"/a.b.json", 50},
  };
  for (size_t i = 0; i < sizeof cfs / sizeof cfs[0]; i++) {
    treq_init(&q, OSCORE_CODE_GET, cfs[i].path);
    fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
    CHECK_EQ_INT(r.msg.code, OSCORE_CODE(2, 5));
    if (reply_uint(&r, OSCORE_OPT_CONTENT_FORMAT) != cfs[i].cf)
      fprintf(stderr, "  %s\n", cfs[i].path);
    CHECK_EQ_INT(reply_uint(&r, OSCORE_OPT_CONTENT_FORMAT), cfs[i].cf);
  }

  /* Malformed Block2 in a request. */
  treq_init(&q, OSCORE_CODE_GET, "/big.bin");
  treq_uint(&q, OSCORE_OPT_BLOCK2, 0x0f);
  fs_serve(s, &tu_anon, &q.m, 0, &r, NULL);
  CHECK_EQ_INT(r.msg.code, OSCORE_CODE(4, 0));
  fs_server_free(s);
}

static void test_mime(void) {
  fs_mime *m;
  CHECK_EQ_INT(fs_mime_load("/nonexistent/mime.types", &m), FS_OK);
  CHECK(fs_mime_type(m, "a.json") == NULL);
  fs_mime_free(m);
  CHECK_EQ_INT(fs_mime_coap_format("text/plain"), 0);
  CHECK_EQ_INT(fs_mime_coap_format("text/x-unheard-of"), 0);
  CHECK_EQ_INT(fs_mime_coap_format("application/cbor"), 60);
  CHECK_EQ_INT(fs_mime_coap_format("application/link-format"), 40);
  CHECK_EQ_INT(fs_mime_coap_format("application/x-tar"), -1);
  CHECK_EQ_INT(fs_mime_coap_format(NULL), -1);
  if (access("/etc/mime.types", R_OK) == 0) {
    CHECK_EQ_INT(fs_mime_load(NULL, &m), FS_OK);
    CHECK_EQ_INT(fs_mime_format_of(m, "x.cbor"), 60);
    CHECK_EQ_INT(fs_mime_format_of(m, "links.wlnk"), 40);
    CHECK_EQ_INT(fs_mime_format_of(m, ".json"), -1);  /* a name, not ext */
    CHECK_EQ_INT(fs_mime_format_of(m, "noext"), -1);
    CHECK_EQ_INT(fs_mime_format_of(m, "trailing."), -1);
    fs_mime_free(m);
  }
}

int main(void) {
  if (access("/etc/mime.types", R_OK) != 0) {
    fprintf(stderr, "SKIP: /etc/mime.types missing (package media-types)\n");
    return 77;
  }
  const char *root = tu_mkdtemp();
  test_codec();
  test_slice();
  test_get_blocks(root);
  test_mime();
  tu_rmtree(root);
  return unit_summary("test_fs_block");
}
