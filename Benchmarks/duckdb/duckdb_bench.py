#!/usr/bin/env python3
"""DuckDB contender of LogBench (Benchmarks/Sources/LogBench/DuckDBContender.swift drives it).

Every subcommand prints one JSON object on stdout; timings are taken inside this process with
time.perf_counter_ns, so Python start-up and `import duckdb` are never counted.

  ingest  --db PATH --ndjson FILE --mode arrow|insert|read_json [--batch 10000]
  open    --db PATH --times K [--read-only]
  query   --db PATH --params FILE
  crash   --db PATH --ndjson FILE      (bulk-ingests, then SIGKILLs itself: no close, no checkpoint)
  recover --db PATH                    (first open after `crash`, then counts the records)

Schema: the columns of the SQLite table `tail_logs`, with DuckDB's native types where a user would
pick them (UUID, TIMESTAMP_NS, BIGINT); no PRIMARY KEY and no indexes (DuckDB scans with zone maps;
an ART index on a random UUID would only slow ingest down).
"""
import argparse
import json
import os
import signal
import sys
import time

import duckdb

SCHEMA = """
CREATE TABLE tail_logs (
    log_id UUID NOT NULL DEFAULT gen_random_uuid(),
    worker_name VARCHAR NOT NULL,
    request_id VARCHAR,
    correlation_id VARCHAR,
    log_level VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    context_json VARCHAR,
    timestamp TIMESTAMP_NS NOT NULL,
    execution_time_ms BIGINT,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
)
"""
COLUMNS = "worker_name, request_id, correlation_id, log_level, message, context_json, timestamp, execution_time_ms"
# Fields of an NDJSON line that have their own column; every other field goes into context_json.
OWN = ("timestamp", "level", "source", "correlation_id", "message", "request_id", "execution_time_ms")

# Bulk load straight from the NDJSON file: read_ndjson_objects yields each line as JSON;
# json_transform extracts the fields that have a column in one parse, and a JSON merge patch that
# sets those keys to null removes them, leaving the other attributes as the context JSON text.
# (Measured faster than ->> per field and chained json_remove calls.)
_FIELDS = '{"source":"VARCHAR","level":"VARCHAR","message":"VARCHAR","correlation_id":"VARCHAR",' \
          '"request_id":"VARCHAR","timestamp":"VARCHAR","execution_time_ms":"BIGINT"}'
_PATCH = "{" + ",".join(f'"{k}":null' for k in OWN) + "}"
READ_JSON = f"""
INSERT INTO tail_logs ({COLUMNS})
SELECT s.source, s.request_id, s.correlation_id, s.level, s.message,
       nullif(json_merge_patch(j, '{_PATCH}')::VARCHAR, '{{}}'),
       s.timestamp::TIMESTAMP_NS, s.execution_time_ms
FROM (SELECT json AS j, json_transform(json, '{_FIELDS}') AS s FROM read_ndjson_objects(?))
"""
# The Arrow batch path: DuckDB scans a pyarrow Table referenced by name from Python (zero-copy).
ARROW_NAMES = ["worker_name", "request_id", "correlation_id", "log_level", "message", "context_json", "ts",
               "execution_time_ms"]
ARROW_INSERT = f"""
INSERT INTO tail_logs ({COLUMNS})
SELECT worker_name, request_id, correlation_id, log_level, message, context_json, ts::TIMESTAMP_NS, execution_time_ms
FROM batch_table
"""


def now():
    return time.perf_counter_ns()


def ms(t0, t1):
    return (t1 - t0) / 1e6


def disk_bytes(db):
    return sum(os.path.getsize(p) for p in (db, db + ".wal") if os.path.exists(p))


def row_of(line):
    """One NDJSON line as the tuple an application hands to executemany."""
    o = json.loads(line)
    ctx = {k: v for k, v in o.items() if k not in OWN}
    return (o["source"], o.get("request_id"), o.get("correlation_id"), o["level"], o["message"],
            json.dumps(ctx, separators=(",", ":")) if ctx else None, o["timestamp"], o.get("execution_time_ms"))


