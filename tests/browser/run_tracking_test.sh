#!/usr/bin/env bash
# Runs the public tracking page's browser test (tracking_test.mjs): a central
# with a supervisor and an officer of unit 000.00.17.H29, and a desk node of
# that unit enrolled with it. One dossier is taken in at the desk
# (`hoso-node intake`) and synced (`hoso-node sync --once`), so the central
# holds it exactly as production does, with the lookup secret's verifier of
# a real receipt. The test gets the code and secret printed on the receipt.
#
# Usage: tests/browser/run_tracking_test.sh HOSO_CENTRAL_BIN HOSO_NODE_BIN
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
browser_env_init tracking-browser-test
readonly kUnit=000.00.17.H29
DATA_DIR="${HOSO_DATA_DIR:-$HERE/../../schema/data}"

"$CENTRAL" init --data "$TMP/central" >/dev/null
printf 'Mùa xuân 2026!\n' >"$TMP/password"
"$CENTRAL" user add tran.thi.lan --data "$TMP/central" --role supervisor --unit "$kUnit" \
  --name "Trần Thị Lan" --password-file "$TMP/password" >/dev/null
"$CENTRAL" user add do.minh.khoa --data "$TMP/central" --role officer --unit "$kUnit" \
  --name "Đỗ Minh Khoa" --password-file "$TMP/password" >/dev/null
browser_start_server "$CENTRAL" serve --data "$TMP/central" --listen 127.0.0.1:0

"$NODE" init --data "$TMP/desk" --unit-code "$kUnit" --name "Bộ phận một cửa" --role desk \
  --province "Thành phố Hồ Chí Minh" --node-id desk-01 >/dev/null
token=$("$CENTRAL" node add --data "$TMP/central" --id desk-01 --unit-code "$kUnit" \
  --role desk 2>/dev/null)
"$NODE" enroll --data "$TMP/desk" --central "$URL" --token "$token" >/dev/null

# Every required document of procedure 2.000620 in the catalog in force.
node -e '
const c = JSON.parse(require("fs").readFileSync(process.argv[1] + "/catalog.json", "utf8"));
const p = c.procedures.find((x) => x.code === "2.000620");
const docs = p.required_documents.filter((d) => !d.optional).map((d) => ({id: d.id, count: d.count}));
process.stdout.write(JSON.stringify({
  procedure_id: "2.000620",
  applicant: {kind: "person", full_name: "Nguyễn Thị Hồng Nhung", id_number: "079203001234",
              phone: "0903123456",
              address: {province: "Thành phố Hồ Chí Minh", ward: "Phường Sài Gòn", street: "12 Lê Lợi"}},
  applicant_type: "household", area: "urban", documents: docs, channel: "desk",
  return: {method: "desk"}, clerk: "Lê Thu Hà"}));
' "$DATA_DIR" >"$TMP/intake.json"
"$NODE" intake --data "$TMP/desk" --json "$TMP/intake.json" --format json >"$TMP/intake.out"
"$NODE" sync --data "$TMP/desk" --once --central "$URL" >/dev/null
read -r CODE SECRET < <(node -e '
const s = require("fs").readFileSync(process.argv[1], "utf8");
const o = JSON.parse(s.slice(s.indexOf("{")));
console.log(o.code + " " + o.lookup_secret);
' "$TMP/intake.out")

browser_run_test tracking_test.mjs "$URL" "$CODE" "$SECRET"
