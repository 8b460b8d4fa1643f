#!/usr/bin/env bash
# Every error path of oscore-client's options: the exit status (2 usage,
# 3 configuration, 6 network) and one clear line naming what is wrong.
source "$(dirname "$0")/lib.sh" "$@"

U=coap://127.0.0.1:9/x   # never contacted: parsing fails before

usage() {  # usage NAME EXPECTED-TEXT ARGS...
  local name=$1 text=$2
  shift 2
  run "$name" "$@"
  check "$name: exit 2 and one line naming '$text'" \
    eval 'rc_is '"$name"' 2 && one_line '"$name"' && err_has '"$name"' "$text"'
}

usage method-name "--method: unknown method 'FOO'" -m FOO "$U"
usage method-number "--method: unknown method '32'" --method 32 "$U"
usage method-zero "--method: unknown method '0'" -m 0 "$U"
usage cf "--content-format: unknown content format 'text/foo'" --content-format text/foo "$U"
usage cf-range "--content-format: unknown content format '65536'" --content-format 65536 "$U"
usage accept "--accept: unknown content format 'nope'" --accept nope "$U"
usage szx-bert "--payload-initial-szx: 7 (BERT)" --payload-initial-szx 7 "$U"
usage szx-big "--payload-initial-szx: '9'" --payload-initial-szx 9 "$U"
usage szx-word "--payload-initial-szx: 'big'" --payload-initial-szx big "$U"
usage timeout-zero "--timeout: '0'" --timeout 0 "$U"
usage timeout-word "--timeout: 'soon'" --timeout soon "$U"
usage timeout-neg "--timeout: '-1'" --timeout -1 "$U"
usage no-uri "missing URI" -m GET
usage two-uris "unexpected argument 'coap://b/'" coap://a/ coap://b/
usage unknown-long "unknown option --frobnicate" --frobnicate "$U"
usage unknown-short "unknown option -x" -x "$U"
usage flag-value "option --observe takes no value" --observe=1 "$U"
usage missing-value "--payload: missing value" "$U" --payload
usage output-exec "--output and --observe-exec" -o f --observe-exec cat "$U"
usage empty-exec "--observe-exec: empty command" --observe-exec "" "$U"
usage uri-v6 "invalid URI 'coap://\[::1/': unterminated IPv6 literal" "coap://[::1/"
usage uri-port "invalid URI 'coap://h:99999/': port out of range" coap://h:99999/
usage uri-pct "malformed percent-encoding" "coap://h/a%zz"
usage uri-frag "fragment" "coap://h/a#b"
usage uri-rel "not an absolute URI" "/just/a/path"
usage uri-user "user information" "coap://me@h/"
usage scheme "URI scheme 'coap+ws' is not supported" coap+ws://h/
usage proxy-path "--proxy: 'coap://p/x' has a path" --proxy coap://p/x "$U"
usage proxy-scheme "--proxy: only a coap:// proxy" --proxy http://p/ "$U"
usage payload-missing "--payload: cannot open $TMP/none" --payload "@$TMP/none" "$U"
usage payload-at "--payload: '@' needs a file name" --payload @ "$U"
mkdir "$TMP/dir"
usage payload-dir "--payload: $TMP/dir is a directory" --payload "@$TMP/dir" "$U"

# Configuration errors: exit 3, naming the file.
run creds-missing --credentials "$TMP/nothere.json" "$U"
check "missing credentials file: exit 3 naming it" \
  eval 'rc_is creds-missing 3 && one_line creds-missing && err_has creds-missing "^oscore-client: --credentials: .*$TMP/nothere.json"'
echo '{"coap://*": ' >"$TMP/broken.json"
run creds-broken --credentials "$TMP/broken.json" "$U"
check "malformed credentials file: exit 3" \
  eval 'rc_is creds-broken 3 && one_line creds-broken && err_has creds-broken broken.json'
echo '{"coap://*": {"oscore": {"basedir": "nowhere/"}}}' >"$TMP/nodir.json"
run creds-nodir --credentials "$TMP/nodir.json" "$U"
check "credentials naming a missing context directory: exit 3" \
  eval 'rc_is creds-nodir 3 && err_has creds-nodir nowhere'
echo '{"coap://*": {"dtls": {"psk": {"ascii": "x"}, "client-identity": {"ascii": "y"}}}}' >"$TMP/dtls.json"
run creds-dtls --credentials "$TMP/dtls.json" "$U"
check "dtls credentials for a coap:// URI: exit 3 naming them" \
  eval 'rc_is creds-dtls 3 && err_has creds-dtls "dtls.*only a coaps://"'

# A name that cannot resolve: network failure, exit 6.
run unresolvable --timeout 2 coap://no-such-host.invalid/
check "unresolvable host: exit 6 naming it" \
  eval 'rc_is unresolvable 6 && one_line unresolvable && err_has unresolvable "no-such-host.invalid"'

# Help and version.
run help --help
check "--help: exit 0, usage, grouped, exit statuses, example" \
  eval 'rc_is help 0 && grep -q "^Usage: oscore-client" "$TMP/help.out" && grep -q "^Security:" "$TMP/help.out" && grep -q "Exit status" "$TMP/help.out" && grep -q "^Example:" "$TMP/help.out"'
run help-short -h
check "-h is --help" eval 'rc_is help-short 0 && cmp -s "$TMP/help.out" "$TMP/help-short.out"'
run version --version
check "--version prints the meson version" \
  eval 'rc_is version 0 && grep -Eq "^oscore-client [0-9]+\.[0-9]+" "$TMP/version.out"'

finish
