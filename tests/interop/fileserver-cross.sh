#!/bin/bash
# Fileserver cross-runs with the example credentials of aiocoap's OSCORE
# documentation (our credentials-examples/, used by both sides unchanged):
#
#   fileserver-oscore-client-vs-aiocoap   oscore-client -> aiocoap-fileserver
#   fileserver-aiocoap-client-vs-oscore   aiocoap-client -> oscore-fileserver
#
# Each direction: directory listing (byte-identical to what the other
# client gets from the same server), GET of a 1 MiB file and PUT of another
# (byte-identical, cmp), observe of a file that changes, and a server killed
# with SIGKILL and restarted, which leaves "received": "unknown" in the
# server's sequence.json and so forces the Appendix B.1.2 Echo round trip
# on the next request.
#
# The client map is the one of aiocoap's documentation (doc/stateofoscore.rst,
# a URI pattern straight to {"oscore": {"basedir": ...}}), with the pattern
# widened to any port on 127.0.0.1; both clients use it. (aiocoap-client
# silently sends *unprotected* when the pattern's value is a string
# reference such as ":fileserver": its lookup returns the reference object
# itself, which has no OSCORE context. docs/INTEROP.md.)
#
# Every exchange is checked to have been protected: our client with -v must
# say "OSCORE-verified", our fileserver's -v log must name the peer
# ":client1" (not "anonymous") for every request of aiocoap-client.
#
# The two directions share the client and server context directories, one
# program after the other, so each context's sequence.json is written by
# one implementation and read by the other in between.
#
# aiocoap resolves relative basedirs against the current directory, so its
# programs run inside the credentials directory; ours resolve them against
# the map's directory and run from anywhere.
#
# INTEROP_TRANSPORT=tcp runs the same over coap+tcp:// (issue 18):
# aiocoap-fileserver serves TCP on its UDP port by default (its
# tcpserver transport), ours binds coap+tcp://, the map's pattern names
# coap+tcp.
#
# Needs AIOCOAP_DIR, AIOCOAP_PYTHON, AIOCOAP_PYTHONPATH (skips otherwise),
# OSCORE_CLIENT and OSCORE_FILESERVER.
. "$(dirname "$0")/lib.sh"

S1=fileserver-oscore-client-vs-aiocoap
S2=fileserver-aiocoap-client-vs-oscore
SCHEME=coap
if [ "${INTEROP_TRANSPORT:-udp}" = tcp ]; then
  S1=$S1-tcp
  S2=$S2-tcp
  SCHEME=coap+tcp
fi
interop_need AIOCOAP_DIR AIOCOAP_PYTHON AIOCOAP_PYTHONPATH OSCORE_CLIENT OSCORE_FILESERVER
[ -f "$AIOCOAP_DIR/aiocoap-fileserver" ] || interop_skip "no aiocoap-fileserver in AIOCOAP_DIR"
interop_need_file "$OSCORE_CLIENT" oscore-client
interop_need_file "$OSCORE_FILESERVER" oscore-fileserver
interop_init
interop_reset_results "$S1"
interop_reset_results "$S2"

W="$INTEROP_TMP"
CREDS="$W/creds"
mkdir -p "$CREDS"
cp -r "$INTEROP_SRC/../../credentials-examples/." "$CREDS/"
rm -f "$CREDS"/*/*/sequence.json "$CREDS"/*/*/lock
chmod 600 "$CREDS"/*/*/secret.json
SERVER_CTX="$CREDS/server/from-client1"
MAP="$CREDS/client1-docs.json"
printf '{\n  "%s://127.0.0.1:*": { "oscore": { "basedir": "client1/for-fileserver/" } }\n}\n' "$SCHEME" > "$MAP"

# The served tree (one copy per server, so PUTs stay apart) and the upload.
mkdir -p "$W/tree/subdirectory" "$W/tree/other-directory"
printf 'This is the README of the interop tree.\n' > "$W/tree/README"
head -c 1048576 /dev/urandom > "$W/tree/1mb.bin"
printf 'small\n' > "$W/tree/subdirectory/small.txt"
head -c 1048576 /dev/urandom > "$W/upload.bin"
cp -r "$W/tree" "$W/data-aio"
cp -r "$W/tree" "$W/data-ours"

# Commands as arrays, not shell functions: a function run in the background
# is a subshell whose PID is not the program's, and signals to it would
# miss the program.
AIO_CLIENT=(env -C "$CREDS" "PYTHONPATH=$AIOCOAP_PYTHONPATH" "$AIOCOAP_PYTHON"
            "$AIOCOAP_DIR/aiocoap-client" --credentials "$MAP")
AIO_FILESERVER=(env -C "$CREDS" "PYTHONPATH=$AIOCOAP_PYTHONPATH" "$AIOCOAP_PYTHON"
                "$AIOCOAP_DIR/aiocoap-fileserver")
OURS=("$OSCORE_CLIENT" -v --credentials "$MAP")
# Entries of a link-format listing, one per line, sorted (the servers list
# in different orders: aiocoap in directory order, ours sorted).
entries() { tr ',' '\n' < "$1" | sort; }

