# Sourced by shell tests that need one OSCORE context pair.
#
# make_context_pair: ctx/client (sender ID 01, recipient ID empty) and
# ctx/server (the reverse) in aiocoap's directory format, sharing a fresh
# random master secret; secret files made 0600 whatever the umask.
make_context_pair() {
  local secret
  secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  mkdir -p ctx/client ctx/server
  printf '{"sender-id_hex": "01", "recipient-id_hex": ""}\n' \
    > ctx/client/settings.json
  printf '{"sender-id_hex": "", "recipient-id_hex": "01"}\n' \
    > ctx/server/settings.json
  (umask 077
   printf '{"secret_hex": "%s"}\n' "$secret" > ctx/client/secret.json
   printf '{"secret_hex": "%s"}\n' "$secret" > ctx/server/secret.json)
}
