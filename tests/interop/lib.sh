# Shared helpers of the interop scripts (sourced, not run).
#
# Peers are found only through environment variables (tests/interop/peers.sh
# prints them); a script whose peer is not configured skips with 77, or
# fails when peers.sh prepared that peer (peer-skip.sh).
# Our programs come from $PLUGTEST_SERVER, $OSCORE_CLIENT and
# $OSCORE_FILESERVER (meson sets them; run-all.sh derives them from
# $BUILDDIR). Results go to $INTEROP_RESULTS (a directory), one
# tab-separated file per suite: suite, test, result, note; result is pass,
# fail, deviation (fails the peer's own check for a documented reason, the
# behaviour the specification asks for was verified instead) or skip.

set -u

INTEROP_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INTEROP_PIDS=()
INTEROP_TMP=""
INTEROP_FAILED=0

. "$INTEROP_SRC/peer-skip.sh"
# The peers this script plays against (interop_need names them): a skip
# fails when peers.sh prepared one of them.
INTEROP_PEERS=""

# interop_transport BASE: SUITE (BASE, with -tcp, -dtls or -tls after it)
# and SCHEME for INTEROP_TRANSPORT (udp, the default; tcp; dtls; tls).
interop_transport() {
  SUITE=$1 SCHEME=coap
  case "${INTEROP_TRANSPORT:-udp}" in
    udp) ;;
    tcp) SUITE=$1-tcp SCHEME=coap+tcp ;;
    dtls) SUITE=$1-dtls SCHEME=coaps ;;
    tls) SUITE=$1-tls SCHEME=coaps+tcp ;;
    *) echo "INTEROP_TRANSPORT: '$INTEROP_TRANSPORT' is none of udp, tcp, dtls, tls" >&2
       exit 2 ;;
  esac
}

interop_skip() {
  local p
  for p in $INTEROP_PEERS; do
    [[ " ${OSCORE_PEERS_REQUIRED:-} " == *" $p "* ]] && peer_skip "$p" "$@"
  done
  peer_skip "${INTEROP_PEERS%% *}" "$@"
}

# interop_need VAR... : skip unless every variable is set and non-empty;
# AIOCOAP_* and LIBCOAP_* also name the script's peers.
interop_need() {
  local missing=()
  local v
  for v in "$@"; do
    case $v in
      AIOCOAP_*) [[ " $INTEROP_PEERS " == *" aiocoap "* ]] || INTEROP_PEERS+=" aiocoap" ;;
      LIBCOAP_*) [[ " $INTEROP_PEERS " == *" libcoap "* ]] || INTEROP_PEERS+=" libcoap" ;;
    esac
  done
  INTEROP_PEERS=${INTEROP_PEERS# }
  for v in "$@"; do
    [ -n "${!v:-}" ] || missing+=("$v")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    interop_skip "${missing[*]} not set (peer not prepared: run" \
      "'eval \"\$(bash tests/interop/peers.sh)\"' first; it needs ../shared/peers or network)"
  fi
}

# interop_need_file PATH WHAT : skip when one of our programs is not built.
interop_need_file() {
  [ -x "$1" ] || interop_skip "$2 not found at '$1' (not built yet?)"
}

interop_cleanup() {
  interop_stop_all
  if [ -n "$INTEROP_TMP" ] && [ -d "$INTEROP_TMP" ] && [ -z "${INTEROP_KEEP:-}" ]; then
    rm -rf "$INTEROP_TMP"
  fi
}

# Make $INTEROP_TMP and stop our servers / remove it on exit.
interop_init() {
  INTEROP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/oscore-interop-XXXXXX")
  trap interop_cleanup EXIT
  trap 'exit 130' INT TERM
  : "${INTEROP_RESULTS:=${INTEROP_TMP}/results}"
  mkdir -p "$INTEROP_RESULTS"
}

