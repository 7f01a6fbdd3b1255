#!/usr/bin/env python3
"""OTLP export benchmark (issue 15, Must 4): `logstore forward --to otlp+http://…` into a real `logstore serve`
(both release binaries, loopback) side by side with `logstore forward --to clickhouse://…` of the same store,
alternating within each rep; records/s (wall clock of `forward --once`, process start included) and the
exporter's CPU per 1M records. The receiving server is started fresh for every rep (its own store) and must
hold every record afterwards (`GET /api/v1/count`).

Usage: python3 Benchmarks/otlp_export_bench.py --logstore .build/release/logstore [--records 1000000] [--reps 3]
           [--skip-clickhouse]
Reuses forward_bench.py's ClickHouse (127.0.0.1:38300, its own data folder, removed at the end).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from forward_bench import ClickHouse, HTTP, median, run_timed  # noqa: E402


def start_serve(logstore, store, log):
    out = open(log, "w")
    proc = subprocess.Popen([logstore, "serve", "--store", store, "--listen", "127.0.0.1:0", "--no-access-log"],
                            stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(log) as f:
            for line in f:
                if "listening on port " in line:
                    return proc, int(line.split()[-1])
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("logstore serve did not say its port within 60 s: " + open(log).read()[-2000:])


def count(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/count", timeout=600) as r:
        return json.loads(r.read())["count"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logstore", default=".build/release/logstore")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--batch-records", type=int, default=10_000)
    ap.add_argument("--skip-clickhouse", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="otlp-export-bench-")
    results = {"uptime_start": open("/proc/loadavg").read().strip(), "reps": []}
    ch = None if args.skip_clickhouse else ClickHouse(work + "/clickhouse")
    try:
        if ch:
            ch.start()
        store = work + "/store"
        sample = work + "/sample.ndjson"
        with open(sample, "w") as f:
            subprocess.run([args.logstore, "sample", "--records", str(args.records), "--span", "6h"], stdout=f, check=True)
        subprocess.run([args.logstore, "ingest", "--store", store, "--quiet", sample], check=True, stdout=subprocess.DEVNULL)
        os.remove(sample)
        for rep in range(args.reps):
            row = {"rep": rep}
            receiving = f"{work}/receiver-{rep}"
            os.makedirs(receiving)
            serve, port = start_serve(args.logstore, receiving + "/store", receiving + ".log")
            try:
                wall, cpu = run_timed([args.logstore, "forward", "--store", store, "--to", f"otlp+http://127.0.0.1:{port}",
                                       "--store-id", "bench", "--batch-records", str(args.batch_records), "--once", "--quiet"])
                n = count(port)
                assert n == args.records, f"exported {n} of {args.records}"
                row.update(otlp_s=wall, otlp_cpu_s=cpu)
            finally:
                serve.terminate()
                serve.wait()
                shutil.rmtree(receiving, ignore_errors=True)
            if ch:
                ch.query("DROP TABLE IF EXISTS default.fwd")
                wall, cpu = run_timed([args.logstore, "forward", "--store", store, "--to",
                                       f"clickhouse://127.0.0.1:{HTTP}/default.fwd", "--store-id", "bench",
                                       "--batch-records", str(args.batch_records), "--once", "--quiet"])
                assert ch.count("default.fwd") == args.records
                row.update(clickhouse_s=wall, clickhouse_cpu_s=cpu)
            results["reps"].append(row)
            line = f"rep {rep}: OTLP into logstore serve {args.records / row['otlp_s']:,.0f} records/s (exporter CPU {row['otlp_cpu_s']:.2f} s)"
            if ch:
                line += (f"; ClickHouse forwarding {args.records / row['clickhouse_s']:,.0f} records/s (CPU {row['clickhouse_cpu_s']:.2f} s); "
                         f"OTLP/ClickHouse {row['clickhouse_s'] / row['otlp_s']:.2f}")
            print(line, flush=True)
        reps = results["reps"]
        otlp = median([args.records / r["otlp_s"] for r in reps])
        otlp_cpu = median([r["otlp_cpu_s"] / args.records * 1e6 for r in reps])
        summary = f"MEDIAN OTLP export into logstore serve {otlp:,.0f} records/s, exporter CPU {otlp_cpu:.2f} s per 1M records"
        results.update(otlp_rps=otlp, otlp_cpu_s_per_million=otlp_cpu)
        if ch:
            chr_ = median([args.records / r["clickhouse_s"] for r in reps])
            ratio = median([r["clickhouse_s"] / r["otlp_s"] for r in reps])
            summary += f"; ClickHouse forwarding {chr_:,.0f} records/s; OTLP/ClickHouse {ratio:.2f} (median of per-rep ratios)"
            results.update(clickhouse_rps=chr_, ratio=ratio)
        print(summary, flush=True)
    finally:
        if ch:
            ch.kill()
        results["uptime_end"] = open("/proc/loadavg").read().strip()
        shutil.rmtree(work, ignore_errors=True)
    print("load average (1, 5, 15 min) at start / end:", results["uptime_start"], "/", results["uptime_end"])
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
