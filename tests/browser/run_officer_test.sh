#!/usr/bin/env bash
# Runs the officers' web page browser test (officer_test.mjs) against a
# freshly initialised central with one supervisor, on an ephemeral port of
# 127.0.0.1.
#
# Usage: tests/browser/run_officer_test.sh HOSO_CENTRAL_BIN
#
# Needs what run_desk_test.sh needs (Debian's Chromium, playwright-core from
# package-lock.json, installed by npm ci only when missing). The central's
# data directory is removed afterwards.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 HOSO_CENTRAL_BIN" >&2
  exit 2
fi
BIN="$(realpath "$1")"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly kStartTimeoutS=20

if [[ ! -x /usr/bin/chromium && -z "${HOSO_CHROMIUM:-}" ]]; then
  echo "run_officer_test: /usr/bin/chromium is missing (install it: tools/deps --browser)" >&2
  exit 1
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/hoso-officer.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ ! -d "$HERE/node_modules/playwright-core" ]]; then
  if ! npm ci --prefix "$HERE" --no-audit --no-fund --loglevel=error >"$TMP/npm.log" 2>&1; then
    cat "$TMP/npm.log" >&2
    echo "run_officer_test: npm ci failed (is the npm registry reachable?)" >&2
    exit 1
  fi
fi

"$BIN" init --data "$TMP/central" >/dev/null
printf 'Mùa xuân 2026!\n' >"$TMP/password"
"$BIN" user add tran.thi.lan --data "$TMP/central" --role supervisor --unit 000.00.17.H29 \
  --name "Trần Thị Lan" --password-file "$TMP/password" >/dev/null

"$BIN" serve --data "$TMP/central" --listen 127.0.0.1:0 >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!

URL=""
deadline=$((SECONDS + kStartTimeoutS))
while (( SECONDS < deadline )); do
  line="$(head -n 1 "$TMP/server.out" 2>/dev/null || true)"
  if [[ "$line" == "listening on "* ]]; then
    URL="${line#listening on }"
    break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run_officer_test: hoso-central serve exited before listening:" >&2
    cat "$TMP/server.err" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$URL" ]]; then
  echo "run_officer_test: hoso-central serve did not print its URL within ${kStartTimeoutS} s" >&2
  exit 1
fi

status=0
node "$HERE/officer_test.mjs" "$URL" || status=$?
if [[ $status -ne 0 ]]; then
  echo "# hoso-central serve stderr:" >&2
  tail -n 40 "$TMP/server.err" >&2 || true
fi
exit "$status"
