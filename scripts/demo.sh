#!/usr/bin/env bash
# LogStore end to end: installs missing system packages, builds the CLI in release mode, writes
# realistic sample logs, ingests them, queries them by time and by correlation ID, and prints
# throughput and size. Usage: scripts/demo.sh [RECORDS]   (default 300000)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
records="${1:-300000}"
echo "== building logstore (release)"
swift build -c release --static-swift-stdlib --product logstore 2>&1 | tail -n 1   # static Swift runtime: faster process start
bin="$(swift build -c release --show-bin-path)/logstore"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export LOGSTORE_DIR="$work/store"

echo "== writing $records sample records"
"$bin" sample --records "$records" > "$work/sample.ndjson"
input_bytes=$(stat -c %s "$work/sample.ndjson")
echo "   $(numfmt --to=iec "$input_bytes") of NDJSON"

echo "== ingesting"
"$bin" ingest "$work/sample.ndjson"
store_bytes=$(du -sb "$LOGSTORE_DIR" | cut -f1)
echo "   store on disk: $(numfmt --to=iec "$store_bytes") ($(( input_bytes / (store_bytes > 0 ? store_bytes : 1) ))x smaller than the input, $(( store_bytes / records )) bytes per record)"

echo "== errors and warnings of the last 15 minutes (newest 5)"
"$bin" query --since 15m --level warning --reverse --limit 5

echo "== count by level over the last hour"
"$bin" count --since 1h --by-level

id=$(head -n 1000 "$work/sample.ndjson" | tail -n 1 | sed -E 's/.*"correlation_id":"([^"]*)".*/\1/')
echo "== every record of one request or job, in order: $id"
start=$(date +%s%N)
"$bin" query --correlation "$id"
end=$(date +%s%N)
echo "   (whole command, process start included: $(( (end - start) / 1000000 )) ms)"

echo "== substring search: count of messages containing 'timeout'"
"$bin" count --grep timeout

echo "== verify"
"$bin" verify
