#!/usr/bin/env bash
# Installs what LogBench's peers need, only when it is missing:
#   - libsqlite3-dev (Debian): GRDB, the SQLite contender, links the system libsqlite3;
#   - the Python packages duckdb and pyarrow (PyPI): the DuckDB contender runs duckdb/duckdb_bench.py;
#   - the lz4 and zstd command-line tools (Debian): the real-corpora figures compare with `lz4 -1` and `zstd -3`.
# Usage: bash Benchmarks/setup.sh        (PYTHON=/path/to/python3 to choose the interpreter)
set -euo pipefail
PY="${PYTHON:-python3}"
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi

if ! dpkg -s libsqlite3-dev >/dev/null 2>&1; then
    echo "setup: installing libsqlite3-dev"
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq libsqlite3-dev
fi

missing_tools=""
for tool in lz4 zstd; do
    command -v "$tool" >/dev/null 2>&1 || missing_tools="$missing_tools $tool"
done
if [ -n "$missing_tools" ]; then
    echo "setup: installing$missing_tools"
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq $missing_tools
fi

if ! "$PY" -c "import duckdb, pyarrow" >/dev/null 2>&1; then
    echo "setup: installing the Python packages duckdb and pyarrow for $PY"
    "$PY" -m pip install --quiet --disable-pip-version-check duckdb pyarrow \
        || "$PY" -m pip install --quiet --disable-pip-version-check --user --break-system-packages duckdb pyarrow
fi
"$PY" -c "import duckdb, pyarrow; print('setup: duckdb', duckdb.__version__, '/ pyarrow', pyarrow.__version__)"
dpkg -s libsqlite3-dev 2>/dev/null | sed -n 's/^Version: /setup: libsqlite3-dev /p'
echo "setup: $(lz4 --version 2>&1 | head -1)"
echo "setup: $(zstd --version 2>&1 | head -1)"
