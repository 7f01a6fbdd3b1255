#!/usr/bin/env bash
# Issue 14, sparse logs: the 16 loghub `*_2k.log` files ingested as text (`logstore ingest --format text`,
# their own timestamps, a retention long enough to keep them), one store per file; the bytes of every
# file in each store against `lz4 -1` of the raw file, before and after `logstore compact`.
# Usage: bash Benchmarks/loghub-compaction.sh [CORPORA_DIR]   (needs .build/release/logstore and lz4)
set -euo pipefail
cd "$(dirname "$0")/.."
corpora="${1:-../shared/corpora}/loghub"
bin=.build/release/logstore
[ -d "$corpora" ] || { echo "skipped: $corpora not found (pass the corpora folder)"; exit 0; }
command -v lz4 >/dev/null || { echo "lz4 missing (apt-get install lz4)"; exit 1; }
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product logstore"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tree_bytes() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }
echo "| file | raw bytes | lz4 -1 | store before | segments before | store after | segments after | before / lz4 | after / lz4 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
tl=0; tb=0; ta=0
for f in "$corpora"/*_2k.log; do
    name="$(basename "$f")"
    store="$work/${name%.log}"
    "$bin" ingest --store "$store" --format text --retention 36500d "$f" > /dev/null 2>&1 || true
    lz=$(lz4 -1 -c "$f" | wc -c)
    before=$(tree_bytes "$store"); sb=$(ls "$store/segments" | grep -c '\.seg$' || true)
    "$bin" compact --store "$store" > /dev/null
    after=$(tree_bytes "$store"); sa=$(ls "$store/segments" | grep -c '\.seg$' || true)
    tl=$((tl + lz)); tb=$((tb + before)); ta=$((ta + after))
    printf '| %s | %d | %d | %d | %d | %d | %d | %.2f | %.2f |\n' "$name" "$(wc -c < "$f")" "$lz" "$before" "$sb" "$after" "$sa" \
        "$(echo "$before/$lz" | bc -l)" "$(echo "$after/$lz" | bc -l)"
done
printf '| **all 16** | | %d | %d | | %d | | %.2f | %.2f |\n' "$tl" "$tb" "$ta" "$(echo "$tb/$tl" | bc -l)" "$(echo "$ta/$tl" | bc -l)"
