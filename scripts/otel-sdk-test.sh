#!/usr/bin/env bash
# The real OpenTelemetry Python SDK against the real `logstore serve` (docs/SERVER.md): installs
# opentelemetry-sdk and opentelemetry-exporter-otlp-proto-http into a venv (.build-otel/venv), starts
# the server on a free loopback port with its own store, runs scripts/otel_sdk_check.py, stops the
# server. Prints PASS/FAIL lines and ends with "N passed, N failed" (scripts/test.sh adds them up).
# Needs the debug binary (.build/debug/logstore; scripts/test.sh builds it) or LOGSTORE_BIN.
set -uo pipefail
cd "$(dirname "$0")/.."
bin="${LOGSTORE_BIN:-.build/debug/logstore}"
[ -x "$bin" ] || { echo "otel-sdk-test: $bin is not built"; echo "0 passed, 1 failed"; exit 1; }
venv=.build-otel/venv
if ! "$venv/bin/python" -c 'import opentelemetry.exporter.otlp.proto.http' 2>/dev/null; then
    python3 -m venv "$venv" >/dev/null 2>&1 || { echo "otel-sdk-test: python3 -m venv failed (apt-get install python3-venv)"; echo "0 passed, 1 failed"; exit 1; }
    "$venv/bin/pip" install -q opentelemetry-sdk opentelemetry-exporter-otlp-proto-http >/dev/null 2>&1 \
        || { echo "otel-sdk-test: pip install of the OpenTelemetry SDK failed"; echo "0 passed, 1 failed"; exit 1; }
fi
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
"$bin" serve --listen 127.0.0.1:0 --store "$work/store" --no-access-log 2> "$work/err" &
server=$!
port=""
for _ in $(seq 1 600); do   # readiness: the "listening on port N" line, up to 60 s
    port=$(sed -n 's/^logstore serve: listening on port \([0-9]*\)$/\1/p' "$work/err")
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || { echo "otel-sdk-test: the server did not start:"; cat "$work/err"; echo "0 passed, 1 failed"; exit 1; }
"$venv/bin/python" scripts/otel_sdk_check.py "$port" > "$work/out" 2>&1
cat "$work/out"
passed=$(grep -c '^PASS ' "$work/out")
failed=$(grep -c '^FAIL ' "$work/out")
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
