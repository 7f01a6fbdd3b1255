#!/usr/bin/env bash
# Issue 13, Must 7: the viewer's first screen on 10M records, timed from outside the server.
#
# 1. Generates RECORDS records (default 10,000,000) spread evenly over the 7 days ending at the script's
#    start (rounded down to the second), 8 sources, mixed levels (debug/info/warning/error), correlation IDs
#    shared by groups of 4 records, attributes `status` and `latency_ms`, as NDJSON. The Python generator is
#    deterministic for a given end time (seeded PRNG); the file lives in a temp dir, never in the repo.
# 2. Ingests them: `$LOGSTORE ingest --store S --quiet --retention 30d FILE`.
# 3. Starts `$LOGSTORE serve --read-only --store S --listen 127.0.0.1:0` and reads the port from its stderr
#    line "listening on port N".
# 4. Times with curl (`-w '%{time_total}'`, RUNS runs each, median and max) exactly the API requests the
#    viewer's search page (Sources/LogStoreServer/Viewer/Assets/search.js, preset "last 7d", empty query)
#    sends for its first screen:
#      hits   GET /api/v1/hits?since=NS&until=NS&step=3h&by=level          (7 d / 3 h = 56 bars, ≤ 120)
#      page   GET /api/v1/query?since=NS&until=NS&order=desc&limit=100     (first page; later pages by cursor)
#      facets GET /api/v1/facets?since=NS&until=NS&limit=8&scan=100000&order=desc
#    and "first screen": the three issued in parallel, as the page does (one `curl -Z --parallel-immediate`
#    process; wall time until all three are done, measured around that process, so it includes its start).
#    Then "next page": the query with the cursor the first page returned (what scrolling fetches), and for
#    comparison `/hits?step=3h&by=source`: the same buckets counted by reading every record (the server
#    answers `by=source` by a record scan; `by=level` from block summaries), i.e. what the histogram would
#    cost without summaries. Not part of the first screen.
# Prints a markdown table; removes its temp dir and stops the server on exit (trap).
#
# Usage: bash Benchmarks/viewer-first-screen.sh [RECORDS] [RUNS]
#        LOGSTORE=/path/to/logstore bash Benchmarks/viewer-first-screen.sh      (default .build/release/logstore)
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-10000000}"
runs="${2:-5}"
LOGSTORE="${LOGSTORE:-.build/release/logstore}"
[ -x "$LOGSTORE" ] || { echo "no binary at $LOGSTORE: swift build -c release --product logstore" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl missing" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing" >&2; exit 1; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

end_s="$(date +%s)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
gen_start=$(date +%s%N)
python3 - "$records" "$end_s" > "$work/records.ndjson" <<'PY'
import random, sys
n, end_s = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(13)
span_ns = 7 * 86400 * 10**9
end_ns = end_s * 10**9
start_ns = end_ns - span_ns + 1
step = span_ns / n
sources = ["api", "auth", "billing", "db", "gateway", "queue", "search", "worker"]
levels = ["debug"] * 20 + ["info"] * 65 + ["warning"] * 10 + ["error"] * 5
statuses = [200] * 85 + [201] * 4 + [204] * 3 + [400] * 3 + [404] * 3 + [500] * 2
messages = {
    "debug": "cache lookup key=user:%d hit",
    "info": "request handled in %d ms",
    "warning": "slow request took %d ms",
    "error": "upstream failed after %d ms: connection reset",
}
out = sys.stdout
buf = []
cid = ""
for i in range(n):
    if i % 4 == 0:
        h = "%032x" % rng.getrandbits(128)
        cid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:]}"
    ts = start_ns + int(i * step) + rng.randrange(1000000)
    if ts > end_ns:
        ts = end_ns
    level = rng.choice(levels)
    latency = int(rng.expovariate(1 / 40)) + 1
    buf.append('{"timestamp":%d,"level":"%s","source":"%s","correlation_id":"%s","message":"%s","status":%d,"latency_ms":%d}\n'
               % (ts, level, rng.choice(sources), cid, messages[level] % latency, rng.choice(statuses), latency))
    if len(buf) == 10000:
        out.write("".join(buf)); buf = []
