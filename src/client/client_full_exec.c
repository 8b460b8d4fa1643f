#include "client_full_exec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "client_exit.h"
#include "coapx_transport.h"

#define FULL_PROGRAM "oscore-client-full"

#ifndef CLIENT_LIBEXECDIR
#define CLIENT_LIBEXECDIR "/usr/local/libexec"
#endif

bool client_needs_full_program(const client_opts *o) {
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

/* <directory of the running executable>/oscore-client-full into |out|;
 * *is_self when that is the running executable. */
static bool beside_self(char *out, size_t cap, bool *is_self) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return false;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (!slash) return false;
  *is_self = strcmp(slash + 1, FULL_PROGRAM) == 0;
  *slash = '\0';
  return snprintf(out, cap, "%s/%s", self, FULL_PROGRAM) < (int)cap;
}

int client_exec_full_program(char **argv, const char *needs) {
  char near[PATH_MAX + 32] = "";
  bool is_self = false;
  const char *installed = CLIENT_LIBEXECDIR "/" FULL_PROGRAM;
  bool found_near = beside_self(near, sizeof near, &is_self) &&
                    access(near, X_OK) == 0;
  /* oscore-client-full never asks for itself (client_program_init); if
   * it did, running itself again would never end. */
  if (is_self) {
    fprintf(stderr, "oscore-client: internal error: %s %s, which is this "
            "program\n", needs, FULL_PROGRAM);
    return CLIENT_EXIT_FAILURE;
  }
  const char *path = found_near ? near
                     : access(installed, X_OK) == 0 ? installed : NULL;
  if (path) {
    execv(path, argv);
    fprintf(stderr, "oscore-client: %s %s: %s\n", needs, path,
            strerror(errno));
    return CLIENT_EXIT_FAILURE;
  }
  fprintf(stderr, "oscore-client: %s %s, the client linked with "
          "libcoap's OpenSSL build, EDHOC and X.509; found neither %s nor "
          "%s\n", needs, FULL_PROGRAM,
          near[0] ? near : "(next to this program)", installed);
  return CLIENT_EXIT_FAILURE;
}
