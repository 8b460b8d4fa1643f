#include "client_output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "client_hexdump.h"
#include "client_names.h"
#include "client_outfile.h"
#include "client_pretty.h"
#include "client_progress.h"

/* Bodies buffered for pretty-printing; a larger one streams out raw. */
#define PRETTY_MAX (4u << 20)

typedef enum { DEST_NONE, DEST_STDOUT, DEST_STDERR, DEST_FILE, DEST_EXEC } dest;

struct client_output {
  client_output_config cfg;
  coapx_sink sink;
  char err[600];

  dest dest;
  FILE *fp;             /* DEST_EXEC: the command's stdin */
  client_outfile file;  /* DEST_FILE */
  bool buffering;       /* collecting for pretty-printing */
  uint16_t cf;
  uint8_t *buf;
  size_t len, cap;
  int last_byte;        /* -1: nothing written for this body */
  int stdout_last;      /* last byte any body left on stdout, -1: none */
  client_progress progress;
  bool hex;             /* binary body on a terminal: shown as a hex dump */
  client_hexdump hexdump;
};

static coapx_err io_fail(client_output *o, const char *what, const char *name) {
  snprintf(o->err, sizeof o->err, "%s %s: %s", what, name, strerror(errno));
  return COAPX_ERR_SINK;
}

static FILE *dest_fp(client_output *o) {
  switch (o->dest) {
  case DEST_STDOUT: return stdout;
  case DEST_STDERR: return stderr;
  case DEST_FILE: return o->file.fp;
  default: return o->fp;
  }
}

static coapx_err write_out(client_output *o, const uint8_t *p, size_t n) {
  if (!n) return COAPX_OK;
  FILE *fp = dest_fp(o);
  if (fwrite(p, 1, n, fp) != n) {
    /* A command that stops reading its stdin is its own business. */
    if (o->dest == DEST_EXEC) return COAPX_OK;
    return io_fail(o, "cannot write",
                   o->dest == DEST_FILE ? o->cfg.path
                   : o->dest == DEST_STDOUT ? "to standard output"
                                            : "to standard error");
  }
  o->last_byte = p[n - 1];
  if (o->dest == DEST_STDOUT) o->stdout_last = p[n - 1];
  return COAPX_OK;
}

/* Body bytes for stdout: hex-dumped once show_as_hex() decided so. */
static coapx_err emit(client_output *o, const uint8_t *p, size_t n) {
  if (!o->hex) return write_out(o, p, n);
  client_hexdump_feed(&o->hexdump, stdout, p, n);
  return COAPX_OK;
}

/* On a terminal a binary body is shown as a hex dump, never raw (as
 * aiocoap-client; curl refuses): decided from what is held back, the
 * whole body or its first PRETTY_MAX bytes. */
static void show_as_hex(client_output *o, bool complete) {
  if (o->dest != DEST_STDOUT || !o->cfg.stdout_tty ||
      client_is_terminal_text(o->buf, o->len, complete))
    return;
  o->hex = true;
  memset(&o->hexdump, 0, sizeof o->hexdump);
  if (!o->cfg.quiet) {
    const char *t = client_cformat_name(o->cf);
    fprintf(stderr, "oscore-client: showing a hex dump of the %s body (-o "
            "FILE or a pipe gets the bytes)\n", t ? t : "binary");
  }
}

static coapx_err end_hex(client_output *o) {
  if (!o->hex) return COAPX_OK;
  client_hexdump_end(&o->hexdump, stdout);
  o->hex = false;
  o->last_byte = o->stdout_last = '\n';
  return ferror(stdout) ? io_fail(o, "cannot write", "to standard output")
                        : COAPX_OK;
}

static void print_location(client_output *o, const oscore_msg *m) {
  if (o->cfg.quiet) return;
  char line[1024];
  size_t used = 0;
  bool any = false, in_query = false;
  for (size_t i = 0; i < m->n_opts; i++) {
    uint16_t n = m->opts[i].number;
    const char *sep;
    if (n == OSCORE_OPT_LOCATION_PATH) {
      sep = "/";
    } else if (n == OSCORE_OPT_LOCATION_QUERY) {
      sep = in_query ? "&" : "?";
      in_query = true;
    } else {
      continue;
    }
    int w = snprintf(line + used, sizeof line - used, "%s%.*s", sep,
                     (int)m->opts[i].value.len,
                     (const char *)m->opts[i].value.ptr);
    if (w < 0 || (size_t)w >= sizeof line - used) break;
    used += (size_t)w;
    any = true;
  }
  /* Location-Path sorts before Location-Query, so the line is in order. */
  if (any)
    fprintf(stderr, "Location options indicate new resource: %s\n", line);
}

