#!/usr/bin/env bash
# Installs what LogBench's peers need, only when it is missing:
#   - libsqlite3-dev (Debian): GRDB, the SQLite contender, links the system libsqlite3;
#   - the Python packages duckdb and pyarrow (PyPI): the DuckDB contender runs duckdb/duckdb_bench.py.
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

if ! "$PY" -c "import duckdb, pyarrow" >/dev/null 2>&1; then
    echo "setup: installing the Python packages duckdb and pyarrow for $PY"
    "$PY" -m pip install --quiet --disable-pip-version-check duckdb pyarrow \
        || "$PY" -m pip install --quiet --disable-pip-version-check --user --break-system-packages duckdb pyarrow
fi
"$PY" -c "import duckdb, pyarrow; print('setup: duckdb', duckdb.__version__, '/ pyarrow', pyarrow.__version__)"
dpkg -s libsqlite3-dev 2>/dev/null | sed -n 's/^Version: /setup: libsqlite3-dev /p'