out.write("".join(buf))
PY
gen_end=$(date +%s%N)
"$LOGSTORE" ingest --store "$work/store" --quiet --retention 30d "$work/records.ndjson"
ing_end=$(date +%s%N)
input_mb=$(( $(stat -c %s "$work/records.ndjson") / 1000000 ))
rm -f "$work/records.ndjson"
store_mb=$(( $(du -sb "$work/store" | cut -f1) / 1000000 ))
segments=$(find "$work/store" -name '*.seg' | wc -l)

"$LOGSTORE" serve --read-only --store "$work/store" --listen 127.0.0.1:0 2> "$work/serve.err" &
server_pid=$!
port=""
for _ in $(seq 1 600); do   # wait for the line the server prints once it listens (at most 60 s)
    port="$(sed -n 's/.*listening on port \([0-9][0-9]*\).*/\1/p' "$work/serve.err" | head -1)"
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { echo "server did not report its port" >&2; cat "$work/serve.err" >&2; exit 1; }
api="http://127.0.0.1:$port/api/v1"

since_ns="$(( end_s - 7 * 86400 ))000000000"
until_ns="${end_s}000000000"
range="since=$since_ns&until=$until_ns"
hits_url="$api/hits?$range&step=3h&by=level"
page_url="$api/query?$range&order=desc&limit=100"
facets_url="$api/facets?$range&limit=8&scan=100000&order=desc"

# Check the answers once (and warm nothing else): the histogram must count every record.
curl -sf "$hits_url" > "$work/hits.json"
curl -sf "$page_url" > "$work/page.json"
curl -sf "$facets_url" > "$work/facets.json"
read -r total page_n cursor scanned <<< "$(python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
hits = json.load(open(w + "/hits.json")); page = json.load(open(w + "/page.json")); facets = json.load(open(w + "/facets.json"))
print(sum(b["count"] for b in hits["buckets"]), len(page["records"]), page.get("next_cursor") or "-", facets.get("scanned"))
PY
)"
[ "$total" = "$records" ] || { echo "histogram counts $total records, expected $records" >&2; exit 1; }
[ "$page_n" = "100" ] || { echo "first page has $page_n records, expected 100" >&2; exit 1; }
scan_url="$api/hits?$range&step=3h&by=source"
next_url="$api/query?$range&order=desc&limit=100&cursor=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$cursor")"

stats() { sort -n | awk '{a[NR]=$1} END {printf "%.0f | %.0f", a[int((NR+1)/2)]*1000, a[NR]*1000}'; }
time_one() { for _ in $(seq 1 "$runs"); do curl -sf -o /dev/null -w '%{time_total}\n' "$1"; done | stats; }
time_screen() {
    for _ in $(seq 1 "$runs"); do
        local s e
        s=$(date +%s%N)
        curl -sf -Z --parallel-immediate -o /dev/null -o /dev/null -o /dev/null "$hits_url" "$page_url" "$facets_url" 2>/dev/null   # -Z draws its meter even with -s
        e=$(date +%s%N)
        echo "$(( (e - s) / 1000 ))" | awk '{print $1 / 1e6}'
    done | stats
}

echo "records: $records ($input_mb MB NDJSON, generated in $(( (gen_end - gen_start) / 1000000000 )) s, ingested in $(( (ing_end - gen_end) / 1000000000 )) s), store: $store_mb MB in $segments segment files, runs: $runs, $(uname -r), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "facets scanned $scanned records; histogram total $total"
echo
echo "| request (viewer search page, last 7 d, empty query) | median ms | max ms |"
echo "|---|---:|---:|"
echo "| hits by level, 7 d in 3 h steps (\`/hits?step=3h&by=level\`) | $(time_one "$hits_url") |"
echo "| first page of 100 (\`/query?order=desc&limit=100\`) | $(time_one "$page_url") |"
echo "| facets of the newest 100k (\`/facets?limit=8&scan=100000&order=desc\`) | $(time_one "$facets_url") |"
echo "| **first screen**: the three in parallel, wall time | $(time_screen) |"
echo "| next page by cursor (scrolling) | $(time_one "$next_url") |"
echo "| for comparison, not on the page: the same buckets by record scan (\`/hits?step=3h&by=source\`) | $(time_one "$scan_url") |"
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
