#!/usr/bin/env bash
# Runs the officers' web page browser test (officer_test.mjs) against a
# freshly initialised central with one supervisor, on an ephemeral port of
# 127.0.0.1.
#
# Usage: tests/browser/run_officer_test.sh HOSO_CENTRAL_BIN
#
# Needs what run_desk_test.sh needs (browser_env.sh).
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 HOSO_CENTRAL_BIN (an executable)" >&2
  exit 2
fi
BIN="$(realpath "$1")"
source "$(dirname "${BASH_SOURCE[0]}")/browser_env.sh"
browser_env_init officer-browser-test

"$BIN" init --data "$TMP/central" >/dev/null
printf 'Mùa xuân 2026!\n' >"$TMP/password"
"$BIN" user add tran.thi.lan --data "$TMP/central" --role supervisor --unit 000.00.17.H29 \
  --name "Trần Thị Lan" --password-file "$TMP/password" >/dev/null
browser_start_server "$BIN" serve --data "$TMP/central" --listen 127.0.0.1:0

browser_run_test officer_test.mjs "$URL"
