#!/usr/bin/env bash
# Runs LogStore's test suite: installs missing system packages, builds, runs every test, and ends
# with a plain "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || exit 1
scripts/ensure-clickhouse.sh   # the forwarding tests start it themselves; skipped without it
# Every Swift example of README.md and the doc comments is in the compiled examples (built below).
examples_failed=0
python3 scripts/check-examples.py || examples_failed=1
swift build --build-tests 2>&1 | tail -n 3
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build failed"; exit 1; }
log=$(mktemp)
SWIFT_BACKTRACE=enable=no scripts/swift-test-passes.sh 2>&1 | tee "$log" | grep -E "^(✘|✔ Test run|✘ Test run|􀢄|Test Suite 'All tests')" | tail -n 40
status=${PIPESTATUS[0]}
passed=$(grep -E "^✔ Test .* passed after" "$log" | grep -vc "^✔ Test run with" || true)
failed=$(grep -E "^✘ Test .* failed after" "$log" | grep -vc "^✘ Test run with" || true)
skipped=$(grep -cE "^➜ Test .* skipped" "$log" || true)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
# The real OpenTelemetry Python SDK against `logstore serve`; its checks count in the line below.
otel_log=$(mktemp)
scripts/otel-sdk-test.sh > "$otel_log" 2>&1
otel_status=$?
grep -E "^FAIL |otel-sdk-test:" "$otel_log"
otel_counts=$(tail -n 1 "$otel_log")
echo "OpenTelemetry SDK: ${otel_counts}"
rm -f "$otel_log"
if [[ "$otel_counts" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
elif [ "$otel_status" -ne 0 ]; then
    failed=$((failed + 1))
fi
if [ "$otel_status" -ne 0 ]; then status=1; fi
# The web viewer in headless Chromium against `logstore serve`; its checks count in the line below.
viewer_log=$(mktemp)
scripts/viewer-test.sh > "$viewer_log" 2>&1
viewer_status=$?
grep -E "^FAIL |viewer-test:" "$viewer_log"
viewer_counts=$(tail -n 1 "$viewer_log")
echo "Viewer in Chromium: ${viewer_counts}"
rm -f "$viewer_log"
if [[ "$viewer_counts" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
elif [ "$viewer_status" -ne 0 ]; then
    failed=$((failed + 1))
fi
if [ "$viewer_status" -ne 0 ]; then status=1; fi
# Steps .ci/run ran before (fuzzing, sanitizers) that failed, and a failed example check, count as failed tests.
extra=$(( ${CI_EXTRA_FAILED:-0} + examples_failed ))
if [ "$extra" -gt 0 ]; then failed=$((failed + extra)); status=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
