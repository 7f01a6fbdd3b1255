#!/usr/bin/env bash
# Builds and runs the whole test suite under AddressSanitizer and/or ThreadSanitizer, each in its own
# scratch path (.build-asan, .build-tsan). Prints one summary line per sanitizer and exits non-zero
# on a failed build, a failed test or any sanitizer report.
#
#   scripts/sanitize.sh                 # address, then thread
#   scripts/sanitize.sh thread          # only one
#
# SWIFT_BACKTRACE=enable=no is required: otherwise a crash starts swift-backtrace, which the
# sanitizers trip over and which then hangs (docs/FUZZING.md). The crash tests spawn the `logstore`
# binary of the same scratch path, so they run the sanitized binary too; LOGSTORE_TEST_SLOWDOWN gives
# it more time. Suppressions (each with its reason) are in scripts/sanitizers/.
set -uo pipefail
cd "$(dirname "$0")/.."
sanitizers=("$@")
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)
status=0
for s in "${sanitizers[@]}"; do
    supp="$PWD/scripts/sanitizers"
    case "$s" in
        address) scratch=.build-asan; pattern='ERROR: (AddressSanitizer|LeakSanitizer)'; slowdown=2
                 export ASAN_OPTIONS="suppressions=$supp/asan.supp" LSAN_OPTIONS="suppressions=$supp/lsan.supp" ;;
        thread) scratch=.build-tsan; pattern='WARNING: ThreadSanitizer'; slowdown=5
                export TSAN_OPTIONS="suppressions=$supp/tsan.supp" ;;
        *) echo "unknown sanitizer $s (address or thread)"; exit 2 ;;
    esac
    mkdir -p "$scratch"
    log="$scratch/sanitize-test.log"  # kept for reading the reports
    start=$(date +%s)
    if ! swift build --build-tests --sanitize="$s" --scratch-path "$scratch" > "$log" 2>&1; then
        tail -n 20 "$log"
        echo "sanitize=$s: build failed"
        status=1
        continue
    fi
    built=$(date +%s)
    LOGSTORE_TEST_SLOWDOWN=$slowdown SWIFT_BACKTRACE=enable=no \
        scripts/swift-test-passes.sh --sanitize="$s" --scratch-path "$scratch" > "$log" 2>&1
    rc=$?
    done_at=$(date +%s)
    passed=$(grep -E "^✔ Test .* passed after" "$log" | grep -vc "^✔ Test run with" || true)
    failed=$(grep -E "^✘ Test .* failed after" "$log" | grep -vc "^✘ Test run with" || true)
    reports=$(grep -cE "$pattern" "$log" || true)
    if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$reports" -ne 0 ]; then
        grep -E "^✘|$pattern|SUMMARY:" "$log" | head -n 40
        status=1
    fi
    echo "sanitize=$s: build $((built - start)) s, tests $((done_at - built)) s, ${passed} passed, ${failed} failed, ${reports} sanitizer reports, exit ${rc} (log: $log)"
done
exit "$status"
