#!/usr/bin/env bash
# Runs the courier page's browser test (courier_test.mjs) on the real flow of
# a result returned by post: a central with a supervisor, an officer and a
# dispatcher of unit 000.00.17.H29 and a waybill range; a desk node and a
# courier node enrolled with it. A dossier is taken in at the desk with return
# by post (`hoso-node intake`) and synced (`hoso-node sync --once`); the
# supervisor assigns it, the officer records the result (the central creates
# the shipment), the dispatcher assigns the shipment to the courier node
# (`POST /api/dispatch/shipments/{waybill}/assign`), and the courier node
# syncs its assignment in and serves its page. The test then works the page
# and checks the node, the central and the tracking JSON.
#
# Usage: tests/browser/run_courier_test.sh HOSO_CENTRAL_BIN HOSO_NODE_BIN
#
# Needs what run_desk_test.sh needs (browser_env.sh).
set -euo pipefail

if [[ $# -ne 2 || ! -x "$1" || ! -x "$2" ]]; then
  echo "usage: $0 HOSO_CENTRAL_BIN HOSO_NODE_BIN (executables)" >&2
  exit 2
fi
CENTRAL="$(realpath "$1")"
NODE="$(realpath "$2")"
source "$(dirname "${BASH_SOURCE[0]}")/browser_env.sh"
browser_env_init courier-browser-test
readonly kUnit=000.00.17.H29
readonly kCourierUnit=000.00.17.H29.BC
DATA_DIR="${HOSO_DATA_DIR:-$HERE/../../schema/data}"

COURIER_PID=""
courier_cleanup() {
  if [[ -n "$COURIER_PID" ]] && kill -0 "$COURIER_PID" 2>/dev/null; then
    kill "$COURIER_PID" 2>/dev/null || true
    wait "$COURIER_PID" 2>/dev/null || true
  fi
  browser_env_cleanup
}
trap courier_cleanup EXIT

fail() {
  echo "courier-browser-test: $*" >&2
  exit 1
}

# json_field FILE EXPR: prints EXPR of the JSON in FILE (from its first '{').
json_field() {
  node -e '
const s = require("fs").readFileSync(process.argv[1], "utf8");
const o = JSON.parse(s.slice(s.indexOf("{")));
const v = eval(process.argv[2]);
if (v === undefined || v === null) process.exit(1);
process.stdout.write(String(v));
' "$1" "$2"
}

# post PATH TOKEN BODY OUT: a JSON POST to the central; fails on a non-2xx.
post() {
  local code
  code=$(curl -sS -o "$4" -w '%{http_code}' -X POST "$URL$1" \
    -H 'Content-Type: application/json' ${2:+-H "Authorization: Bearer $2"} -d "$3")
  [[ $code == 2* ]] || fail "POST $1 answered $code: $(cat "$4")"
}

login() {  # login USERNAME: prints a session token
  post /api/auth/login "" "{\"username\":\"$1\",\"password\":\"Mùa xuân 2026!\"}" "$TMP/login.json"
  json_field "$TMP/login.json" o.token
}

"$CENTRAL" init --data "$TMP/central" >/dev/null
printf 'Mùa xuân 2026!\n' >"$TMP/password"
"$CENTRAL" user add tran.thi.lan --data "$TMP/central" --role supervisor --unit "$kUnit" \
  --name "Trần Thị Lan" --password-file "$TMP/password" >/dev/null
"$CENTRAL" user add do.minh.khoa --data "$TMP/central" --role officer --unit "$kUnit" \
  --name "Đỗ Minh Khoa" --password-file "$TMP/password" >/dev/null
"$CENTRAL" user add dieu.phoi --data "$TMP/central" --role dispatcher --unit "$kUnit" \
  --name "Phạm Điều Phối" --password-file "$TMP/password" >/dev/null
"$CENTRAL" waybill add-range --data "$TMP/central" --prefix EB --first 10000000 \
  --last 10099999 >/dev/null
browser_start_server "$CENTRAL" serve --data "$TMP/central" --listen 127.0.0.1:0

enrol() {  # enrol NAME ROLE UNIT
  "$NODE" init --data "$TMP/$1" --unit-code "$3" --name "Nút $1" --role "$2" \
    --province "Thành phố Hồ Chí Minh" --node-id "$1" >/dev/null
  local token
  token=$("$CENTRAL" node add --data "$TMP/central" --id "$1" --unit-code "$3" \
    --role "$2" 2>/dev/null)
  "$NODE" enroll --data "$TMP/$1" --central "$URL" --token "$token" >/dev/null
}
enrol desk-01 desk "$kUnit"
enrol courier-01 courier "$kCourierUnit"

# Every required document of procedure 2.000620 (it allows postal return).
node -e '
const c = JSON.parse(require("fs").readFileSync(process.argv[1] + "/catalog.json", "utf8"));
const p = c.procedures.find((x) => x.code === "2.000620");
const docs = p.required_documents.filter((d) => !d.optional).map((d) => ({id: d.id, count: d.count}));
const address = {province: "Thành phố Hồ Chí Minh", ward: "Phường Sài Gòn", street: "12 Lê Lợi"};
process.stdout.write(JSON.stringify({
  procedure_id: "2.000620",
  applicant: {kind: "person", full_name: "Nguyễn Thị Hồng Nhung", id_number: "079203001234",
              phone: "0903123456", address},
  applicant_type: "household", area: "urban", documents: docs, channel: "desk",
  return: {method: "post", recipient_name: "Nguyễn Thị Hồng Nhung", recipient_phone: "0903123456",
           address},
  clerk: "Lê Thu Hà"}));
' "$DATA_DIR" >"$TMP/intake.json"
"$NODE" intake --data "$TMP/desk-01" --json "$TMP/intake.json" --format json >"$TMP/intake.out"
"$NODE" sync --data "$TMP/desk-01" --once >/dev/null
CODE=$(json_field "$TMP/intake.out" o.code)
SECRET=$(json_field "$TMP/intake.out" o.lookup_secret)

# The officers' part, by their JSON routes (the officer page has its own test).
supervisor=$(login tran.thi.lan)
post "/api/officer/dossiers/$CODE/assign" "$supervisor" '{"handler":"do.minh.khoa"}' \
  "$TMP/assign.json"
officer=$(login do.minh.khoa)
post "/api/officer/dossiers/$CODE/result" "$officer" \
  '{"outcome":"approved","document_number":"12/GP-SCT"}' "$TMP/result.json"
WAYBILL=$(json_field "$TMP/result.json" o.shipment.waybill) ||
  fail "recording the result created no shipment: $(cat "$TMP/result.json")"
dispatcher=$(login dieu.phoi)
post "/api/dispatch/shipments/$WAYBILL/assign" "$dispatcher" \
  '{"courier":"courier-01","note":"tuyến Quận 1"}' "$TMP/dispatch.json"

# The courier node takes its assignment in, then serves its page. Its
# background sync is left idle (the test syncs by hand) as far as serve allows.
"$NODE" sync --data "$TMP/courier-01" --once >/dev/null
"$NODE" serve --data "$TMP/courier-01" --listen 127.0.0.1:0 --sync-poll-ms 3600000 \
  >"$TMP/courier.out" 2>"$TMP/courier.err" &
COURIER_PID=$!
COURIER_URL=""
deadline=$((SECONDS + kStartTimeoutS))
while (( SECONDS < deadline )); do
  line="$(head -n 1 "$TMP/courier.out" 2>/dev/null || true)"
  if [[ "$line" == "listening on "* ]]; then COURIER_URL="${line#listening on }"; break; fi
  kill -0 "$COURIER_PID" 2>/dev/null || fail "the courier node exited: $(cat "$TMP/courier.err")"
  sleep 0.1
done
[[ -n "$COURIER_URL" ]] || fail "the courier node did not print its URL"

HOSO_NODE_BIN="$NODE" HOSO_COURIER_DIR="$TMP/courier-01" HOSO_DISPATCH_TOKEN="$dispatcher" \
  browser_run_test courier_test.mjs "$URL" "$COURIER_URL" "$WAYBILL" "$CODE" "$SECRET"
