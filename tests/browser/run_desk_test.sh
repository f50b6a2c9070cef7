#!/usr/bin/env bash
# Runs the desk web UI's browser test (desk_test.mjs) against a freshly
# initialised desk node on an ephemeral port of 127.0.0.1.
#
# Usage: tests/browser/run_desk_test.sh HOSO_NODE_BIN
#
# Uses Debian's Chromium at /usr/bin/chromium (tools/deps --browser installs
# it) and playwright-core (browser_env.sh). The screenshots stay in the
# printed directory for people to look at.
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 HOSO_NODE_BIN (an executable)" >&2
  exit 2
fi
BIN="$(realpath "$1")"
source "$(dirname "${BASH_SOURCE[0]}")/browser_env.sh"
browser_env_init desk-browser-test

"$BIN" init --data "$TMP/desk" --unit-code 000.00.17.H29 \
  --name "Bộ phận một cửa Sở Công Thương" --role desk \
  --province "Thành phố Hồ Chí Minh" >/dev/null
browser_start_server "$BIN" serve --data "$TMP/desk" --listen 127.0.0.1:0

mkdir -p "$TMP/screenshots"
echo "# desk node at $URL; screenshots in $TMP/screenshots"
browser_run_test desk_test.mjs "$URL" "$TMP/screenshots"