static coapx_err on_begin(void *arg, const coapx_response_head *h) {
  client_output *o = arg;
  o->len = 0;
  o->buffering = false;
  o->last_byte = -1;
  o->cf = 0xffff;
  const oscore_opt *cf = oscore_msg_find_opt(h->msg, OSCORE_OPT_CONTENT_FORMAT);
  uint32_t v;
  bool has_cf = cf && oscore_opt_uint(cf->value, &v) == OSCORE_OK && v <= 0xffff;
  if (has_cf) o->cf = (uint16_t)v;
  print_location(o, h->msg);

  if ((h->code >> 5) != 2) {
    char name[48];
    client_code_name(h->code, name, sizeof name);
    fflush(stdout);
    if (o->cfg.color) fprintf(stderr, "\033[1;31m%s\033[0m\n", name);
    else fprintf(stderr, "%s\n", name);
    o->dest = DEST_STDERR;
    client_progress_start(&o->progress, false, false, 0);
    return COAPX_OK;
  }

  client_progress_start(&o->progress, o->cfg.progress, h->has_size, h->size);
  if (o->cfg.exec) {
    fflush(stdout);
    o->fp = popen(o->cfg.exec, "w");
    if (!o->fp) return io_fail(o, "cannot run", o->cfg.exec);
    o->dest = DEST_EXEC;
    return COAPX_OK;
  }
  /* "-o -" is standard output, as in most tools (and never a file "-"). */
  if (o->cfg.path && strcmp(o->cfg.path, "-") != 0) {
    o->dest = DEST_FILE;
    return client_outfile_open(&o->file, o->cfg.path, o->err, sizeof o->err)
               ? COAPX_OK : COAPX_ERR_SINK;
  }
  o->dest = DEST_STDOUT;
  if (h->is_notification) {
    /* aiocoap-client separates representations with "---" lines; the
     * line must start on a line of its own for scripts to split on it. */
    if (o->stdout_last >= 0 && o->stdout_last != '\n') fputc('\n', stdout);
    if (o->cfg.color && o->cfg.stdout_tty) fputs("\033[2m---\033[0m\n", stdout);
    else fputs("---\n", stdout);
  }
  /* Held back to render it, or on a terminal to tell text from binary. */
  o->buffering = (o->cfg.pretty && client_pretty_supported(o->cf)) ||
                 o->cfg.stdout_tty;
  return COAPX_OK;
}

static coapx_err on_data(void *arg, const uint8_t *p, size_t n,
                         uint64_t offset) {
  client_output *o = arg;
  client_progress_update(&o->progress, offset + n);
  if (o->buffering) {
    if (o->len + n <= PRETTY_MAX) {
      if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n) cap *= 2;
        uint8_t *nb = realloc(o->buf, cap);
        if (!nb) return COAPX_ERR_NO_MEMORY;
        o->buf = nb;
        o->cap = cap;
      }
      memcpy(o->buf + o->len, p, n);
      o->len += n;
      return COAPX_OK;
    }
    /* Too large to render: what was held back goes out raw first. */
    o->buffering = false;
    show_as_hex(o, false);
    coapx_err e = emit(o, o->buf, o->len);
    o->len = 0;
    if (e) return e;
  }
  return emit(o, p, n);
}

static coapx_err on_end(void *arg) {
  client_output *o = arg;
  client_progress_finish(&o->progress, "received");
  coapx_err e = COAPX_OK;
  if (o->buffering) {
    o->buffering = false;
    if (o->len && o->cfg.pretty &&
        client_pretty_print(o->cf, o->buf, o->len, stdout)) {
      o->last_byte = o->stdout_last = '\n';
    } else {
      show_as_hex(o, true);
      e = emit(o, o->buf, o->len);
    }
    o->len = 0;
  }
  if (!e) e = end_hex(o);
  switch (o->dest) {
  case DEST_FILE:
    if (!e && !client_outfile_commit(&o->file, o->cfg.path, o->err,
                                     sizeof o->err))
      e = COAPX_ERR_SINK;
    client_outfile_abort(&o->file);
    break;
  case DEST_EXEC: {
    int st = pclose(o->fp);
    o->fp = NULL;
    if (st != 0 && !o->cfg.quiet)
      fprintf(stderr, "oscore-client: --observe-exec command exited with "
              "status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    break;
  }
  case DEST_STDOUT:
    /* A terminal prompt should not start after the body's last byte. */
    if (!e && o->cfg.stdout_tty && o->last_byte >= 0 && o->last_byte != '\n')
      e = write_out(o, (const uint8_t *)"\n", 1);
    if (!e && fflush(stdout) != 0) e = io_fail(o, "cannot write", "to standard output");
    break;
  case DEST_STDERR:
    if (o->last_byte >= 0 && o->last_byte != '\n') fputc('\n', stderr);
    break;
  case DEST_NONE:
    break;
  }
  o->dest = DEST_NONE;
  return e;
}

client_output *client_output_new(const client_output_config *cfg) {
  client_output *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->cfg = *cfg;
  o->sink = (coapx_sink){ on_begin, on_data, on_end, o };
  o->last_byte = -1;
  o->stdout_last = -1;
  return o;
}

const coapx_sink *client_output_sink(client_output *o) { return &o->sink; }

const char *client_output_error(const client_output *o) { return o->err; }

void client_output_abort(client_output *o) {
  if (!o) return;
  client_progress_clear(&o->progress);
  client_outfile_abort(&o->file);
  if (o->dest == DEST_EXEC && o->fp) {
    pclose(o->fp);
    o->fp = NULL;
  } else if (o->dest == DEST_STDERR && o->last_byte >= 0 &&
             o->last_byte != '\n') {
    fputc('\n', stderr);
  } else if (o->dest == DEST_STDOUT && o->buffering && o->len) {
    /* An interrupted transfer: what arrived is not held back. */
    show_as_hex(o, false);
    emit(o, o->buf, o->len);
    end_hex(o);
  } else if (o->dest == DEST_STDOUT) {
    end_hex(o);
  }
  o->dest = DEST_NONE;
  o->buffering = false;
}

bool client_output_flush(client_output *o) {
  if (fflush(stdout) != 0) {
    io_fail(o, "cannot write", "to standard output");
    return false;
  }
  return true;
}

void client_output_free(client_output *o) {
  if (!o) return;
  client_output_abort(o);
  free(o->buf);
  free(o);
}