# protected FILE : our client's -v output shows a verified OSCORE response.
protected() { grep -q 'OSCORE-verified' "$1"; }

# Our fileserver's -v log: mark where a test starts, then check that every
# request since came from the OSCORE identity (an unprotected one would be
# logged as "anonymous").
FS_LOG="$W/oscore-fileserver.err"
log_mark() { interop_log_mark "$FS_LOG"; }
log_protected() { interop_log_all_from :client1; }
# log_has_challenge : the log since the mark shows the B.1.2 4.01.
log_has_challenge() { interop_log_requests | grep -q ' -> 4\.01'; }

# wait_answer URL : until a plain GET of URL answers (at most 15 s).
wait_answer() {
  local i
  for i in $(seq 1 75); do
    "$OSCORE_CLIENT" --timeout 1 "$1" > /dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# observe_test SUITE OUTFILE FILE-IN-TREE CMD... : start an observing
# client, wait for the first representation, change the file, wait (at
# most 30 s: aiocoap polls every 10 s) for the second, stop it (SIGTERM:
# a background job of a script has SIGINT ignored, and Python keeps it so).
observe_test() {
  local suite=$1 out=$2 file=$3 pid i
  shift 3
  # Both streams: aiocoap-client writes notifications after the first to
  # stderr (a "---" line on stdout marks each).
  "$@" > "$out" 2>&1 &
  pid=$!
  interop_track "$pid"
  if ! interop_wait_line "$out" 'README of the interop tree' 20; then
    interop_record "$suite" observe fail "no first representation: $(head -c 200 "$out" | tr '\n' ' ')"
    interop_stop "$pid"
    return
  fi
  printf 'A second line, written while observed.\n' >> "$file"
  if interop_wait_line "$out" 'written while observed' 30; then
    interop_record "$suite" observe pass "change notified"
  else
    interop_record "$suite" observe fail "no notification after the change: $(head -c 200 "$out" | tr '\n' ' ')"
  fi
  interop_stop "$pid"
}

# ---- oscore-client -> aiocoap-fileserver -------------------------------------

start_aio_fs() {  # start_aio_fs PORT
  "${AIO_FILESERVER[@]}" --write --bind "127.0.0.1:$1" \
    --credentials server.json "$W/data-aio" >> "$W/aiocoap-fileserver.log" 2>&1 &
  AIO_FS_PID=$!
  interop_track "$AIO_FS_PID"
  wait_answer "$SCHEME://127.0.0.1:$1/README"
}

PORT=$(interop_free_port)
if start_aio_fs "$PORT"; then
  URL="$SCHEME://127.0.0.1:$PORT"

  "${OURS[@]}" "$URL/" > "$W/s1-listing" 2> "$W/s1-listing.err"
  rc=$?
  "${AIO_CLIENT[@]}" "$URL/" > "$W/s1-listing-aio" 2>&1
  if [ $rc = 0 ] && protected "$W/s1-listing.err" && cmp -s "$W/s1-listing" "$W/s1-listing-aio" &&
     [ "$(entries "$W/s1-listing")" = "$(printf '%s\n' '</1mb.bin>' '</README>' '</other-directory/>;ct=40' '</subdirectory/>;ct=40' | sort)" ]; then
    interop_record "$S1" listing pass "same bytes as aiocoap-client gets"
  else
    interop_record "$S1" listing fail "exit $rc: '$(head -c 120 "$W/s1-listing")' vs aiocoap-client '$(head -c 120 "$W/s1-listing-aio")'"
  fi

  "${OURS[@]}" -o "$W/s1-1mb.bin" "$URL/1mb.bin" 2> "$W/s1-get.err"
  rc=$?
  if [ $rc = 0 ] && protected "$W/s1-get.err" && cmp -s "$W/s1-1mb.bin" "$W/tree/1mb.bin"; then
    interop_record "$S1" get-1MiB pass "byte-identical"
  else
    interop_record "$S1" get-1MiB fail "exit $rc $(head -c 200 "$W/s1-get.err" | tr '\n' ' ')"
  fi

  "${OURS[@]}" -m PUT --payload "@$W/upload.bin" "$URL/uploaded.bin" > /dev/null 2> "$W/s1-put.err"
  rc=$?
  if [ $rc = 0 ] && protected "$W/s1-put.err" && cmp -s "$W/data-aio/uploaded.bin" "$W/upload.bin"; then
    interop_record "$S1" put-1MiB pass "byte-identical on the server's disk"
  else
    interop_record "$S1" put-1MiB fail "exit $rc $(head -c 200 "$W/s1-put.err" | tr '\n' ' ')"
  fi

  observe_test "$S1" "$W/s1-observe" "$W/data-aio/README" "${OURS[@]}" --observe "$URL/README"

  # Kill without a chance to write its state: sequence.json keeps
  # "received": "unknown", and the restarted server must ask for Echo.
  kill -KILL "$AIO_FS_PID"
  wait "$AIO_FS_PID" 2>/dev/null
  if grep -q '"unknown"' "$SERVER_CTX/sequence.json" 2>/dev/null && start_aio_fs "$PORT"; then
    "${OURS[@]}" -v "$URL/subdirectory/small.txt" > "$W/s1-restart" 2> "$W/s1-restart.err"
    rc=$?
    if [ $rc = 0 ] && protected "$W/s1-restart.err" && [ "$(cat "$W/s1-restart")" = small ] &&
       grep -q 'Echo' "$W/s1-restart.err"; then
      interop_record "$S1" restart-echo pass "4.01 + Echo answered, request repeated"
    else
      interop_record "$S1" restart-echo fail "exit $rc, Echo seen: $(grep -ci echo "$W/s1-restart.err"), $(tail -n 2 "$W/s1-restart.err" | tr '\n' ' ')"
    fi
  else
    interop_record "$S1" restart-echo fail "server state after SIGKILL: $(cat "$SERVER_CTX/sequence.json" 2>&1)"
  fi
  interop_stop "$AIO_FS_PID"
else
  interop_record "$S1" listing fail "aiocoap-fileserver did not answer"
fi

# ---- aiocoap-client -> oscore-fileserver ---------------------------------------

start_our_fs() {  # start_our_fs BIND : sets OUR_FS_PORT, OUR_FS_PID
  interop_fileserver_start "$FS_LOG" "$1" --write --credentials "$CREDS/server.json" \
    "$W/data-ours" || return 1
  OUR_FS_PID=$FS_PID
  OUR_FS_PORT=$FS_PORT
}

if start_our_fs "$SCHEME://127.0.0.1:0"; then
  URL="$SCHEME://127.0.0.1:$OUR_FS_PORT"

  log_mark
  "${AIO_CLIENT[@]}" "$URL/" > "$W/s2-listing" 2> "$W/s2-listing.err"
  rc=$?
  log_protected
  prot=$?
  "${OURS[@]}" "$URL/" > "$W/s2-listing-ours" 2> /dev/null
  if [ $rc = 0 ] && [ $prot = 0 ] && cmp -s "$W/s2-listing" "$W/s2-listing-ours" &&
     [ "$(entries "$W/s2-listing")" = "$(entries "$W/s1-listing-aio")" ]; then
    interop_record "$S2" listing pass "same bytes as oscore-client gets; same entries as aiocoap-fileserver lists"
  else
    interop_record "$S2" listing fail "exit $rc: '$(head -c 120 "$W/s2-listing")' vs '$(head -c 120 "$W/s2-listing-ours")'"
  fi

  log_mark
  "${AIO_CLIENT[@]}" "$URL/1mb.bin" > "$W/s2-1mb.bin" 2> "$W/s2-get.err"
  rc=$?
  if [ $rc = 0 ] && log_protected && cmp -s "$W/s2-1mb.bin" "$W/tree/1mb.bin"; then
    interop_record "$S2" get-1MiB pass "byte-identical"
  else
    interop_record "$S2" get-1MiB fail "exit $rc $(tail -n 2 "$W/s2-get.err" | tr '\n' ' ')"
  fi

  log_mark
  "${AIO_CLIENT[@]}" -m PUT --payload "@$W/upload.bin" \
    "$URL/uploaded.bin" > /dev/null 2> "$W/s2-put.err"
  rc=$?
  if [ $rc = 0 ] && log_protected && cmp -s "$W/data-ours/uploaded.bin" "$W/upload.bin"; then
    interop_record "$S2" put-1MiB pass "byte-identical on the server's disk"
  else
    interop_record "$S2" put-1MiB fail "exit $rc $(tail -n 2 "$W/s2-put.err" | tr '\n' ' ')"
  fi

  log_mark
  observe_test "$S2" "$W/s2-observe" "$W/data-ours/README" \
    "${AIO_CLIENT[@]}" --observe "$URL/README"

  if ! log_protected; then
    interop_record "$S2" observe-protected fail "the observation was not OSCORE-protected"
  fi

  kill -KILL "$OUR_FS_PID"
  wait "$OUR_FS_PID" 2>/dev/null
  if grep -q '"unknown"' "$SERVER_CTX/sequence.json" 2>/dev/null &&
     start_our_fs "$SCHEME://127.0.0.1:$OUR_FS_PORT"; then
    log_mark
    "${AIO_CLIENT[@]}" "$URL/subdirectory/small.txt" \
      > "$W/s2-restart" 2> "$W/s2-restart.err"
    rc=$?
    if [ $rc = 0 ] && log_protected && log_has_challenge && [ "$(cat "$W/s2-restart")" = small ]; then
      interop_record "$S2" restart-echo pass "aiocoap-client recovered through Echo"
    else
      interop_record "$S2" restart-echo fail "exit $rc; server log: $(tail -n 3 "$FS_LOG" | tr '\n' ' ')"
    fi
  else
    interop_record "$S2" restart-echo fail "server state after SIGKILL: $(cat "$SERVER_CTX/sequence.json" 2>&1)"
  fi
  interop_stop "$OUR_FS_PID"
else
  interop_record "$S2" listing fail "oscore-fileserver did not start: $(head -c 200 "$FS_LOG")"
fi
interop_exit
