/* --tls-server-certificate / --tls-server-key of both servers. */
#include "coapx_cli.h"

#include <stdio.h>
#include <string.h>

bool coapx_cli_tls_paired(const char *cert_file, const char *key_file,
                          char *why, size_t why_len) {
  if (!cert_file == !key_file) return true;
  snprintf(why, why_len, "%s needs %s too",
           cert_file ? "--tls-server-certificate" : "--tls-server-key",
           cert_file ? "--tls-server-key" : "--tls-server-certificate");
  return false;
}

bool coapx_cli_tls_load(const char *cert_file, const char *key_file,
                        coapx_cli_tls *t, store_diag *diag, char *why,
                        size_t why_len) {
  memset(t, 0, sizeof *t);
  if (!cert_file || !key_file)
    return coapx_cli_tls_paired(cert_file, key_file, why, why_len);
  store_err e = store_keyfile_read(cert_file, "--tls-server-certificate",
                                   false, &t->cert, &t->cert_len, diag);
  if (e == STORE_OK)
    e = store_keyfile_read(key_file, "--tls-server-key", true, &t->key,
                           &t->key_len, diag);
  if (e != STORE_OK) {
    snprintf(why, why_len, "%s", diag->msg);
    coapx_cli_tls_free(t);
    return false;
  }
  return true;
}

void coapx_cli_tls_apply(const coapx_cli_tls *t, coapx_server_config *cfg) {
  cfg->tls_cert_pem = t->cert;
  cfg->tls_cert_len = t->cert_len;
  cfg->tls_key_pem = t->key;
  cfg->tls_key_len = t->key_len;
}

void coapx_cli_tls_free(coapx_cli_tls *t) {
  store_keyfile_free(t->cert, t->cert_len);
  store_keyfile_free(t->key, t->key_len);
  memset(t, 0, sizeof *t);
}
