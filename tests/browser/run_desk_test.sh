#!/usr/bin/env bash
# Runs the desk web UI's browser test (desk_test.mjs) against a freshly
# initialised desk node on an ephemeral port of 127.0.0.1.
#
# Usage: tests/browser/run_desk_test.sh HOSO_NODE_BIN
#
# Installs playwright-core from package-lock.json only when it is missing
# (npm ci), so a machine that already has it needs no network. Uses Debian's
# Chromium at /usr/bin/chromium (tools/deps --browser installs it).
# The node's data directory is removed afterwards; the screenshots stay in
# the printed directory for people to look at.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 HOSO_NODE_BIN" >&2
  exit 2
fi
BIN="$(realpath "$1")"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly kStartTimeoutS=20

if [[ ! -x "$BIN" ]]; then
  echo "run_desk_test: $BIN is not an executable" >&2
  exit 2
fi
if [[ ! -x /usr/bin/chromium && -z "${HOSO_CHROMIUM:-}" ]]; then
  echo "run_desk_test: /usr/bin/chromium is missing (install it: tools/deps --browser)" >&2
  exit 1
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/hoso-browser.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP/desk" "$TMP/server.out" "$TMP/server.err"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ ! -d "$HERE/node_modules/playwright-core" ]]; then
  if ! npm ci --prefix "$HERE" --no-audit --no-fund --loglevel=error >"$TMP/npm.log" 2>&1; then
    cat "$TMP/npm.log" >&2
    echo "run_desk_test: npm ci failed (is the npm registry reachable?)" >&2
    exit 1
  fi
  rm -f "$TMP/npm.log"
fi

"$BIN" init --data "$TMP/desk" --unit-code 000.00.17.H29 \
  --name "Bộ phận một cửa Sở Công Thương" --role desk \
  --province "Thành phố Hồ Chí Minh" >/dev/null

"$BIN" serve --data "$TMP/desk" --listen 127.0.0.1:0 >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!

# The node prints "listening on http://127.0.0.1:PORT" as its first line.
URL=""
deadline=$((SECONDS + kStartTimeoutS))
while (( SECONDS < deadline )); do
  line="$(head -n 1 "$TMP/server.out" 2>/dev/null || true)"
  if [[ "$line" == "listening on "* ]]; then
    URL="${line#listening on }"
    break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run_desk_test: hoso-node serve exited before listening:" >&2
    cat "$TMP/server.err" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$URL" ]]; then
  echo "run_desk_test: hoso-node serve did not print its URL within ${kStartTimeoutS} s" >&2
  cat "$TMP/server.err" >&2
  exit 1
fi

mkdir -p "$TMP/screenshots"
echo "# desk node at $URL; screenshots in $TMP/screenshots"
status=0
node "$HERE/desk_test.mjs" "$URL" "$TMP/screenshots" || status=$?
if [[ $status -ne 0 ]]; then
  echo "# hoso-node serve stderr:" >&2
  tail -n 40 "$TMP/server.err" >&2 || true
fi
exit "$status"
