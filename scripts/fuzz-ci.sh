#!/usr/bin/env bash
# CI fuzzing: runs every libFuzzer target of Fuzz/ for FUZZ_SECONDS (default 30) through Fuzz/run.sh
# (-sanitize=fuzzer,address, seeds from Fuzz/corpus/), then lets each sanitized target replay the
# reproducers of earlier findings in Fuzz/regressions/<target>/. Prints one line per target and exits 1
# on any crash, timeout, OOM, leak or failed build; new reproducers land in Fuzz/crashes/<target>/.
# The full libFuzzer output is kept in Fuzz/.build-fuzz/ci-fuzz.log.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || exit 1
seconds="${FUZZ_SECONDS:-30}"
export SWIFT_BACKTRACE=enable=no
mkdir -p Fuzz/.build-fuzz
log=Fuzz/.build-fuzz/ci-fuzz.log
start=$(date +%s)
Fuzz/run.sh "$seconds" > "$log" 2>&1
status=$?
sed -n '/^=== summary/,$p' "$log"
if [ "$status" -ne 0 ] && ! grep -q '^=== summary' "$log"; then
    tail -n 30 "$log"
fi

bin="$(swift build -c release --package-path Fuzz --scratch-path Fuzz/.build-fuzz --show-bin-path 2>/dev/null)"
for t in FuzzBlock FuzzSegment FuzzWAL FuzzNDJSON FuzzLogfmt FuzzText FuzzFormats FuzzFilter FuzzOTLP; do
    [ -d "Fuzz/regressions/$t" ] || continue
    [ -x "$bin/$t" ] || continue
    if "$bin/$t" "Fuzz/regressions/$t"/* >> "$log" 2>&1; then
        echo "$t: regressions replayed: $(ls "Fuzz/regressions/$t" | wc -l) ok"
    else
        echo "$t: a regression input crashes again (see $log)"
        status=1
    fi
done
echo "fuzz: ${seconds} s per target, $(( $(date +%s) - start )) s in all, exit ${status}"
exit "$status"
