#!/usr/bin/env python3
"""DuckDB contender of LogBench (Benchmarks/Sources/LogBench/DuckDBContender.swift drives it).

Every subcommand prints one JSON object on stdout; timings are taken inside this process with
time.perf_counter_ns, so Python start-up and `import duckdb` are never counted.

  ingest  --db PATH --ndjson FILE --mode arrow|insert|read_json [--batch 10000] [--shape request|workflow]
  open    --db PATH --times K [--read-only] [--shape …]
  query   --db PATH --params FILE [--shape …]
  crash   --db PATH --ndjson FILE [--shape …]  (bulk-ingests, then SIGKILLs itself: no close, no checkpoint)
  recover --db PATH [--shape …]                (first open after `crash`, then counts the records)

The workflow shape (--shape workflow) uses the table `workflow_logs` with the columns workflow_id,
workflow_name, workflow_instance_id, task_name, task_instance_id, timestamp_ms (BIGINT epoch ms), level
and payload (JSON text: the message and the other payload fields), also without indexes. Its NDJSON
lines carry source (= workflow_name), correlation_id (= workflow_instance_id), timestamp (epoch ms),
message, workflow_id, task_name, task_instance_id and a nested payload object.

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


WF_SCHEMA = """
CREATE TABLE workflow_logs (
    workflow_id VARCHAR NOT NULL,
    workflow_name VARCHAR NOT NULL,
    workflow_instance_id VARCHAR NOT NULL,
    task_name VARCHAR,
    task_instance_id VARCHAR,
    timestamp_ms BIGINT NOT NULL,
    level VARCHAR NOT NULL,
    payload VARCHAR
)
"""
WF_COLUMNS = "workflow_id, workflow_name, workflow_instance_id, task_name, task_instance_id, timestamp_ms, level, payload"
_WF_FIELDS = '{"workflow_id":"VARCHAR","source":"VARCHAR","correlation_id":"VARCHAR","task_name":"VARCHAR",' \
             '"task_instance_id":"VARCHAR","timestamp":"BIGINT","level":"VARCHAR","message":"VARCHAR"}'
WF_READ_JSON = f"""
INSERT INTO workflow_logs ({WF_COLUMNS})
SELECT s.workflow_id, s.source, s.correlation_id, s.task_name, s.task_instance_id, s.timestamp, s.level,
       json_merge_patch(json_object('message', s.message), coalesce(json_extract(j, '$.payload'), '{{}}'))::VARCHAR
