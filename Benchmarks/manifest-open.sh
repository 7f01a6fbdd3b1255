#!/usr/bin/env bash
# Issue 14, "opening is bounded": whole-process `logstore count` and `logstore query --correlation ID`
# on a store of many small segments, with its MANIFEST (docs/FORMAT.md 11) and on a copy without it,
# side by side (median of RUNS runs each, alternating), plus the bytes each command reads (strace,
# read/pread64 return values) and the segment files it opens for reading.
# Usage: bash Benchmarks/manifest-open.sh STORE [RUNS] [LOGSTORE]
#   STORE: a store of many segments, e.g. 300k `logstore sample --span 7d` records ingested in 1,000
#   separate `logstore ingest` runs of 300 records (C12 builds one that way when STORE does not exist).
set -euo pipefail
store="$1"; runs="${2:-11}"; bin="${3:-.build/release/logstore}"
command -v strace >/dev/null || { echo "strace missing"; exit 1; }
if [ ! -d "$store" ]; then
    work="$(mktemp -d)"
    "$bin" sample --records 300000 --span 7d > "$work/sample.ndjson"
    split -l 300 -d -a 4 "$work/sample.ndjson" "$work/c"
    for f in "$work"/c*; do "$bin" ingest --store "$store" --retention 30d "$f" > /dev/null 2>&1; done
    rm -rf "$work"
fi
copy="$(mktemp -d)/store"
cp -a "$store" "$copy" && rm -f "$copy/MANIFEST"     # cp -a keeps modification times
ids=$("$bin" query --store "$store" --format ndjson --limit 2000 | python3 -c '
import json, sys, random
ids = sorted({json.loads(l).get("correlation_id") for l in sys.stdin} - {None})
random.seed(14); print("\n".join(random.sample(ids, min(len(ids), '"$runs"'))))')
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_us() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
bytes_read() {  # bytes returned by read/pread64, and distinct .seg files opened, for one command
    local t; t="$(mktemp)"
    strace -f -qq -e trace=openat,read,pread64 -o "$t" "$@" > /dev/null
    python3 - "$t" <<'PY'
import re, sys
total = 0; segs = set(); fds = {}
for line in open(sys.argv[1]):
    m = re.search(r'openat\(.*"([^"]+)".*= (\d+)$', line)
    if m: fds[m.group(2)] = m.group(1); continue
    m = re.search(r'(?:read|pread64)\((\d+),.*= (\d+)$', line)
    if m:
        total += int(m.group(2))
        if fds.get(m.group(1), "").endswith(".seg"): segs.add(fds[m.group(1)])
print(total, len(segs))
PY
    rm -f "$t"
}
echo "store: $(ls "$store/segments" | grep -c '\.seg$') segment files, manifest $(stat -c %s "$store/MANIFEST") bytes; runs: $runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| command | with MANIFEST ms (median) | without ms (median) | ratio | bytes read with / without | segment files read with / without |"
echo "|---|---:|---:|---:|---:|---:|"
for cmd in count lookup; do
    with=(); without=()
    first=$(echo "$ids" | head -1)
    while read -r id; do
        if [ $cmd = count ]; then a=(count --store "$store"); b=(count --store "$copy")
        else a=(query --store "$store" --correlation "$id" --format ndjson); b=(query --store "$copy" --correlation "$id" --format ndjson); fi
        with+=("$(time_us "$bin" "${a[@]}")"); without+=("$(time_us "$bin" "${b[@]}")")
    done <<< "$ids"
    if [ $cmd = count ]; then a=(count --store "$store"); b=(count --store "$copy")
    else a=(query --store "$store" --correlation "$first" --format ndjson); b=(query --store "$copy" --correlation "$first" --format ndjson); fi
    read -r wb ws <<< "$(bytes_read "$bin" "${a[@]}")"; read -r ob os <<< "$(bytes_read "$bin" "${b[@]}")"
    w=$(printf '%s\n' "${with[@]}" | median); o=$(printf '%s\n' "${without[@]}" | median)
    printf '| %s | %.2f | %.2f | %.2f | %s / %s | %s / %s |\n' "$cmd" "$(echo "$w/1000" | bc -l)" "$(echo "$o/1000" | bc -l)" "$(echo "$w/$o" | bc -l)" "$wb" "$ob" "$ws" "$os"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$(dirname "$copy")"
