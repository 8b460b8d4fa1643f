# Sourced by the shell tests that observe a file of oscore-fileserver.
#
# observe_file_roundtrip WHAT FILE CLIENT-COMMAND...
#   writes "one" to FILE, runs CLIENT-COMMAND --observe URI (the command
#   ends with the URI of FILE; "--observe" goes before it) in the
#   background, then writes "two" and deletes FILE: checks (harness.sh's
#   check) that the first representation and the notification arrive and
#   that the deletion ends the observation. Uses obs_pid and obs.out.
observe_file_roundtrip() {
  local what=$1 file=$2 uri=${!#} _
  shift 2
  set -- "${@:1:$#-1}" --observe "$uri"
  echo one > "$file"
  rm -f obs.out
  "$@" >obs.out 2>obs.err &
  obs_pid=$!
  for _ in $(seq 1 250); do
    grep -q one obs.out 2>/dev/null && break; sleep 0.02; done
  echo two > "$file"
  for _ in $(seq 1 250); do
    grep -q two obs.out 2>/dev/null && break; sleep 0.02; done
  check "$what: observe, first representation" grep -q one obs.out
  check "$what: observe, notification after the change" grep -q two obs.out
  # Deleting the file ends the observation (4.04): the client exits.
  rm -f "$file"
  for _ in $(seq 1 250); do
    kill -0 "$obs_pid" 2>/dev/null || break; sleep 0.02; done
  check "$what: observe ends when the file goes" \
    bash -c "! kill -0 $obs_pid 2>/dev/null"
  kill "$obs_pid" 2>/dev/null
  wait "$obs_pid" 2>/dev/null
  obs_pid=
}
