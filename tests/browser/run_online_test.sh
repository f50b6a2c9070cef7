#!/usr/bin/env bash
# Runs the online submission browser test (online_test.mjs) against a freshly
# initialised central with one reception officer of the online unit, on an
# ephemeral port of 127.0.0.1.
#
# Usage: tests/browser/run_online_test.sh HOSO_CENTRAL_BIN
#
# Needs what run_desk_test.sh needs (browser_env.sh).
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 HOSO_CENTRAL_BIN (an executable)" >&2
  exit 2
fi
BIN="$(realpath "$1")"
source "$(dirname "${BASH_SOURCE[0]}")/browser_env.sh"
browser_env_init online-browser-test

"$BIN" init --data "$TMP/central" >/dev/null
printf 'Mùa xuân 2026!\n' >"$TMP/password"
"$BIN" user add le.van.nhan --data "$TMP/central" --role officer --unit 000.00.00.TT \
  --name "Lê Văn Nhận" --password-file "$TMP/password" >/dev/null
browser_start_server "$BIN" serve --data "$TMP/central" --listen 127.0.0.1:0

browser_run_test online_test.mjs "$URL"
