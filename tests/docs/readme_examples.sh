#!/usr/bin/env bash
# Runs the README's commands so that the README cannot rot.
#
#   readme_examples.sh examples   every ```sh block outside "Quick start", in
#                                 order, as one `set -e` shell session in an
#                                 empty directory, inside a private network
#                                 namespace (so the examples' default port
#                                 5683 on localhost is free and nothing
#                                 leaves the machine), built programs on PATH
#   readme_examples.sh quickstart the "Quick start" block: exactly two
#                                 commands; the demo is run (with this build
#                                 directory), the test command is checked to
#                                 be the one .ci/run calls (running it here
#                                 would recurse)
# Needs SRCDIR and BUILDDIR (set by meson). Exit 77 (skip) when a private
# network namespace cannot be made (not root).
set -euo pipefail
mode=${1:?usage: readme_examples.sh examples|quickstart}
readme=$SRCDIR/README.md

# Print the bodies of the ```sh blocks; $1 = "quick" for the Quick start
# section's blocks, "rest" for all others.
sh_blocks() {
  awk -v want="$1" '
    /^## / { quick = ($0 ~ /^## Quick start/) }
    /^```sh$/ { inblock = 1; next }
    /^```/ { inblock = 0; next }
    inblock && ((want == "quick") == quick) { print }
  ' "$readme"
}

case "$mode" in
quickstart)
  mapfile -t cmds < <(sh_blocks quick | sed 's/[[:space:]]*#.*$//' | grep -v '^[[:space:]]*$')
  if [ "${#cmds[@]}" -ne 2 ]; then
    echo "README quick start has ${#cmds[@]} commands, expected 2" >&2
    exit 1
  fi
  [ "${cmds[0]}" = "bash tools/demo.sh" ] || { echo "first command is '${cmds[0]}'" >&2; exit 1; }
  [ "${cmds[1]}" = "bash tests/run-all.sh" ] || { echo "second command is '${cmds[1]}'" >&2; exit 1; }
  grep -q 'tests/run-all.sh' "$SRCDIR/.ci/run" || { echo ".ci/run does not call tests/run-all.sh" >&2; exit 1; }
  out=$(cd "$SRCDIR" && BUILDDIR=$BUILDDIR bash tools/demo.sh 2>&1) || {
    echo "$out" >&2; echo "tools/demo.sh failed" >&2; exit 1; }
  echo "$out"
  # The demo must really have fetched the file through OSCORE as :client1.
  grep -q '^Hello from oscore-fileserver' <<<"$out" || { echo "demo fetched no file" >&2; exit 1; }
  grep -q ':client1 GET /hello.txt -> 2.05' <<<"$out" || { echo "demo request not authenticated" >&2; exit 1; }
  grep -q 'OSCORE-verified' <<<"$out" || { echo "demo response not verified" >&2; exit 1; }
  ;;
examples)
  if ! unshare --net true 2>/dev/null; then
    echo "SKIP: cannot create a private network namespace (needs root)"
    exit 77
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  sh_blocks rest > "$work/session.sh"
  [ -s "$work/session.sh" ] || { echo "no sh blocks found in README" >&2; exit 1; }
  mkdir "$work/run"
  export PATH="$BUILDDIR/src/client:$BUILDDIR/src/fileserver:$BUILDDIR/tools:$PATH"
  # A fresh namespace has only a loopback device, down: bring it up and run
  # the session; any failing command fails the test (set -e), and the whole
  # session is bounded in time.
  cd "$work/run"
  if ! timeout 120 unshare --net bash -c \
      'ip link set lo up && set -euo pipefail && source "$1"' _ "$work/session.sh"; then
    echo "README session failed; it was:" >&2
    cat -n "$work/session.sh" >&2
    exit 1
  fi
  echo "README examples: $(grep -c . "$work/session.sh") lines ran"
  ;;
*)
  echo "usage: readme_examples.sh examples|quickstart" >&2
  exit 2
  ;;
esac
