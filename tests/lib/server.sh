# Sourced by shell tests that start one of our servers on port 0.
#
# server_wait_port PID FILE [WORD]: wait until FILE has the server's
# "WORD 127.0.0.1:PORT" line (WORD: "listening on", oscore-fileserver's
# stderr, the default; "ready on", oscore-plugtest-server's stdout) and set
# PORT from its last such line. Gives up (status 1) when the server exits
# or after 500 polls (about 10 s on an idle machine).
server_wait_port() {
  local pid=$1 file=$2 word=${3:-listening on} _
  PORT=
  for _ in $(seq 1 500); do
    PORT=$(sed -n "s/.*$word 127\\.0\\.0\\.1:\\([0-9][0-9]*\\).*/\\1/p" \
             "$file" 2>/dev/null | tail -n 1)
    [ -n "$PORT" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}