def batches(path, size):
    batch = []
    with open(path, "rb") as f:
        for line in f:
            batch.append(row_of(line))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def cmd_ingest(a):
    spent = 0
    n = 0
    t0 = now()
    con = duckdb.connect(a.db)
    con.execute(SCHEMA)
    spent += now() - t0
    if a.mode == "arrow":
        # Each batch is parsed into tuples outside the clock (an application would have its records
        # ready); the clock runs over turning them into an Arrow table plus the transaction.
        import pyarrow as pa
        for batch in batches(a.ndjson, a.batch):
            t0 = now()
            batch_table = pa.table({name: pa.array(col) for name, col in zip(ARROW_NAMES, zip(*batch))})
            con.execute("BEGIN TRANSACTION")
            con.execute(ARROW_INSERT)
            con.execute("COMMIT")
            spent += now() - t0
            n += len(batch)
            del batch_table
    elif a.mode == "insert":
        # executemany: one prepared INSERT per row inside the transaction. DuckDB runs it row by row
        # (~1,000 rows/s here), so the harness does not use it; kept for reference.
        sql = f"INSERT INTO tail_logs ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?::TIMESTAMP_NS, ?)"
        for batch in batches(a.ndjson, a.batch):
            t0 = now()
            con.execute("BEGIN TRANSACTION")
            con.executemany(sql, batch)
            con.execute("COMMIT")
            spent += now() - t0
            n += len(batch)
    else:
        t0 = now()
        con.execute(READ_JSON, [a.ndjson])
        spent += now() - t0
    t1 = now()
    con.execute("CHECKPOINT")
    con.close()
    t2 = now()
    con = duckdb.connect(a.db, read_only=True)
    stored = con.execute("SELECT count(*) FROM tail_logs").fetchone()[0]
    con.close()
    print(json.dumps({"mode": a.mode, "records": stored, "offered": n or stored,
                      "ingest_s": spent / 1e9, "close_s": (t2 - t1) / 1e9,
                      "bytes_on_disk": disk_bytes(a.db), "duckdb": duckdb.__version__}))


def cmd_open(a):
    times = []
    for _ in range(a.times):
        t0 = now()
        con = duckdb.connect(a.db, read_only=a.read_only)
        con.execute("SELECT 1 FROM tail_logs LIMIT 0").fetchall()
        t1 = now()
        con.close()
        times.append(ms(t0, t1))
    print(json.dumps({"open_ms": times}))


def cmd_query(a):
    with open(a.params) as f:
        p = json.load(f)
    t0 = now()
    con = duckdb.connect(a.db)
    t1 = now()
    out = {"open_ms": ms(t0, t1), "count_all": con.execute("SELECT count(*) FROM tail_logs").fetchone()[0]}

    corr = []
    q = "SELECT * FROM tail_logs WHERE correlation_id = ? ORDER BY timestamp, rowid"
    for cid in p["correlation_ids"]:
        t0 = now()
        rows = con.execute(q, [cid]).fetchall()
        t1 = now()
        ts = [r[7] for r in rows]
        corr.append([ms(t0, t1), len(rows), all(x <= y for x, y in zip(ts, ts[1:]))])
    out["correlation"] = corr

    rng = []
    q = ("SELECT * FROM tail_logs WHERE timestamp >= make_timestamp_ns(?) AND timestamp < make_timestamp_ns(?) "
         "ORDER BY timestamp")
    for since, until in p["windows"]:
        t0 = now()
        rows = con.execute(q, [since, until]).fetchall()
        t1 = now()
        rng.append([ms(t0, t1), len(rows)])
    out["range"] = rng

    lv = []
    q = "SELECT log_level, count(*) FROM tail_logs WHERE timestamp >= make_timestamp_ns(?) GROUP BY log_level"
    for _ in range(p["level_runs"]):
        t0 = now()
        counts = dict(con.execute(q, [p["since_hour"]]).fetchall())
        t1 = now()
        lv.append([ms(t0, t1), counts])
    out["levels"] = lv

    sub = []
    q = "SELECT count(*) FROM tail_logs WHERE contains(message, ?)"  # case-sensitive, like LogStore's
    for _ in range(p["substring_runs"]):
        t0 = now()
        c = con.execute(q, [p["token"]]).fetchone()[0]
        t1 = now()
        sub.append([ms(t0, t1), c])
    out["substring"] = sub
    con.close()
    print(json.dumps(out))


def cmd_crash(a):
    con = duckdb.connect(a.db)
    con.execute(SCHEMA)
    con.execute(READ_JSON, [a.ndjson])
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def cmd_recover(a):
    t0 = now()
    con = duckdb.connect(a.db)
    con.execute("SELECT 1 FROM tail_logs LIMIT 0").fetchall()
    t1 = now()
    n = con.execute("SELECT count(*) FROM tail_logs").fetchone()[0]
    con.close()
    print(json.dumps({"recover_ms": ms(t0, t1), "records": n}))


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("ingest"); p.add_argument("--db", required=True); p.add_argument("--ndjson", required=True)
    p.add_argument("--mode", choices=["arrow", "insert", "read_json"], required=True); p.add_argument("--batch", type=int, default=10_000)
    p = sp.add_parser("open"); p.add_argument("--db", required=True); p.add_argument("--times", type=int, default=10)
    p.add_argument("--read-only", action="store_true")
    p = sp.add_parser("query"); p.add_argument("--db", required=True); p.add_argument("--params", required=True)
    p = sp.add_parser("crash"); p.add_argument("--db", required=True); p.add_argument("--ndjson", required=True)
    p = sp.add_parser("recover"); p.add_argument("--db", required=True)
    a = ap.parse_args()
    {"ingest": cmd_ingest, "open": cmd_open, "query": cmd_query, "crash": cmd_crash, "recover": cmd_recover}[a.cmd](a)


if __name__ == "__main__":
    main()
