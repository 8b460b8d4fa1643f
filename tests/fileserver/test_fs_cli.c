/* The command line (fs_options) and the -v line (fs_log): defaults as in
 * aiocoap-fileserver, bounds, errors with a reason, and log lines that a
 * client cannot forge with control characters in its path. */
#include "fs_testutil.h"

#include <stdarg.h>
#include "fs_log.h"
#include "fs_options.h"

static fs_options_result parse(fs_options *o, char *why, const char *a0, ...) {
  char *argv[32];
  int argc = 0;
  argv[argc++] = (char *)"oscore-fileserver";
  va_list ap;
  va_start(ap, a0);
  for (const char *a = a0; a && argc < 31; a = va_arg(ap, const char *))
    argv[argc++] = (char *)a;
  va_end(ap);
  argv[argc] = NULL;
  why[0] = 0;
  return fs_options_parse(argc, argv, o, why, 256);
}

static void test_options(void) {
  fs_options o;
  char why[256];
  CHECK_EQ_INT(parse(&o, why, NULL), FS_OPTIONS_RUN);
  CHECK(strcmp(o.fs.root_dir, ".") == 0);
  CHECK_EQ_INT(o.fs.etag_length, 8);
  CHECK(!o.fs.write && !o.fs.hidden && !o.fs.follow_symlinks);
  CHECK_EQ_INT(o.n_bind, 0);
  CHECK_EQ_INT(o.verbosity, 0);
  CHECK_EQ_INT(o.fs.uploads.max_size, UINT64_C(1) << 30);
  CHECK_EQ_INT(o.fs.uploads.max_per_owner, 4);
  CHECK_EQ_INT(o.fs.uploads.budget, UINT64_C(2) << 30);
  CHECK_EQ_INT(o.fs.uploads.lifetime_ms, 3600000);

  CHECK_EQ_INT(parse(&o, why, "--bind", "[::1]:0", "--bind", "127.0.0.1",
                     "--credentials", "s.json", "--write", "--etag-length",
                     "0", "-vv", "--hidden", "--follow-symlinks",
                     "--require-oscore", "--access", "r.json",
                     "--max-upload", "5M", "/srv", NULL), FS_OPTIONS_RUN);
  CHECK_EQ_INT(o.n_bind, 2);
  CHECK(strcmp(o.bind[0], "[::1]:0") == 0);
  CHECK(strcmp(o.credentials, "s.json") == 0);
  CHECK(o.fs.write && o.fs.hidden && o.fs.follow_symlinks &&
        o.fs.require_oscore);
  CHECK_EQ_INT(o.fs.etag_length, 0);
  CHECK_EQ_INT(o.verbosity, 2);
  CHECK(strcmp(o.fs.access_file, "r.json") == 0);
  CHECK_EQ_INT(o.fs.uploads.max_size, 5 * 1024 * 1024);
  CHECK(strcmp(o.fs.root_dir, "/srv") == 0);

  CHECK_EQ_INT(parse(&o, why, "-q", NULL), FS_OPTIONS_RUN);
  CHECK_EQ_INT(o.verbosity, -1);
  CHECK_EQ_INT(parse(&o, why, "--max-upload", "7k", NULL), FS_OPTIONS_RUN);
  CHECK_EQ_INT(o.fs.uploads.max_size, 7 * 1024);
  CHECK_EQ_INT(parse(&o, why, "--max-uploads-per-client", "2",
                     "--upload-budget", "64M", "--upload-lifetime", "600",
                     NULL), FS_OPTIONS_RUN);
  CHECK_EQ_INT(o.fs.uploads.max_per_owner, 2);
  CHECK_EQ_INT(o.fs.uploads.budget, 64 * 1024 * 1024);
  CHECK_EQ_INT(o.fs.uploads.lifetime_ms, 600000);

  /* Observation caps (issue 13): defaults, values, refusals. */
  CHECK_EQ_INT(parse(&o, why, NULL), FS_OPTIONS_RUN);
  CHECK_EQ_INT(o.max_observers, 4096);
  CHECK_EQ_INT(o.max_observers_per_peer, 64);
  CHECK_EQ_INT(parse(&o, why, "--max-observers", "10",
                     "--max-observers-per-peer", "2", NULL), FS_OPTIONS_RUN);
  CHECK_EQ_INT(o.max_observers, 10);
  CHECK_EQ_INT(o.max_observers_per_peer, 2);
  const char *bad_caps[] = {"0", "-1", "x", "", "1000001", "5k"};
  for (size_t i = 0; i < sizeof bad_caps / sizeof bad_caps[0]; i++) {
    CHECK_EQ_INT(parse(&o, why, "--max-observers", bad_caps[i], NULL),
                 FS_OPTIONS_ERROR);
    CHECK(strstr(why, "--max-observers") != NULL);
    CHECK_EQ_INT(parse(&o, why, "--max-observers-per-peer", bad_caps[i],
                       NULL), FS_OPTIONS_ERROR);
    CHECK(strstr(why, "--max-observers-per-peer") != NULL);
  }

  CHECK_EQ_INT(parse(&o, why, "--help", NULL), FS_OPTIONS_HELP);
  CHECK_EQ_INT(parse(&o, why, "-h", NULL), FS_OPTIONS_HELP);
  CHECK_EQ_INT(parse(&o, why, "--version", NULL), FS_OPTIONS_VERSION);

  const char *bad[][3] = {
    {"--etag-length", "9", NULL}, {"--etag-length", "-1", NULL},
    {"--etag-length", "x", NULL}, {"--etag-length", "", NULL},
    {"--max-upload", "0", NULL}, {"--max-upload", "12T", NULL},
    {"--max-upload", "-5", NULL}, {"--frobnicate", NULL, NULL},
    {"dir1", "dir2", NULL}, {"--require-oscore", NULL, NULL},
    {"--bind", NULL, NULL}, {"--max-uploads-per-client", "0", NULL},
    {"--max-uploads-per-client", "17", NULL}, {"--upload-budget", "1k", NULL},
    {"--upload-budget", "x", NULL}, {"--upload-lifetime", "0", NULL},
    {"--upload-lifetime", "1h", NULL},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fs_options_result r = parse(&o, why, bad[i][0], bad[i][1], bad[i][2]);
    if (r != FS_OPTIONS_ERROR)
      fprintf(stderr, "  accepted: %s %s\n", bad[i][0],
              bad[i][1] ? bad[i][1] : "");
    CHECK_EQ_INT(r, FS_OPTIONS_ERROR);
    CHECK(why[0] != 0);
  }
  /* The reasons name what was wrong. */
  parse(&o, why, "--etag-length", "9", NULL);
  CHECK(strstr(why, "0..8") != NULL);
  parse(&o, why, "--require-oscore", NULL);
  CHECK(strstr(why, "--credentials") != NULL);

  /* --help is short, grouped and has an example. */
  char buf[8192];
  FILE *f = fmemopen(buf, sizeof buf, "w");
  fs_options_help(f, "oscore-fileserver");
  fclose(f);
  CHECK(strstr(buf, "Usage: oscore-fileserver") != NULL);
  CHECK(strstr(buf, "Example:") != NULL);
  CHECK(strstr(buf, "Exit status:") != NULL);
  size_t lines = 0;
  for (const char *p = buf; *p; p++)
    lines += *p == '\n';
  CHECK(lines < 50);
}

