#include "client_dtls_exec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "client_exit.h"
#include "coapx_transport.h"

#define DTLS_PROGRAM "oscore-client-dtls"

#ifndef CLIENT_LIBEXECDIR
#define CLIENT_LIBEXECDIR "/usr/local/libexec"
#endif

bool client_needs_dtls_program(const client_opts *o) {
  if (o->proxy || !o->uri) return false;
  const char *sep = strstr(o->uri, "://");
  char scheme[16];
  size_t n = sep ? (size_t)(sep - o->uri) : 0;
  if (n == 0 || n >= sizeof scheme) return false;
  for (size_t i = 0; i < n; i++)
    scheme[i] = (char)tolower((unsigned char)o->uri[i]);
  coapx_transport t;
  return coapx_transport_from_scheme(scheme, n, &t) &&
         coapx_transport_secure(t) && !coapx_transport_available(t);
}

/* <directory of the running executable>/oscore-client-dtls into |out|. */
static bool beside_self(char *out, size_t cap) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return false;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (!slash) return false;
  *slash = '\0';
  return snprintf(out, cap, "%s/%s", self, DTLS_PROGRAM) < (int)cap;
}

int client_exec_dtls_program(char **argv) {
  char near[PATH_MAX + 32] = "";
  const char *installed = CLIENT_LIBEXECDIR "/" DTLS_PROGRAM;
  if (beside_self(near, sizeof near) && access(near, X_OK) == 0) {
    execv(near, argv);
    fprintf(stderr, "oscore-client: coaps:// and coaps+tcp:// need %s: %s\n",
            near, strerror(errno));
    return CLIENT_EXIT_FAILURE;
  }
  if (access(installed, X_OK) == 0) {
    execv(installed, argv);
    fprintf(stderr, "oscore-client: coaps:// and coaps+tcp:// need %s: %s\n",
            installed, strerror(errno));
    return CLIENT_EXIT_FAILURE;
  }
  fprintf(stderr, "oscore-client: coaps:// (DTLS) and coaps+tcp:// (TLS) "
          "need %s, the client "
          "linked with libcoap's OpenSSL build; found neither %s nor %s\n",
          DTLS_PROGRAM, near[0] ? near : "(next to this program)", installed);
  return CLIENT_EXIT_FAILURE;
}
