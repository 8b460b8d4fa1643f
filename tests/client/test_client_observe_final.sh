#!/usr/bin/env bash
# --observe against a server that ends the observation as libcoap 4.3.5's
# do (issue 13 item 11): a final 5.00 without Observe that reuses the
# request's nonce, so it has no partial IV. RFC 8613 §8.4: a verified
# response without inner Observe is the final response; the observation
# ends with its exit status (5) instead of waiting for ever. A notification
# with Observe but no partial IV is still dropped. An explicit --timeout
# bounds the wait for each notification (exit 6).
# Arguments: CLIENT TESTSERVER OBS_FINAL_SERVER
source "$(dirname "$0")/lib.sh" "$@"
OBS_FINAL=${3:?obs_final_server path}

make_creds
C="$TMP/creds/client1-anyport.json"
SCTX="$TMP/creds/server/from-client1"

# start_final NAME [MODE]: the raw server on its own port; sets PORT.
start_final() {
  local name=$1
  shift
  "$OBS_FINAL" "$SCTX" "$@" >"$TMP/$name.sout" 2>"$TMP/$name.serr" &
  FPID=$!
  PIDS+=("$FPID")
  for _ in $(seq 1 200); do
    grep -q '^port ' "$TMP/$name.sout" 2>/dev/null && break
    sleep 0.05
  done
  PORT=$(awk '/^port/ {print $2}' "$TMP/$name.sout")
  [ -n "$PORT" ] || { echo "Bail out! obs_final_server did not start"; cat "$TMP/$name.serr"; exit 1; }
}

# The client is bounded from outside: before the fix it waited for ever.
start_final final
timeout 60 "$CLIENT" -v --credentials "$C" --observe \
  "coap://127.0.0.1:$PORT/oscore/observe1" >"$TMP/final.out" 2>"$TMP/final.err" </dev/null
echo $? >"$TMP/final.rc"
wait "$FPID"
check "final 5.00 without partial IV ends the observation with exit 5" \
  eval 'rc_is final 5 && out_is final "one" && err_has final "5.00" && err_has final "Terminate Observe"'

start_final nopiv observe-nopiv
timeout 60 "$CLIENT" -v --credentials "$C" --observe \
  "coap://127.0.0.1:$PORT/oscore/observe1" >"$TMP/nopiv.out" 2>"$TMP/nopiv.err" </dev/null
echo $? >"$TMP/nopiv.rc"
wait "$FPID"
check "a notification with Observe but no partial IV is dropped, the final one ends it" \
  eval 'rc_is nopiv 5 && out_is nopiv "one" && err_has nopiv "notification without partial IV dropped"'

start_final silent silent
timeout 60 "$CLIENT" --credentials "$C" --observe --timeout 1 \
  "coap://127.0.0.1:$PORT/oscore/observe1" >"$TMP/silent.out" 2>"$TMP/silent.err" </dev/null
echo $? >"$TMP/silent.rc"
kill "$FPID" 2>/dev/null
wait "$FPID" 2>/dev/null
check "--observe --timeout 1: no notification ends it with exit 6, body kept" \
  eval 'rc_is silent 6 && out_is silent "one" && err_has silent "no notification within 1.000 s" && one_line silent'

finish
