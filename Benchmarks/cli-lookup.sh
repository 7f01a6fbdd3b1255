#!/usr/bin/env bash
# Issue 14, "the CLI starts fast": whole-process `logstore query --correlation ID` against the `sqlite3`
# command on the same records in an indexed table, side by side (median of RUNS runs each, a different
# ID per run, output to /dev/null), before and after `logstore compact`.
# Usage: bash Benchmarks/cli-lookup.sh [RECORDS] [RUNS] [LOGSTORE]   (needs a release logstore, default
#   .build/release/logstore, and sqlite3)
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-1000000}"
runs="${2:-21}"
bin="${3:-.build/release/logstore}"
command -v sqlite3 >/dev/null || { echo "sqlite3 missing (apt-get install sqlite3)"; exit 1; }
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product logstore"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" sample --records "$records" > "$work/sample.ndjson"
"$bin" ingest --store "$work/store" --retention 30d "$work/sample.ndjson" > /dev/null
python3 - "$work/sample.ndjson" "$work/logs.db" "$work/ids" "$runs" <<'PY'
import json, sqlite3, sys, random
src, db, idfile, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
con = sqlite3.connect(db)
con.execute("CREATE TABLE logs(seq INTEGER PRIMARY KEY, ts TEXT, level TEXT, source TEXT, correlation_id TEXT, message TEXT, attributes TEXT)")
ids = set()
with open(src) as f:
    rows = []
    for line in f:
        r = json.loads(line)
        cid = r.pop("correlation_id", None)
        rows.append((r.pop("timestamp", None), r.pop("level", None), r.pop("source", None), cid, r.pop("message", None), json.dumps(r)))
        if cid: ids.add(cid)
        if len(rows) == 50000:
            con.executemany("INSERT INTO logs(ts, level, source, correlation_id, message, attributes) VALUES (?,?,?,?,?,?)", rows); rows = []
    con.executemany("INSERT INTO logs(ts, level, source, correlation_id, message, attributes) VALUES (?,?,?,?,?,?)", rows)
con.execute("CREATE INDEX logs_correlation ON logs(correlation_id)")
con.commit()
random.seed(14)
open(idfile, "w").write("\n".join(random.sample(sorted(ids), runs)) + "\n")
PY
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
measure() {
    local ls_times=() sq_times=()
    while read -r id; do
        ls_times+=("$(time_ms "$bin" query --store "$work/store" --correlation "$id" --format ndjson)")
        sq_times+=("$(time_ms sqlite3 "$work/logs.db" "SELECT * FROM logs WHERE correlation_id = '$id' ORDER BY ts")")
    done < "$work/ids"
    local l s
    l=$(printf '%s\n' "${ls_times[@]}" | median); s=$(printf '%s\n' "${sq_times[@]}" | median)
    printf '| %s | %s | %.2f | %.2f | %.2f |\n' "$1" "$(ls "$work/store/segments" | grep -c '\.seg$')" "$(echo "$l/1000" | bc -l)" "$(echo "$s/1000" | bc -l)" "$(echo "$l/$s" | bc -l)"
}
echo "records: $records, runs: $runs, $(uname -r), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| store | segment files | logstore query ms (median) | sqlite3 ms (median) | ratio |"
echo "|---|---:|---:|---:|---:|"
measure "as ingested"
"$bin" compact --store "$work/store" > /dev/null
measure "after logstore compact"
