/* Loopback helpers for the fileserver integration tests: start the real
 * oscore-fileserver binary, and a raw UDP client that protects requests
 * with the OSCORE core itself, so that tests can capture, repeat and
 * replay exact datagrams. */
#ifndef FS_WIRE_H
#define FS_WIRE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include "fs_testutil.h"
#include "oscore_protect.h"
#include "store.h"

static inline uint64_t fw_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the server process ---- */

typedef struct {
  pid_t pid;
  uint16_t port;
  char log[700];       /* its stderr */
} fw_server;

/* Start BUILDDIR/src/fileserver/oscore-fileserver with |args| (NULL
 * terminated, without the program name) plus --bind 127.0.0.1:0, and wait
 * (at most 10 s) for its "listening on" line. */
static inline bool fw_start(fw_server *s, const char *logfile,
                            const char *const *args) {
  const char *bd = getenv("BUILDDIR");
  char exe[1024];
  snprintf(exe, sizeof exe, "%s/src/fileserver/oscore-fileserver",
           bd ? bd : ".");
  snprintf(s->log, sizeof s->log, "%s", logfile);
  const char *argv[40];
  size_t n = 0;
  argv[n++] = exe;
  argv[n++] = "--bind";
  argv[n++] = "127.0.0.1:0";
  for (size_t i = 0; args[i] && n < 39; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  /* Empty it here, not only in the child: the parent must not read the
   * port of the previous run before the child truncated the file. */
  unlink(logfile);
  pid_t pid = fork();
  if (pid < 0)
    return false;
  if (pid == 0) {
    int fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      _exit(126);
    dup2(fd, 2);
    close(fd);
    execv(exe, (char *const *)argv);
    _exit(127);
  }
  s->pid = pid;
  s->port = 0;
  for (int i = 0; i < 1000 && !s->port; i++) {
    size_t len;
    char *text = tu_read("", logfile, &len);
    if (text) {
      text = realloc(text, len + 1);
      text[len] = 0;
      char *at = strstr(text, "listening on 127.0.0.1:");
      if (at)
        s->port = (uint16_t)atoi(at + strlen("listening on 127.0.0.1:"));
      free(text);
    }
    int st;
    if (!s->port && waitpid(pid, &st, WNOHANG) == pid) {
      s->pid = 0;
      return false;
    }
    if (!s->port)
      usleep(10000);
  }
  return s->port != 0;
}

/* Send |sig| and wait (at most 10 s, then SIGKILL) for the exit; returns
 * the exit status, 128+signal when killed by one. */
static inline int fw_stop(fw_server *s, int sig) {
  if (!s->pid)
    return -1;
  kill(s->pid, sig);
  int st = 0;
  for (int i = 0; i < 1000; i++) {
    if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
      s->pid = 0;
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    usleep(10000);
  }
  kill(s->pid, SIGKILL);
  waitpid(s->pid, &st, 0);
  s->pid = 0;
  return -2;
}

/* Does the server's stderr contain |needle|? */
static inline bool fw_log_has(const fw_server *s, const char *needle) {
  size_t len;
  char *text = tu_read("", s->log, &len);
  if (!text)
    return false;
  text = realloc(text, len + 1);
  text[len] = 0;
  bool found = strstr(text, needle) != NULL;
  free(text);
  return found;
}

/* ---- the raw client ---- */

typedef struct {
  int sock;
  struct sockaddr_in to;
  store_context *sc;   /* NULL: plain CoAP */
  uint16_t mid;
  /* the last request */
  uint8_t dgram[2048];
  size_t dgram_len;
  uint8_t token[8];
  oscore_request_id rid;
} fw_client;

static inline bool fw_client_open(fw_client *c, uint16_t port,
                                  const char *ctxdir) {
  memset(c, 0, sizeof *c);
  c->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  c->to.sin_family = AF_INET;
  c->to.sin_port = htons(port);
  c->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  uint16_t r;
  getrandom(&r, sizeof r, 0);
  c->mid = r;
  if (ctxdir) {
    store_diag d = {0};
    if (store_context_open(ctxdir, &d, &c->sc) != STORE_OK) {
      fprintf(stderr, "client context: %s\n", d.msg);
      return false;
    }
  }
  return c->sock >= 0;
}

static inline void fw_client_close(fw_client *c) {
  if (c->sc)
    store_context_close(c->sc, NULL);
  c->sc = NULL;
  if (c->sock >= 0)
    close(c->sock);
  c->sock = -1;
}

static inline void fw_client_port(fw_client *c, uint16_t port) {
  c->to.sin_port = htons(port);
}

/* Build (protect when the client has a context) and encode |plain| as a
 * CON into c->dgram; the token is fresh. */
static inline bool fw_build(fw_client *c, const oscore_msg *plain) {
  static uint8_t buf[4096];
  oscore_opt oopts[64];
  oscore_datagram d;
  memset(&d, 0, sizeof d);
  d.type = 0;
  d.mid = c->mid++;
  getrandom(c->token, sizeof c->token, 0);
  memcpy(d.token, c->token, 8);
  d.token_len = 8;
  if (c->sc) {
    if (store_context_prepare_send(c->sc, NULL) != STORE_OK)
      return false;
    oscore_msg_init(&d.msg, oopts, 64);
    oscore_err e = oscore_protect_request(store_context_oscore(c->sc), plain,
                                          &d.msg, buf, sizeof buf, &c->rid);
    if (e != OSCORE_OK) {
      fprintf(stderr, "protect: %s\n", oscore_strerror(e));
      return false;
    }
  } else {
    d.msg = *plain;
  }
  return oscore_datagram_encode(&d, c->dgram, sizeof c->dgram,
                                &c->dgram_len) == OSCORE_OK;
}

static inline bool fw_send_raw(fw_client *c, const uint8_t *p, size_t n) {
  return sendto(c->sock, p, n, 0, (struct sockaddr *)&c->to, sizeof c->to) ==
         (ssize_t)n;
}

/* Receive one datagram within |ms|; returns its length or 0. */
static inline size_t fw_recv_raw(fw_client *c, uint8_t *out, size_t cap,
                                 int ms) {
  struct pollfd p = {c->sock, POLLIN, 0};
  if (poll(&p, 1, ms) <= 0)
    return 0;
  ssize_t n = recv(c->sock, out, cap, 0);
  return n > 0 ? (size_t)n : 0;
}

/* A received answer, unprotected when it came protected. */
typedef struct {
  oscore_datagram d;       /* outer */
  oscore_opt outer_opts[64];
  oscore_msg plain;        /* inner, or a copy of the outer */
  oscore_opt plain_opts[64];
  uint8_t raw[2048];
  size_t raw_len;
  uint8_t buf[2048];
  bool was_protected;
  bool verified;
} fw_answer;

/* Decode |a->raw| and unprotect it against request id |rid| (the last
 * request when NULL). */
static inline bool fw_decode(fw_client *c, fw_answer *a,
                             const oscore_request_id *rid) {
  oscore_msg_init(&a->d.msg, a->outer_opts, 64);
  if (oscore_datagram_decode(OSCORE_BYTES(a->raw, a->raw_len), &a->d) !=
      OSCORE_OK)
    return false;
  a->was_protected =
      oscore_msg_find_opt(&a->d.msg, OSCORE_OPT_OSCORE) != NULL;
  a->verified = false;
  if (!a->was_protected || !c->sc) {
    a->plain = a->d.msg;
    return true;
  }
  oscore_msg_init(&a->plain, a->plain_opts, 64);
  oscore_response_info info;
  oscore_err e = oscore_unprotect_response(store_context_oscore(c->sc),
                                           rid ? rid : &c->rid, &a->d.msg,
                                           &a->plain, a->buf, sizeof a->buf,
                                           &info);
  a->verified = e == OSCORE_OK;
  if (e != OSCORE_OK)
    fprintf(stderr, "unprotect response: %s\n", oscore_strerror(e));
  return a->verified;
}

/* Wait for the answer to the datagram just sent (matching token). */
static inline bool fw_await(fw_client *c, fw_answer *a, int ms) {
  uint64_t end = fw_now_ms() + (uint64_t)ms;
  while (fw_now_ms() < end) {
    a->raw_len = fw_recv_raw(c, a->raw, sizeof a->raw,
                             (int)(end - fw_now_ms()));
    if (!a->raw_len)
      return false;
    oscore_msg_init(&a->d.msg, a->outer_opts, 64);
    if (oscore_datagram_decode(OSCORE_BYTES(a->raw, a->raw_len), &a->d) !=
        OSCORE_OK)
      continue;
    if (a->d.token_len == 8 && memcmp(a->d.token, c->token, 8) == 0)
      return fw_decode(c, a, NULL);
  }
  return false;
}

/* One request: build, send, await the answer (3 s). */
static inline bool fw_request(fw_client *c, const oscore_msg *plain,
                              fw_answer *a) {
  return fw_build(c, plain) && fw_send_raw(c, c->dgram, c->dgram_len) &&
         fw_await(c, a, 3000);
}

static inline bool fw_payload_is(const fw_answer *a, const char *s) {
  return a->plain.payload.len == strlen(s) &&
         memcmp(a->plain.payload.ptr, s, a->plain.payload.len) == 0;
}

#endif
