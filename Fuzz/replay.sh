#!/usr/bin/env bash
# Regression run: a plain (unsanitized, debug) build of the fuzz targets replays the seed corpora and the
# reproducers under Fuzz/regressions/. No libFuzzer needed.
#
#   Fuzz/replay.sh            strict: open known issues (FuzzKit/KnownIssues.swift) fail their target
#   FUZZ_TOLERATE=NAME Fuzz/replay.sh   skip those issues
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SWIFT_BACKTRACE=enable=no
swift build --package-path "$here" --scratch-path "$here/.build" || exit 1
bin="$(swift build --package-path "$here" --scratch-path "$here/.build" --show-bin-path)"
status=0
for t in FuzzBlock FuzzSegment FuzzWAL FuzzNDJSON; do
    dirs=("$here/corpus/$t")
    [[ -d $here/regressions/$t ]] && dirs+=("$here/regressions/$t")
    for d in "${dirs[@]}"; do
        for f in "$d"/*; do
            if "$bin/$t" "$f" > /tmp/replay.$$ 2>&1; then
                echo "ok    $t ${f#"$here"/}"
            else
                echo "FAIL  $t ${f#"$here"/}: $(grep -m1 'Fatal error' /tmp/replay.$$)"
                status=1
            fi
        done
    done
done
rm -f /tmp/replay.$$
exit $status
