#!/usr/bin/env bash
# Runs the real `hoso` tool and checks its answers and its error behaviour.
# Usage: hoso_tool_test.sh PATH_TO_HOSO
set -u
HOSO=$1
pass=0
fail=0

check() {  # check NAME COMMAND... ; passes when the command exits 0
  local name=$1
  shift
  if "$@"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAILED: $name" >&2
  fi
}

out=$("$HOSO" calendar holidays 2030 --json)
check "holidays 2030 is JSON with year" grep -q '"year": 2030' <<<"$out"
check "holidays 2030 has Tết on lunar new year 2030-02-02 (UTC+7; China: 02-03)" grep -q '"2030-02-02"' <<<"$out"
check "holidays 2030 has 30/4" grep -q '"2030-04-30"' <<<"$out"
check "holidays 2030 has 2/9" grep -q '"2030-09-02"' <<<"$out"

out=$("$HOSO" calendar holidays 2026)
check "holidays text names Tết in Vietnamese" grep -q 'Tết' <<<"$out"

out=$("$HOSO" calendar due --received 2026-02-13T10:00:00+07:00 --days 1 --json)
check "due before Tết 2026 lands after the break" grep -q '"due": "2026-02-23T10:00:00+07:00"' <<<"$out"

out=$("$HOSO" calendar due --received 2026-03-12T08:05:00+07:00 --days 8 --json)
check "8 working days from Thursday 12 March 2026" grep -q '"due": "2026-03-24T08:05:00+07:00"' <<<"$out"

out=$("$HOSO" calendar due --received 2026-03-12T08:05:00+07:00 --days 20 --calendar-days --json)
check "calendar days kind reported" grep -q '"kind": "calendar_days"' <<<"$out"

"$HOSO" calendar due --received yesterday --days 1 >/dev/null 2>&1
check "bad time exits non-zero" test $? -ne 0
err=$("$HOSO" calendar due --received yesterday --days 1 2>&1 >/dev/null)
check "bad time gives a one-line reason" test "$(wc -l <<<"$err")" -eq 1

out=$("$HOSO" catalog list --json --at 2026-11-25)
for code in 2.000620 2.000648 2.000004 2.000207; do
  check "catalog lists $code" grep -q "\"$code\"" <<<"$out"
done
out=$("$HOSO" catalog list --at 2026-11-25)
check "catalog text lists the alcohol retail licence" grep -q 'Cấp Giấy phép bán lẻ rượu' <<<"$out"

"$HOSO" catalog show 9.999999 >/dev/null 2>&1
check "unknown procedure exits non-zero" test $? -ne 0
"$HOSO" --help >/dev/null
check "--help exits 0" test $? -eq 0
"$HOSO" calendar --help >/dev/null
check "calendar --help exits 0" test $? -eq 0
"$HOSO" frobnicate >/dev/null 2>&1
check "unknown command exits 2" test $? -eq 2

echo "$pass passed, $fail failed"
test "$fail" -eq 0
