#!/usr/bin/env python3
"""Forwarding benchmark (issue 15): `logstore forward` into ClickHouse against ClickHouse's own HTTP bulk
insert of the same rows, side by side in one run; the forwarder's CPU per 1M records; and catch-up after an
outage while `logstore serve --forward-to` ingests at a steady rate.

Usage: python3 Benchmarks/forward_bench.py --logstore .build/release/logstore [--records 1000000] [--reps 3]
           [--compare OTHER-LOGSTORE] [--batch-records N] [--outage-seconds 600] [--rate 20000] [--skip-outage]
Needs Debian's clickhouse-server (bash scripts/ensure-clickhouse.sh); starts it on 127.0.0.1:38300/39300 with
its own data folder under a temporary directory, removed at the end.
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request

HTTP, TCP = 38300, 39300


def ch_config(folder):
    return f"""<yandex>
  <logger><level>warning</level><log>{folder}/log.txt</log><errorlog>{folder}/err.txt</errorlog></logger>
  <http_port>{HTTP}</http_port><tcp_port>{TCP}</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>{folder}/data/</path><tmp_path>{folder}/tmp/</tmp_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>"""


class ClickHouse:
    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        with open(folder + "/config.xml", "w") as f:
            f.write(ch_config(folder))
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["/usr/sbin/clickhouse-server", f"--config-file={self.folder}/config.xml"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.query_raw(None, path="ping") == b"Ok.\n":
                    return
            except Exception:
                pass
            time.sleep(0.05)
        raise RuntimeError("clickhouse-server did not answer /ping within 60 s")

    def kill(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def query_raw(self, body, path="", params=""):
        url = f"http://127.0.0.1:{HTTP}/{path}" + (("?" + params) if params else "")
        req = urllib.request.Request(url, data=body)
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.read()

    def query(self, sql):
        return self.query_raw(sql.encode()).decode()

    def count(self, table):
        return int(self.query(f"SELECT count() FROM {table} FORMAT TabSeparated").strip() or 0)



def run_timed(cmd):
    """Runs cmd; returns (wall seconds, user+system CPU seconds of the child)."""
    start = time.perf_counter()
    before = os.times()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = os.times()
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {p.stderr.decode()[-2000:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def throughput(args, ch, work):
    store = work + "/store"
    sample = work + "/sample.ndjson"
    with open(sample, "w") as f:
        subprocess.run([args.logstore, "sample", "--records", str(args.records), "--span", "6h"], stdout=f, check=True)
    subprocess.run([args.logstore, "ingest", "--store", store, "--quiet", sample], check=True, stdout=subprocess.DEVNULL)
    ndjson_mb = os.path.getsize(sample) / 1e6
    os.remove(sample)
    binaries = [("forward", args.logstore)] + ([("compare", args.compare)] if args.compare else [])
    rows = []
    for rep in range(args.reps):
        row = {"rep": rep}
        # Side by side: each rep runs every binary (alternating which goes first) and the bulk insert.
        for name, binary in (binaries if rep % 2 == 0 else list(reversed(binaries))):
            ch.query("DROP TABLE IF EXISTS default.fwd")
            cmd = [binary, "forward", "--store", store, "--to", f"clickhouse://127.0.0.1:{HTTP}/default.fwd",
                   "--store-id", "bench", "--once", "--quiet"]
            if args.batch_records:
                cmd += ["--batch-records", str(args.batch_records)]
            wall, cpu = run_timed(cmd)
            n = ch.count("default.fwd")
            assert n == args.records, f"{name}: forwarded {n} of {args.records}"
            row[name + "_s"], row[name + "_cpu_s"] = wall, cpu
        ch.query("DROP TABLE IF EXISTS default.bulk")
        # The same rows, as ClickHouse itself would take them in bulk: one HTTP insert of the JSONEachRow the
        # forwarder sent (read back, so the bytes and the table are the same).
        body = ch.query_raw(b"SELECT store_id, seq, timestamp_ns, level, source, correlation_id, message, attr.key, attr.value "
                            b"FROM default.fwd ORDER BY seq FORMAT JSONEachRow")
        ch.query("CREATE TABLE default.bulk AS default.fwd")
        start = time.perf_counter()
        ch.query_raw(body, params="query=" + urllib.parse.quote("INSERT INTO default.bulk FORMAT JSONEachRow"))
        row["bulk_s"] = time.perf_counter() - start
        row["json_mb"] = len(body) / 1e6
        assert ch.count("default.bulk") == args.records
        rows.append(row)
        mb = row["json_mb"]
        line = f"rep {rep}: "
        for name, _ in binaries:
            wall, cpu = row[name + "_s"], row[name + "_cpu_s"]
            line += (f"{name} {args.records / wall:,.0f} records/s ({mb / wall:.1f} MB/s of JSON), CPU {cpu:.2f} s, "
                     f"ratio {row['bulk_s'] / wall:.2f}; ")
        line += f"ClickHouse bulk insert {args.records / row['bulk_s']:,.0f} records/s ({mb / row['bulk_s']:.1f} MB/s)"
        print(line, flush=True)
    mb = rows[0]["json_mb"]
    blk = median([args.records / r["bulk_s"] for r in rows])
    result = {"bulk_rps": blk, "reps": rows}
    for name, binary in binaries:
        fwd = median([args.records / r[name + "_s"] for r in rows])
        ratio = median([r["bulk_s"] / r[name + "_s"] for r in rows])
        cpu = median([r[name + "_cpu_s"] / args.records * 1e6 for r in rows])
        print(f"MEDIAN {name} ({binary}) {fwd:,.0f} records/s ({fwd * mb / args.records:.1f} MB/s), ClickHouse bulk {blk:,.0f} "
              f"records/s ({blk * mb / args.records:.1f} MB/s), {name}/bulk {ratio:.2f} (median of per-rep ratios); "
              f"forwarder CPU {cpu:.2f} s per 1M records (NDJSON {ndjson_mb:.0f} MB, JSONEachRow {mb:.0f} MB)", flush=True)
        result[name] = {"rps": fwd, "ratio": ratio, "cpu_s_per_million": cpu}
    return result


def outage(args, ch, work):
    """`logstore serve --forward-to` ingesting `rate` records/s (NDJSON batches of 1,000); ClickHouse is
    SIGKILLed for `outage` seconds and restarted; the catch-up time is from its restart until the table
    holds every record the server acknowledged."""
    ch.query("DROP TABLE IF EXISTS default.live")
    store = work + "/live-store"
    log = open(work + "/serve.log", "w")
    serve = subprocess.Popen([args.logstore, "serve", "--store", store, "--listen", "127.0.0.1:0", "--no-access-log",
                              "--forward-to", f"clickhouse://127.0.0.1:{HTTP}/default.live", "--forward-store-id", "live"],
                             stdout=log, stderr=log)
    port = None
    deadline = time.time() + 60
    while port is None and time.time() < deadline:
        m = re.search(r"listening on port (\d+)", open(work + "/serve.log").read())
        port = int(m.group(1)) if m else None
        time.sleep(0.05)
    acked = [0]
    stop = threading.Event()

    def writer():
        batch = 1000
        interval = batch / args.rate
        nxt = time.perf_counter()
        i = 0
        while not stop.is_set():
            now_ns = time.time_ns()
            body = "".join(json.dumps({"timestamp": now_ns + k, "level": "info", "source": f"svc-{k % 8}",
                                       "correlation_id": f"req-{i + k // 10}", "message": f"request {i + k} done",
                                       "status": 200, "latency_ms": k % 97}) + "\n" for k in range(batch)).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/insert/jsonline", data=body)
            with urllib.request.urlopen(req, timeout=60) as r:
                if r.status == 200:
                    acked[0] += batch
            i += batch
            nxt += interval
            delay = nxt - time.perf_counter()
            if delay > 0:
                time.sleep(delay)

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(5)
    down_at = time.perf_counter()
    ch.kill()
    print(f"ClickHouse down for {args.outage_seconds} s while {args.rate:,} records/s arrive", flush=True)
    time.sleep(args.outage_seconds)
    ch.start()
    up_at = time.perf_counter()
    backlog = acked[0] - ch.count("default.live")
    # Caught up: the table holds everything acknowledged before this moment.
    caught = None
    while caught is None and time.perf_counter() - up_at < 3600:
        target = acked[0]
        if ch.count("default.live") >= target:
            caught = time.perf_counter() - up_at
        else:
            time.sleep(0.2)
    stop.set()
    t.join()
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=120)
    total = acked[0]
    final = ch.count("default.live")
    distinct = int(ch.query("SELECT uniqExact(store_id, seq) FROM default.live FORMAT TabSeparated").strip())
    rate = total / (time.perf_counter() - down_at + 5)
    print(f"outage {args.outage_seconds} s at {args.rate:,} records/s: backlog at restart {backlog:,} records; caught up "
          f"{caught:.1f} s after ClickHouse came back; at the end {final:,} rows, {distinct:,} distinct, {total:,} acknowledged",
          flush=True)
    return {"outage_s": args.outage_seconds, "rate": args.rate, "backlog": backlog, "catch_up_s": caught,
            "rows": final, "distinct": distinct, "acknowledged": total}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logstore", default=".build/release/logstore")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--outage-seconds", type=int, default=600)
    ap.add_argument("--rate", type=int, default=20_000)
    ap.add_argument("--skip-outage", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--compare", help="a second logstore binary (say, the previous build) run side by side in every rep")
    ap.add_argument("--batch-records", type=int, help="passed to logstore forward --batch-records")
    ap.add_argument("--out")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="forward-bench-")
    ch = ClickHouse(work + "/clickhouse")
    results = {"uptime_start": open("/proc/loadavg").read().strip()}
    try:
        ch.start()
        if not args.skip_throughput:
            results["throughput"] = throughput(args, ch, work)
        if not args.skip_outage:
            results["outage"] = outage(args, ch, work)
    finally:
        ch.kill()
        results["uptime_end"] = open("/proc/loadavg").read().strip()
        shutil.rmtree(work, ignore_errors=True)
    print("load average (1, 5, 15 min) at start / end:", results["uptime_start"], "/", results["uptime_end"])
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    import urllib.parse
    main()