static void test_log(void) {
  char line[600];
  coapx_log_entry e = {
    .peer = "[::1]:40123", .identity = ":client1", .is_protected = true,
    .method = OSCORE_CODE_GET, .path = "/a.txt", .code = OSCORE_CODE(2, 5),
    .payload_len = 1024,
  };
  fs_log_format(line, sizeof line, &e);
  CHECK(strcmp(line, "[::1]:40123 :client1 GET /a.txt -> 2.05 1024 bytes") ==
        0);
  e.identity = NULL;
  e.is_protected = false;
  e.method = OSCORE_CODE_PUT;
  e.code = OSCORE_CODE(4, 3);
  e.payload_len = 0;
  e.path = "/x\n127.0.0.1 :admin DELETE /all -> 2.02\\";
  fs_log_format(line, sizeof line, &e);
  CHECK(strchr(line, '\n') == NULL);
  CHECK(strcmp(line, "[::1]:40123 anonymous PUT "
                     "/x\\x0a127.0.0.1 :admin DELETE /all -> 2.02\\x5c "
                     "-> 4.03 0 bytes") == 0);
  e.method = 0;
  e.path = "";
  e.code = 0;
  e.from_cache = true;
  fs_log_format(line, sizeof line, &e);
  CHECK(strcmp(line, "[::1]:40123 anonymous - - -> (no answer) 0 bytes "
                     "(retransmission, cached answer)") == 0);
}

int main(void) {
  test_options();
  test_log();
  return unit_summary("test_fs_cli");
}
