#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of this package (docs/FUZZING.md).
#
#   Fuzz/run.sh                         every target, 30 s each
#   Fuzz/run.sh FuzzWAL FuzzBlock 120   the named targets, 120 s each
#
# Each target is built with -sanitize=fuzzer,address (release, lld) into Fuzz/.build-fuzz and fuzzed on a
# temporary copy of Fuzz/corpus/<target>/ (the committed seeds are never modified). Crash, timeout, OOM and
# leak reproducers are copied to Fuzz/crashes/<target>/ and the script exits 1.
# Environment: FUZZ_KEEP=1 keeps the temporary work directories; FUZZ_ARGS adds libFuzzer flags;
# FUZZ_TOLERATE lists known, unfixed engine issues the harnesses skip (default: all open ones, see below).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
all=(FuzzBlock FuzzSegment FuzzWAL FuzzManifest FuzzNDJSON FuzzLogfmt FuzzText FuzzFormats FuzzFilter FuzzOTLP)
seconds=30
targets=()
for arg in "$@"; do
    if [[ $arg =~ ^[0-9]+$ ]]; then
        seconds=$arg
    elif [[ " ${all[*]} " == *" $arg "* ]]; then
        targets+=("$arg")
    else
        echo "usage: $0 [${all[*]// /|}]... [SECONDS]" >&2
        exit 2
    fi
done
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")

# Without this the first crash starts swift-backtrace, which ASan trips over and which then hangs forever
# (TOOLCHAIN.md, section 6, gotcha C).
export SWIFT_BACKTRACE=enable=no
# Open engine bugs with reproducers in Fuzz/regressions/ (FuzzKit/KnownIssues.swift). Tolerated by default so a
# run looks for new bugs; FUZZ_TOLERATE= (empty) makes every check strict. Drop a name once it is fixed.
export FUZZ_TOLERATE="${FUZZ_TOLERATE-}"
echo "tolerating known issues: ${FUZZ_TOLERATE:-none}"

scratch="$here/.build-fuzz"
build_flags=(-c release --package-path "$here" --scratch-path "$scratch")
san_flags=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
bin="$(swift build "${build_flags[@]}" --show-bin-path)"

failed=()
broken=()
summary=()
for t in "${targets[@]}"; do
    echo "=== $t: building"
    # Always one --product: the other executables have no LLVMFuzzerTestOneInput (gotcha B).
    if ! swift build "${build_flags[@]}" --product "$t" "${san_flags[@]}"; then
        summary+=("$t: BUILD FAILED")
        broken+=("$t")
        continue
    fi

    work="$(mktemp -d "${TMPDIR:-/tmp}/logstore-fuzz-$t.XXXXXX")"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$here/corpus/$t/"* "$work/corpus/" 2>/dev/null || true

    echo "=== $t: fuzzing for ${seconds}s (work dir $work)"
    set +e
    # shellcheck disable=SC2086
    "$bin/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=25 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${FUZZ_ARGS:-} "$work/corpus" 2>&1 | tee "$work/fuzz.log"
    rc=${PIPESTATUS[0]}
    set -e

    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log" | tail -1)"
    rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/fuzz.log" | tail -1)"
    cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$work/fuzz.log" | tail -1)"
    line="$t: exit $rc, ${execs:-?} execs, ${rate:-?} exec/s, peak RSS ${rss:-?} MB, ${cov:-no coverage line}"

    shopt -s nullglob
    artifacts=("$work/artifacts/"*)
    shopt -u nullglob
    if [[ $rc -ne 0 || ${#artifacts[@]} -gt 0 ]]; then
        mkdir -p "$here/crashes/$t"
        [[ ${#artifacts[@]} -gt 0 ]] && cp "${artifacts[@]}" "$here/crashes/$t/"
        cp "$work/fuzz.log" "$here/crashes/$t/fuzz-$(date +%Y%m%d-%H%M%S).log"
        line="$line  ** FAILED: ${#artifacts[@]} artifact(s) in Fuzz/crashes/$t/"
        failed+=("$t")
        FUZZ_KEEP=1
    fi
    summary+=("$line")
    [[ ${FUZZ_KEEP:-0} == 1 ]] || rm -rf "$work"
done

echo
echo "=== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
[[ ${#broken[@]} -gt 0 ]] && echo "build failed: ${broken[*]}"
[[ ${#failed[@]} -gt 0 ]] && echo "crashes in: ${failed[*]}; replay with: SWIFT_BACKTRACE=enable=no $bin/<target> Fuzz/crashes/<target>/crash-*"
[[ ${#failed[@]} -eq 0 && ${#broken[@]} -eq 0 ]]
