#!/usr/bin/env bash
# The web viewer of `logstore serve` in a real browser (docs/SERVER.md, "Viewer"): installs chromium
# and chromium-driver (apt) and selenium (pip, into .build-viewer/venv) when missing, then runs
# scripts/viewer_browser_check.py, which builds a store with known records, starts the server on a free
# loopback port, drives headless Chromium through every page and compares what it shows with the CLI.
# Screenshots go to $VIEWER_SCREENSHOTS (default .build-viewer/screenshots). Prints PASS/FAIL lines and
# ends with "N passed, N failed". Needs the debug binary (.build/debug/logstore) or LOGSTORE_BIN.
set -uo pipefail
cd "$(dirname "$0")/.."
bin="${LOGSTORE_BIN:-.build/debug/logstore}"
[ -x "$bin" ] || { echo "viewer-test: $bin is not built"; echo "0 passed, 1 failed"; exit 1; }
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1
    else
        (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1
    fi
    command -v chromedriver >/dev/null || { echo "viewer-test: apt-get install chromium chromium-driver failed"; echo "0 passed, 1 failed"; exit 1; }
fi
venv=.build-viewer/venv
if ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
    python3 -m venv "$venv" >/dev/null 2>&1 || { echo "viewer-test: python3 -m venv failed (apt-get install python3-venv)"; echo "0 passed, 1 failed"; exit 1; }
    "$venv/bin/pip" install -q selenium >/dev/null 2>&1 || { echo "viewer-test: pip install selenium failed"; echo "0 passed, 1 failed"; exit 1; }
fi
shots="${VIEWER_SCREENSHOTS:-.build-viewer/screenshots}"
mkdir -p "$shots"
out=$(mktemp)
"$venv/bin/python" scripts/viewer_browser_check.py "$bin" "$shots" > "$out" 2>&1
status=$?
cat "$out"
passed=$(grep -c '^PASS ' "$out")
failed=$(grep -c '^FAIL ' "$out")
rm -f "$out"
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
