#!/usr/bin/env bash
# Installs Debian's clickhouse-server (18.16) for the forwarding tests (Tests/LogStoreForwardTests),
# when missing. The tests start it themselves on loopback (ports 38123/39000) with their own data
# folder; the package's own service is never started. Never fails the run: without the package
# those tests are skipped, saying so.
set -uo pipefail
if [ -x /usr/sbin/clickhouse-server ] || [ -x /usr/bin/clickhouse-server ]; then exit 0; fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing clickhouse-server for the forwarding tests" >&2
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clickhouse-server >/dev/null; }; then
    echo "could not install clickhouse-server; the forwarding tests will be skipped" >&2
fi
exit 0