# interop_record SUITE TEST RESULT [NOTE]
interop_record() {
  local suite=$1 test=$2 result=$3 note=${4:-}
  printf '%s\t%s\t%s\t%s\n' "$suite" "$test" "$result" "$note" \
    >> "$INTEROP_RESULTS/$suite.tsv"
  printf '%-28s %-6s %-9s %s\n' "$suite" "$test" "$result" "$note"
  [ "$result" = fail ] && INTEROP_FAILED=$((INTEROP_FAILED + 1))
  return 0
}

# interop_reset_results SUITE : forget an earlier run of SUITE.
interop_reset_results() {
  rm -f "$INTEROP_RESULTS/$1.tsv"
}

# interop_track PID : remember a process we started (stopped on exit).
interop_track() {
  INTEROP_PIDS+=("$1")
}

# interop_stop PID : SIGTERM one of our processes, wait at most 10 s, then
# SIGKILL. Only PIDs we started are ever signalled.
interop_stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

interop_stop_all() {
  local pid
  for pid in "${INTEROP_PIDS[@]+"${INTEROP_PIDS[@]}"}"; do
    interop_stop "$pid"
  done
  INTEROP_PIDS=()
}

# interop_wait_line FILE REGEX SECONDS : wait until FILE has a line matching
# REGEX (grep -E); false on timeout.
interop_wait_line() {
  local file=$1 re=$2 limit=$3 i
  for i in $(seq 1 $((limit * 20))); do
    grep -Eq "$re" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# A fresh copy of our plugtest credentials (contexts B and D) in DIR.
interop_plugtest_credentials() {
  local dir=$1
  mkdir -p "$dir"
  cp -r "$INTEROP_SRC/../../tools/plugtest-credentials/." "$dir/"
  rm -f "$dir"/*/sequence.json "$dir"/*/lock
  chmod 600 "$dir"/*/secret.json
}

# interop_plugtest_start NAME BIND [ARGS...] : start our plugtest server,
# wait for its ready line, set PT_PORT (the first endpoint's port) and
# PT_PID. Output in $INTEROP_TMP/NAME.out / NAME.err.
interop_plugtest_start() {
  local name=$1 bind=$2
  shift 2
  "$PLUGTEST_SERVER" --bind "$bind" -v "$@" \
    > "$INTEROP_TMP/$name.out" 2> "$INTEROP_TMP/$name.err" &
  PT_PID=$!
  interop_track "$PT_PID"
  if ! interop_wait_line "$INTEROP_TMP/$name.out" ': ready on ' 10; then
    echo "oscore-plugtest-server ($name) did not become ready:" >&2
    cat "$INTEROP_TMP/$name.err" >&2
    return 1
  fi
  PT_PORT=$(sed -n 's/.*: ready on [^ ]*:\([0-9][0-9]*\)[ ].*/\1/p' \
    "$INTEROP_TMP/$name.out" | head -n 1)
  [ -n "$PT_PORT" ]
}

# The exit status of a suite: 1 when a test failed, else 0.
interop_exit() {
  if [ "$INTEROP_FAILED" -gt 0 ]; then
    echo "$INTEROP_FAILED test(s) failed" >&2
    exit 1
  fi
  exit 0
}

# interop_free_port : a UDP port on 127.0.0.1 that was free a moment ago
# (for peers that do not report the port they got).
interop_free_port() {
  /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# interop_pair DIR OUR-SENDER-HEX OUR-RECIPIENT-HEX : one fresh security
# context (random secret and salt) in both formats: DIR/ours/ (aiocoap's
# context directory, for our programs and aiocoap), and the other end twice:
# DIR/libcoap.conf (coap-oscore-conf(5), for libcoap's -E) and DIR/peer/
# (aiocoap's format).
interop_pair() {
  local dir=$1 s=$2 r=$3 secret salt
  secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  salt=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
  mkdir -p "$dir/ours" "$dir/peer"
  ( umask 077
    printf '{"sender-id_hex": "%s", "recipient-id_hex": "%s"}\n' "$r" "$s" > "$dir/peer/settings.json"
    printf '{"secret_hex": "%s", "salt_hex": "%s"}\n' "$secret" "$salt" > "$dir/peer/secret.json"
    printf '{"sender-id_hex": "%s", "recipient-id_hex": "%s"}\n' "$s" "$r" > "$dir/ours/settings.json"
    printf '{"secret_hex": "%s", "salt_hex": "%s"}\n' "$secret" "$salt" > "$dir/ours/secret.json"
    printf 'master_secret,hex,"%s"\nmaster_salt,hex,"%s"\nsender_id,hex,"%s"\nrecipient_id,hex,"%s"\nreplay_window,integer,32\naead_alg,integer,10\nhkdf_alg,integer,-10\n' \
      "$secret" "$salt" "$r" "$s" > "$dir/libcoap.conf" )
}

# interop_fileserver_start LOG BIND ARGS... : start oscore-fileserver -v,
# its log appended to LOG; wait for its "listening on" line; set FS_PID
# and FS_PORT.
interop_fileserver_start() {
  local log=$1 bind=$2 before i
  shift 2
  touch "$log"
  before=$(grep -c 'listening on' "$log")
  "$OSCORE_FILESERVER" -v --bind "$bind" "$@" > /dev/null 2>> "$log" &
  FS_PID=$!
  interop_track "$FS_PID"
  for i in $(seq 1 100); do
    [ "$(grep -c 'listening on' "$log")" -gt "$before" ] && break
    sleep 0.1
  done
  # "listening on 127.0.0.1:P", or "... coap+tcp://127.0.0.1:P" for TCP,
  # "... coaps://127.0.0.1:P" for DTLS.
  FS_PORT=$(sed -n 's|.*listening on \(coap[+a-z]*://\)\{0,1\}127\.0\.0\.1:\([0-9][0-9]*\).*|\2|p' "$log" | tail -n 1)
  [ "$(grep -c 'listening on' "$log")" -gt "$before" ] && [ -n "$FS_PORT" ]
}

# interop_log_mark LOG / interop_log_requests : the request lines our
# server logged since the mark (one per line: peer identity method path).
interop_log_mark() { INTEROP_LOG=$1; INTEROP_LOG_MARK=$(wc -l < "$1"); }
interop_log_requests() {
  tail -n +"$((INTEROP_LOG_MARK + 1))" "$INTEROP_LOG" | grep -E ' (GET|PUT|POST|DELETE|FETCH|iPATCH|PATCH) '
}
# interop_log_all_from IDENTITY : there were requests since the mark, and
# every one came through OSCORE from IDENTITY (not "anonymous").
interop_log_all_from() {
  local new
  new=$(interop_log_requests)
  [ -n "$new" ] && ! grep -vq " $1 " <<< "$new"
}

# interop_aiocoap_proxy_start LOG PROBE-URL : aiocoap-proxy --forward on a
# free port of 127.0.0.1 (retried when the port was taken meanwhile),
# ready once oscore-client fetches PROBE-URL (plain) through it. Sets
# PROXY (coap://127.0.0.1:PORT) and PROXY_PID; false when it never
# forwarded (the proxy's output is in LOG).
interop_aiocoap_proxy_start() {
  local log=$1 probe=$2 port try i
  for try in 1 2 3; do
    port=$(interop_free_port)
    PYTHONPATH="$AIOCOAP_PYTHONPATH" "$AIOCOAP_PYTHON" "$AIOCOAP_DIR/aiocoap-proxy" \
      --forward --bind "127.0.0.1:$port" > "$log" 2>&1 &
    PROXY_PID=$!
    interop_track "$PROXY_PID"
    for i in $(seq 1 50); do
      kill -0 "$PROXY_PID" 2> /dev/null || break
      if "$OSCORE_CLIENT" -q --timeout 1 --proxy "coap://127.0.0.1:$port" "$probe" \
           > /dev/null 2>&1; then
        PROXY="coap://127.0.0.1:$port"
        return 0
      fi
      sleep 0.2
    done
    interop_stop "$PROXY_PID"
  done
  return 1
}
