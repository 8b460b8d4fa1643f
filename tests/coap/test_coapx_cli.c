/* The command-line pieces both servers share: the --bind list and its
 * bound, usage-error reasons, and the host shown in the start-up line. */
#include <string.h>
#include "coapx_cli.h"
#include "unit.h"

static void host_is(const char *spec, const char *want) {
  char out[128];
  coapx_cli_bind_host(spec, out, sizeof out);
  if (strcmp(out, want) != 0)
    fprintf(stderr, "  '%s' -> '%s', want '%s'\n", spec ? spec : "(null)",
            out, want);
  CHECK(strcmp(out, want) == 0);
}

int main(void) {
  const char *binds[COAPX_MAX_BINDS];
  size_t n = 0;
  char why[128] = "";
  for (int i = 0; i < COAPX_MAX_BINDS; i++)
    CHECK(coapx_cli_add_bind(binds, &n, "127.0.0.1:0", why, sizeof why));
  CHECK_EQ_INT(n, COAPX_MAX_BINDS);
  CHECK(!coapx_cli_add_bind(binds, &n, "[::1]", why, sizeof why));
  CHECK_EQ_INT(n, COAPX_MAX_BINDS);
  CHECK(strstr(why, "--bind") != NULL);

  CHECK_EQ_INT(coapx_cli_fail(7, why, sizeof why, "bad '%s'", "x"), 7);
  CHECK(strcmp(why, "bad 'x'") == 0);
  CHECK_EQ_INT(coapx_cli_fail(7, NULL, 0, "bad '%s'", "x"), 7);

  host_is(NULL, "[::]");
  host_is("", "[::]");
  host_is("127.0.0.1", "127.0.0.1");
  host_is("127.0.0.1:5683", "127.0.0.1");
  host_is("[::1]:0", "[::1]");
  host_is("[::1]", "[::1]");
  host_is("::1", "[::1]");
  host_is("localhost:0", "localhost");
  host_is("coap+tcp://[::1]:0", "coap+tcp://[::1]");
  host_is("coap+tcp://127.0.0.1:5683/", "coap+tcp://127.0.0.1");
  host_is("coap+tcp://", "coap+tcp://[::]");
  host_is("coap://127.0.0.1:0/", "127.0.0.1");
  host_is("coaps+tcp://127.0.0.1:5684/", "coaps+tcp://127.0.0.1");

  /* A scheme we do not serve is a usage error naming it. */
  n = 0;
  CHECK(coapx_cli_add_bind(binds, &n, "coap+tcp://[::1]:0", why, sizeof why));
  CHECK(coapx_cli_add_bind(binds, &n, "COAP://127.0.0.1", why, sizeof why));
  CHECK(coapx_cli_add_bind(binds, &n, "coaps://[::1]", why, sizeof why));
  CHECK(coapx_cli_add_bind(binds, &n, "coaps+tcp://[::1]", why, sizeof why));
  CHECK(!coapx_cli_add_bind(binds, &n, "coap+ws://[::1]", why, sizeof why));
  CHECK(strstr(why, "'coap+ws'") != NULL);
  CHECK_EQ_INT(n, 4);
  return unit_summary("test_coapx_cli");
}