FROM (SELECT json AS j, json_transform(json, '{_WF_FIELDS}') AS s FROM read_ndjson_objects(?))
"""
WF_ARROW_NAMES = ["workflow_id", "workflow_name", "workflow_instance_id", "task_name", "task_instance_id",
                  "timestamp_ms", "level", "payload"]
WF_ARROW_INSERT = f"INSERT INTO workflow_logs ({WF_COLUMNS}) SELECT {WF_COLUMNS} FROM batch_table"


def table(a):
    return "workflow_logs" if a.shape == "workflow" else "tail_logs"


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


def wf_row_of(line):
    """One workflow-shape NDJSON line as the tuple of workflow_logs columns."""
    o = json.loads(line)
    payload = {"message": o["message"]}
    payload.update(o.get("payload", {}))
    return (o["workflow_id"], o["source"], o["correlation_id"], o.get("task_name"), o.get("task_instance_id"),
            o["timestamp"], o["level"], json.dumps(payload, separators=(",", ":")))


def batches(path, size, shape="request"):
    parse = wf_row_of if shape == "workflow" else row_of
    batch = []
    with open(path, "rb") as f:
        for line in f:
            batch.append(parse(line))
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
    wf = a.shape == "workflow"
    con.execute(WF_SCHEMA if wf else SCHEMA)
    spent += now() - t0
    if a.mode == "arrow":
        # Each batch is parsed into tuples outside the clock (an application would have its records
        # ready); the clock runs over turning them into an Arrow table plus the transaction.
        import pyarrow as pa
        names, insert = (WF_ARROW_NAMES, WF_ARROW_INSERT) if wf else (ARROW_NAMES, ARROW_INSERT)
        for batch in batches(a.ndjson, a.batch, a.shape):
            t0 = now()
            batch_table = pa.table({name: pa.array(col) for name, col in zip(names, zip(*batch))})
            con.execute("BEGIN TRANSACTION")
            con.execute(insert)
            con.execute("COMMIT")
            spent += now() - t0
            n += len(batch)
            del batch_table
    elif a.mode == "insert" and not wf:
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
    elif a.mode == "insert":
        raise SystemExit("--mode insert is for the request shape only")
    else:
        t0 = now()
        con.execute(WF_READ_JSON if wf else READ_JSON, [a.ndjson])
        spent += now() - t0
    t1 = now()
    con.execute("CHECKPOINT")
    con.close()
    t2 = now()
    con = duckdb.connect(a.db, read_only=True)
    stored = con.execute(f"SELECT count(*) FROM {table(a)}").fetchone()[0]
    con.close()
    print(json.dumps({"mode": a.mode, "records": stored, "offered": n or stored,
                      "ingest_s": spent / 1e9, "close_s": (t2 - t1) / 1e9,
                      "bytes_on_disk": disk_bytes(a.db), "duckdb": duckdb.__version__}))


def cmd_open(a):
    times = []
    for _ in range(a.times):
        t0 = now()
        con = duckdb.connect(a.db, read_only=a.read_only)
        con.execute(f"SELECT 1 FROM {table(a)} LIMIT 0").fetchall()
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
    wf = a.shape == "workflow"
    tbl = table(a)
    out = {"open_ms": ms(t0, t1), "count_all": con.execute(f"SELECT count(*) FROM {tbl}").fetchone()[0]}

    # The workflow shape stores whole milliseconds: bounds in ns become the first whole ms at or after them.
    def bound(ns):
        return -(-ns // 1_000_000) if wf else ns

    corr = []
    if wf:
        q = "SELECT * FROM workflow_logs WHERE workflow_instance_id = ? ORDER BY timestamp_ms, rowid"
    else:
        q = "SELECT * FROM tail_logs WHERE correlation_id = ? ORDER BY timestamp, rowid"
    tcol = 5 if wf else 7
    for cid in p["correlation_ids"]:
        t0 = now()
        rows = con.execute(q, [cid]).fetchall()
        t1 = now()
        ts = [r[tcol] for r in rows]
        corr.append([ms(t0, t1), len(rows), all(x <= y for x, y in zip(ts, ts[1:]))])
    out["correlation"] = corr

    rng = []
    if wf:
        q = "SELECT * FROM workflow_logs WHERE timestamp_ms >= ? AND timestamp_ms < ? ORDER BY timestamp_ms"
    else:
        q = ("SELECT * FROM tail_logs WHERE timestamp >= make_timestamp_ns(?) AND timestamp < make_timestamp_ns(?) "
             "ORDER BY timestamp")
    for since, until in p["windows"]:
        t0 = now()
        rows = con.execute(q, [bound(since), bound(until)]).fetchall()
        t1 = now()
        rng.append([ms(t0, t1), len(rows)])
    out["range"] = rng

    lv = []
    if wf:
        q = "SELECT level, count(*) FROM workflow_logs WHERE timestamp_ms >= ? GROUP BY level"
    else:
        q = "SELECT log_level, count(*) FROM tail_logs WHERE timestamp >= make_timestamp_ns(?) GROUP BY log_level"
    for _ in range(p["level_runs"]):
        t0 = now()
        counts = dict(con.execute(q, [bound(p["since_hour"])]).fetchall())
        t1 = now()
        lv.append([ms(t0, t1), counts])
    out["levels"] = lv

    sub = []
    # contains() is case-sensitive, like LogStore's messageContains; the workflow shape's message is in payload.
    q = ("SELECT count(*) FROM workflow_logs WHERE contains(payload, ?)" if wf
         else "SELECT count(*) FROM tail_logs WHERE contains(message, ?)")
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
    wf = a.shape == "workflow"
    con.execute(WF_SCHEMA if wf else SCHEMA)
    con.execute(WF_READ_JSON if wf else READ_JSON, [a.ndjson])
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def cmd_recover(a):
    t0 = now()
    con = duckdb.connect(a.db)
    con.execute(f"SELECT 1 FROM {table(a)} LIMIT 0").fetchall()
    t1 = now()
    n = con.execute(f"SELECT count(*) FROM {table(a)}").fetchone()[0]
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
    for sub in sp.choices.values():
        sub.add_argument("--shape", choices=["request", "workflow"], default="request")
    a = ap.parse_args()
    {"ingest": cmd_ingest, "open": cmd_open, "query": cmd_query, "crash": cmd_crash, "recover": cmd_recover}[a.cmd](a)


if __name__ == "__main__":
    main()
