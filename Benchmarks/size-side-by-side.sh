#!/usr/bin/env bash
# Issue 14, "side by side": bytes on disk of the same records in LogStore (after `logstore compact`),
# DuckDB and ClickHouse's MergeTree, in one run; and the in-process correlation lookup of LogStore's
# read-only open against SQLite's indexed table is LogBench's (see docs/BENCHMARKS.md).
#
# Every engine gets the same six fields per record: timestamp (ns), level, source, correlation ID,
# message, and the record's other fields as one JSON text (DuckDB VARCHAR, ClickHouse String; LogStore
# keeps them as typed attributes). No secondary indexes anywhere; ClickHouse's MergeTree sorts by
# (source, ts) with its default LZ4, after OPTIMIZE ... FINAL (one part); DuckDB after CHECKPOINT.
#
# Usage: bash Benchmarks/size-side-by-side.sh [RECORDS]
#   needs .build/release/logstore, python3 with duckdb (Benchmarks/setup.sh), clickhouse-server
#   (scripts/ensure-clickhouse.sh; started here on loopback with its own folder, stopped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-1000000}"
bin="${LOGSTORE_BIN:-.build/release/logstore}"
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product logstore"; exit 1; }
python3 -c "import duckdb" 2>/dev/null || { echo "python3 duckdb missing: bash Benchmarks/setup.sh"; exit 1; }
ch=/usr/sbin/clickhouse-server
[ -x "$ch" ] || { echo "clickhouse-server missing: bash scripts/ensure-clickhouse.sh"; exit 1; }
work="$(mktemp -d)"
chpid=""
cleanup() { [ -n "$chpid" ] && kill "$chpid" 2>/dev/null && wait "$chpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
bytes() { du -sb "$1" | cut -f1; }
per_record() { echo "scale=1; $1 / $records" | bc -l; }

echo "records: $records, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" sample --records "$records" > "$work/sample.ndjson"
ndjson=$(bytes "$work/sample.ndjson")

# LogStore: ingest, then compact (the sealed, re-encoded form).
"$bin" ingest --store "$work/store" --retention 30d "$work/sample.ndjson" > /dev/null
ls_ingested=$(bytes "$work/store")
"$bin" compact --store "$work/store" > /dev/null
ls_compacted=$(bytes "$work/store")

# The six fields, flattened once for the two SQL engines.
python3 - "$work/sample.ndjson" "$work/flat.ndjson" <<'PY'
import json, sys, datetime
src, dst = sys.argv[1], sys.argv[2]
def ns(t):
    # RFC 3339 with up to 9 fractional digits and Z.
    base, _, frac = t.rstrip("Z").partition(".")
    d = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1_000_000_000 + int((frac + "000000000")[:9])
with open(src) as f, open(dst, "w") as out:
    for line in f:
        r = json.loads(line)
        row = {"ts": ns(r.pop("timestamp")), "level": r.pop("level", ""), "source": r.pop("source", ""),
               "correlation_id": r.pop("correlation_id", ""), "message": r.pop("message", ""),
               "attributes": json.dumps(r, separators=(",", ":"))}
        out.write(json.dumps(row, separators=(",", ":")) + "\n")
PY

# DuckDB: the table from read_json, then a checkpoint; the database file (and any WAL left).
python3 - "$work/flat.ndjson" "$work/logs.duckdb" <<'PY'
import duckdb, sys
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE logs (ts BIGINT, level VARCHAR, source VARCHAR, correlation_id VARCHAR, message VARCHAR, attributes VARCHAR)")
con.execute(f"INSERT INTO logs SELECT ts, level, source, correlation_id, message, attributes FROM read_json('{sys.argv[1]}', format='newline_delimited', columns={{'ts':'BIGINT','level':'VARCHAR','source':'VARCHAR','correlation_id':'VARCHAR','message':'VARCHAR','attributes':'VARCHAR'}})")
n = con.execute("SELECT count(*) FROM logs").fetchone()[0]
con.execute("CHECKPOINT")
con.close()
print(n, file=sys.stderr)
PY
duck=$(( $(stat -c %s "$work/logs.duckdb") + $( [ -f "$work/logs.duckdb.wal" ] && stat -c %s "$work/logs.duckdb.wal" || echo 0) ))

# ClickHouse MergeTree, on loopback with its own folder.
mkdir -p "$work/ch"
cat > "$work/ch/config.xml" <<XML
<yandex>
  <logger><level>warning</level><log>$work/ch/log.txt</log><errorlog>$work/ch/err.txt</errorlog></logger>
  <http_port>28123</http_port><tcp_port>29000</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>$work/ch/data/</path><tmp_path>$work/ch/tmp/</tmp_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>
XML
"$ch" --config-file="$work/ch/config.xml" > /dev/null 2>&1 &
chpid=$!
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:28123/?query=SELECT%201" > /dev/null 2>&1 && break
    sleep 0.1   # readiness poll, bounded (60 s)
done
q() { curl -sf "http://127.0.0.1:28123/" --data-binary "$1"; }
q "CREATE TABLE logs (ts Int64, level String, source String, correlation_id String, message String, attributes String) ENGINE = MergeTree() ORDER BY (source, ts)"
curl -sf "http://127.0.0.1:28123/?query=INSERT%20INTO%20logs%20FORMAT%20JSONEachRow" --data-binary @"$work/flat.ndjson"
q "OPTIMIZE TABLE logs FINAL"
chcount=$(q "SELECT count() FROM logs")
[ "$chcount" = "$records" ] || { echo "ClickHouse holds $chcount records, expected $records"; exit 1; }
chbytes=$(bytes "$work/ch/data/data/default/logs")
chparts=$(q "SELECT count() FROM system.parts WHERE table = 'logs' AND active")
# Inactive parts wait for cleanup; count only the active one(s).
chactive=$(q "SELECT sum(bytes_on_disk) FROM system.parts WHERE table = 'logs' AND active" 2>/dev/null || echo "")

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| engine | bytes | bytes/record | vs DuckDB |"
echo "|---|---:|---:|---:|"
echo "| NDJSON input | $ndjson | $(per_record "$ndjson") | |"
echo "| LogStore as ingested | $ls_ingested | $(per_record "$ls_ingested") | $(echo "scale=2; $ls_ingested / $duck" | bc -l) |"
echo "| LogStore after compact | $ls_compacted | $(per_record "$ls_compacted") | $(echo "scale=2; $ls_compacted / $duck" | bc -l) |"
echo "| DuckDB (file after CHECKPOINT) | $duck | $(per_record "$duck") | 1.00 |"
if [ -n "$chactive" ]; then
    echo "| ClickHouse MergeTree (active parts: $chparts) | $chactive | $(per_record "$chactive") | $(echo "scale=2; $chactive / $duck" | bc -l) |"
fi
echo "| ClickHouse table folder (du) | $chbytes | $(per_record "$chbytes") | $(echo "scale=2; $chbytes / $duck" | bc -l) |"
