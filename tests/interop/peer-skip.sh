# peer_skip PEER REASON... : a peer test that cannot run (sourced, not run).
#
# On a machine without the peer it skips (exit 77) with the reason. When
# tests/interop/peers.sh prepared that peer (OSCORE_PEERS_REQUIRED lists
# it, as in CI), not running is a failure (exit 1): a test that quietly
# skips there would check nothing that gates a landing.
peer_skip() {
  local peer=$1
  shift
  if [[ " ${OSCORE_PEERS_REQUIRED:-} " == *" $peer "* ]]; then
    echo "FAIL: cannot run although $peer was prepared (OSCORE_PEERS_REQUIRED=$OSCORE_PEERS_REQUIRED): $*" >&2
    exit 1
  fi
  echo "SKIP: $*" >&2
  exit 77
}
