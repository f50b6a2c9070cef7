# Shared by the run_*_test.sh scripts (sourced, not run): checks Chromium,
# installs playwright-core from package-lock.json only when it is missing
# (npm ci, so a machine that already has it needs no network), makes a
# temporary directory and starts a Hoso server on an ephemeral port of
# 127.0.0.1, killed on exit.
#
#   browser_env_init NAME       sets HERE and TMP; Chromium and npm checks
#   browser_start_server CMD... runs CMD (a serve command) and sets URL and
#                               SERVER_PID from its "listening on URL" line
#   browser_run_test SCRIPT ARG...  node SCRIPT ARG...; the server's stderr
#                               is shown when it fails; exits with its status

readonly kStartTimeoutS=20
SERVER_PID=""
URL=""

browser_env_cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  # Screenshots stay for people to look at; everything else goes.
  find "$TMP" -mindepth 1 -maxdepth 1 ! -name screenshots -exec rm -rf {} +
  rmdir "$TMP" 2>/dev/null || true
}

browser_env_init() {
  BROWSER_TEST_NAME=$1
  HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
  if [[ ! -x /usr/bin/chromium && -z "${HOSO_CHROMIUM:-}" ]]; then
    echo "$BROWSER_TEST_NAME: /usr/bin/chromium is missing (install it: tools/deps --browser)" >&2
    exit 1
  fi
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/hoso-$BROWSER_TEST_NAME.XXXXXX")"
  trap browser_env_cleanup EXIT
  trap 'exit 130' INT TERM
  if [[ ! -d "$HERE/node_modules/playwright-core" ]]; then
    if ! npm ci --prefix "$HERE" --no-audit --no-fund --loglevel=error >"$TMP/npm.log" 2>&1; then
      cat "$TMP/npm.log" >&2
      echo "$BROWSER_TEST_NAME: npm ci failed (is the npm registry reachable?)" >&2
      exit 1
    fi
  fi
}

browser_start_server() {
  "$@" >"$TMP/server.out" 2>"$TMP/server.err" &
  SERVER_PID=$!
  local deadline=$((SECONDS + kStartTimeoutS)) line
  while (( SECONDS < deadline )); do
    line="$(head -n 1 "$TMP/server.out" 2>/dev/null || true)"
    if [[ "$line" == "listening on "* ]]; then
      URL="${line#listening on }"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "$BROWSER_TEST_NAME: $1 exited before listening:" >&2
      cat "$TMP/server.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$BROWSER_TEST_NAME: $1 did not print its URL within ${kStartTimeoutS} s" >&2
  cat "$TMP/server.err" >&2
  exit 1
}

browser_run_test() {
  local status=0
  node "$HERE/$1" "${@:2}" || status=$?
  if [[ $status -ne 0 ]]; then
    echo "# server stderr:" >&2
    tail -n 40 "$TMP/server.err" >&2 || true
  fi
  exit "$status"
}
