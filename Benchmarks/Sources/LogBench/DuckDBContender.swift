import Foundation
import LogStore
import LogStoreFormat

/// DuckDB through its Python package, driven as a child process running
/// `Benchmarks/duckdb/duckdb_bench.py`. Every timing is taken inside the Python process (so Python
/// start-up and `import duckdb` are not counted) and comes back as JSON on stdout; the harness
/// checks the answers against the dataset and samples the child's peak RSS from /proc.
///
/// Configuration (DuckDB's defaults: all cores, memory limit 80 % of RAM): one table with the
/// columns of SQLite's `tail_logs`, typed natively (UUID with a `gen_random_uuid()` default,
/// TIMESTAMP_NS), no PRIMARY KEY and no indexes (zone maps serve the filters). Ingest paths:
/// - batches of 10,000 records handed over as Arrow tables, one transaction each (DuckDB's fast path
///   from Python; `executemany` runs row by row at ~1,000 rows/s and is left out);
/// - one `INSERT … SELECT` over `read_ndjson_objects` of the harness's NDJSON file.
/// Both end with CHECKPOINT and close; bytes on disk are measured after that.
final class DuckDBRun {
    let options: Options
    let dataset: Dataset
    let workdir: String
    var report: Report
    private var peaks: [(String, Int, Int)] = []
    let script: String
    let python: String?
    /// Why DuckDB cannot run, or nil.
    private(set) var unavailable: String?
    private(set) var version = ""

    static let arrowWorkload = "ingest DuckDB Arrow batches, tx of 10,000"
    static let jsonWorkload = "ingest DuckDB read_json (NDJSON file)"

    private var rate: [String: Samples] = [:], mbps: [String: Samples] = [:], close: [String: Samples] = [:]
    private var disk: [String: Samples] = [:]
    private var keptStore = ""

    init(options: Options, dataset: Dataset, workdir: String, report: Report) {
        self.options = options
        self.dataset = dataset
        self.workdir = workdir
        self.report = report
        script = CLIIngest.repositoryRoot.appendingPathComponent("Benchmarks/duckdb/duckdb_bench.py").path
        python = executablePath(options.python)
        if python == nil {
            unavailable = "no \(options.python) on PATH"
        } else if !Files.exists(script) {
            unavailable = "missing \(script)"
        } else if let out = try? ChildProcess.run(python!, ["-c", "import duckdb, pyarrow; print(duckdb.__version__)"],
                                                  logPath: workdir + "/duckdb-check.log"), out.status == 0 {
            version = out.output.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            unavailable = "Python packages duckdb and pyarrow are not importable; run Benchmarks/setup.sh"
        }
        if let unavailable { progress("DuckDB unavailable: " + unavailable) }
    }

    var available: Bool { unavailable == nil }

    func progress(_ s: String) {
        FileHandle.standardError.write(Data(("[logbench] " + s + "\n").utf8))
    }

    func problem(_ s: String) {
        progress("PROBLEM: duckdb: " + s)
        report.problems.append("duckdb: " + s)
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Runs one subcommand of the script and returns its JSON answer.
    private func call(_ args: [String], phase: String) throws -> [String: Any] {
        let log = "\(workdir)/duckdb-\(args[0]).log"
        let r = try ChildProcess.run(python!, [script] + args + ["--shape", dataset.shape.rawValue], logPath: log, stdoutPath: log + ".out")
        if let i = peaks.firstIndex(where: { $0.0 == phase }) {
            peaks[i].1 = max(peaks[i].1, r.peakRSS)
            peaks[i].2 = max(peaks[i].2, r.peakRSS)
        } else {
            peaks.append((phase, r.peakRSS, r.peakRSS))
        }
        guard r.status == 0, !r.signaled,
              let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw Failure(description: "`\(args.joined(separator: " "))` failed (status \(r.status)): \(r.output.suffix(400))")
        }
        return obj
    }

    private func dbPath(_ label: String, _ rep: Int) -> String { "\(workdir)/stores/duckdb-\(label)-\(rep)/logs.duckdb" }

    // MARK: Ingest

    func ingestRep(_ rep: Int) throws {
        guard available else { return }
        let n = dataset.count, mb = Double(dataset.ndjsonBytes) / 1e6
        for (label, mode, workload) in [("arrow", "arrow", Self.arrowWorkload), ("json", "read_json", Self.jsonWorkload)] {
            let db = dbPath(label, rep)
            let dir = (db as NSString).deletingLastPathComponent
            Files.remove(dir)
            try Files.makeDirectory(dir)
            progress("rep \(rep + 1)/\(options.reps): \(workload) (\(n) records)")
            sync()
            let o = try call(["ingest", "--db", db, "--ndjson", dataset.ndjsonPath, "--mode", mode, "--batch", "10000"],
                             phase: "duckdb \(mode) ingest (child process)")
            let stored = o["records"] as? Int ?? -1
            if stored != n { problem("\(workload): the database holds \(stored) of \(n) records") }
            let seconds = (o["ingest_s"] as? Double ?? .nan) + (o["close_s"] as? Double ?? .nan)
            let bytes = Double(o["bytes_on_disk"] as? Int ?? 0)
            rate[workload, default: Samples()].add(Double(n) / seconds)
            mbps[workload, default: Samples()].add(mb / seconds)
            close[workload, default: Samples()].add(o["close_s"] as? Double ?? .nan)
            disk[workload, default: Samples()].add(bytes / Double(n))
            progress(String(format: "  %.0f records/s incl. checkpoint+close, %.1f B/record on disk", Double(n) / seconds, bytes / Double(n)))
            if mode == "read_json" && rep == options.reps - 1 {
                keptStore = db
            } else {
                Files.remove(dir)
            }
        }
    }

    func finishIngest() {
        guard available else {
            report.metrics.append(.unavailable(contender: "duckdb", workload: "ingest DuckDB", name: "throughput", unit: "records/s",
                                               target: nil, reason: unavailable ?? ""))
            return
        }
        for w in [Self.arrowWorkload, Self.jsonWorkload] {
            report.metrics += [
                Metric(contender: "duckdb", workload: w, name: "throughput incl. close", unit: "records/s", rate[w] ?? Samples(),
                       note: w == Self.arrowWorkload
                           ? "clock inside Python over building each Arrow table + its transaction, then CHECKPOINT + close; parsing the NDJSON into tuples is outside it"
                           : "clock inside Python over the INSERT … SELECT from read_ndjson_objects, then CHECKPOINT + close"),
                Metric(contender: "duckdb", workload: w, name: "throughput incl. close", unit: "MB/s", mbps[w] ?? Samples()),
                Metric(contender: "duckdb", workload: w, name: "CHECKPOINT + close", unit: "s", close[w] ?? Samples()),
                Metric(contender: "duckdb", workload: w, name: "bytes on disk per record", unit: "B", disk[w] ?? Samples()),
            ]
        }
        let kept = disk[Self.jsonWorkload] ?? Samples()
        report.metrics += [
            Metric(contender: "duckdb", workload: "storage after close", name: "bytes on disk", unit: "MB",
                   Samples(kept.values.map { $0 * Double(dataset.count) / 1e6 })),
            Metric(contender: "duckdb", workload: "storage after close", name: "bytes on disk per record", unit: "B", kept,
                   note: "store of \(Self.jsonWorkload), after CHECKPOINT and close"),
            Metric(contender: "duckdb", workload: "storage after close", name: "disk / NDJSON bytes", unit: "fraction",
                   Samples(kept.values.map { $0 * Double(dataset.count) / Double(dataset.ndjsonBytes) })),
        ]
    }

    // MARK: Reopen

    func runReopen() throws {
        guard available, !keptStore.isEmpty else { return }
        let times = options.reopens * options.reps
        progress("duckdb reopen ×\(times) (writer and read-only; timed inside one Python process)")
        let w = try call(["open", "--db", keptStore, "--times", String(times)], phase: "duckdb reopen (child process)")
        let r = try call(["open", "--db", keptStore, "--times", String(times), "--read-only"], phase: "duckdb reopen (child process)")
        report.metrics += [
            Metric(contender: "duckdb", workload: "reopen closed store", name: "open (writer)", unit: "ms",
                   Samples(w["open_ms"] as? [Double] ?? []), note: "duckdb.connect + a LIMIT 0 query on the table"),
            Metric(contender: "duckdb", workload: "reopen closed store", name: "open (read-only)", unit: "ms",
                   Samples(r["open_ms"] as? [Double] ?? [])),
        ]
    }

    // MARK: Queries

    func runQueries(plans: [QueryPlan]) throws {
        guard available, !keptStore.isEmpty else { return }
        let lastHour = dataset.end - 3_600_000_000_000
        let expectedLevels = Dictionary(uniqueKeysWithValues: dataset.expectedLevelCounts(since: lastHour).map { ($0.key.name, $0.value) })
        var corrP50 = Samples(), corrP99 = Samples(), corrMax = Samples(), corrMean = Samples()
        var rangeMedian = Samples(), rangeP99 = Samples(), rangeRecords = Samples()
        var levelMs = Samples(), substringMs = Samples()
        var corrBad = 0, rangeBad = 0, levelBad = 0, substringBad = 0, total = 0
        var corrChecked = 0, rangeChecked = 0, levelChecked = 0, substringChecked = 0
        for (rep, plan) in plans.enumerated() {
            progress("rep \(rep + 1)/\(options.reps): duckdb queries (child process)")
            let paramsPath = "\(workdir)/duckdb-params-\(rep).json"
            let params: [String: Any] = [
                "correlation_ids": plan.correlationIDs, "windows": plan.windows, "since_hour": lastHour,
                "token": dataset.substringToken, "level_runs": options.levelCountRuns, "substring_runs": options.substringRuns,
            ]
            try JSONSerialization.data(withJSONObject: params).write(to: URL(fileURLWithPath: paramsPath))
            let o = try call(["query", "--db", keptStore, "--params", paramsPath], phase: "duckdb queries (child process)")
            total = o["count_all"] as? Int ?? -1

            var lat = Samples(), returned = 0
            for (id, entry) in zip(plan.correlationIDs, o["correlation"] as? [[Any]] ?? []) {
                let ms = entry[0] as? Double ?? .nan, count = entry[1] as? Int ?? -1, sorted = entry[2] as? Bool ?? false
                lat.add(ms)
                returned += count
                corrChecked += 1
                if count != dataset.correlationCounts[id] ?? 0 || !sorted { corrBad += 1 }
            }
            corrP50.add(lat.percentile(50)); corrP99.add(lat.percentile(99)); corrMax.add(lat.max)
            corrMean.add(Double(returned) / Double(max(lat.count, 1)))

            var rlat = Samples(), rcount = Samples()
            for (w, entry) in zip(plan.windows, o["range"] as? [[Any]] ?? []) {
                let count = entry[1] as? Int ?? -1
                rlat.add(entry[0] as? Double ?? .nan)
                rcount.add(Double(count))
                rangeChecked += 1
                if count != dataset.expectedInRange(since: w[0], until: w[1]) { rangeBad += 1 }
            }
            rangeMedian.add(rlat.median); rangeP99.add(rlat.percentile(99)); rangeRecords.add(rcount.median)

            var llat = Samples()
            for entry in o["levels"] as? [[Any]] ?? [] {
                llat.add(entry[0] as? Double ?? .nan)
                levelChecked += 1
                if (entry[1] as? [String: Int]) != expectedLevels { levelBad += 1 }
            }
            levelMs.add(llat.median)

            var slat = Samples()
            for entry in o["substring"] as? [[Any]] ?? [] {
                slat.add(entry[0] as? Double ?? .nan)
                substringChecked += 1
                if entry[1] as? Int != dataset.substringMatches { substringBad += 1 }
            }
            substringMs.add(slat.median)
        }
        let wc = "correlation-ID lookup"
        report.metrics += [
            Metric(contender: "duckdb", workload: wc, name: "p50", unit: "ms", corrP50,
                   note: dataset.shape == .workflow
                       ? "SELECT * … WHERE workflow_instance_id = ? ORDER BY timestamp_ms, rowid, fetchall() into Python tuples"
                       : "SELECT * … WHERE correlation_id = ? ORDER BY timestamp, fetchall() into Python tuples"),
            Metric(contender: "duckdb", workload: wc, name: "p99", unit: "ms", corrP99),
            Metric(contender: "duckdb", workload: wc, name: "max", unit: "ms", corrMax),
            Metric(contender: "duckdb", workload: wc, name: "records per ID", unit: "records", corrMean),
            Metric(contender: "duckdb", workload: "1-minute range (collect)", name: "median", unit: "ms", rangeMedian),
            Metric(contender: "duckdb", workload: "1-minute range (collect)", name: "p99", unit: "ms", rangeP99),
            Metric(contender: "duckdb", workload: "1-minute range (collect)", name: "records returned (median)", unit: "records", rangeRecords),
            Metric(contender: "duckdb", workload: "countByLevel, last hour", name: "median", unit: "ms", levelMs),
            Metric(contender: "duckdb", workload: "count messageContains \"\(dataset.substringToken)\"", name: "median", unit: "ms", substringMs,
                   note: dataset.shape == .workflow ? "contains(payload, ?) (payload holds the message): case-sensitive like LogStore's"
                                                   : "contains(message, ?): case-sensitive like LogStore's"),
        ]
        report.checks += [
            "duckdb: store holds \(total)/\(dataset.count) records",
            "correlation answers complete+sorted: \(corrChecked - corrBad)/\(corrChecked)",
            "range answers exact: \(rangeChecked - rangeBad)/\(rangeChecked)",
            "countByLevel exact: \(levelChecked - levelBad)/\(levelChecked)",
            "substring count exact: \(substringChecked - substringBad)/\(substringChecked)",
        ]
        if total != dataset.count { problem("the database holds \(total) records, expected \(dataset.count)") }
        if corrBad > 0 { problem("\(corrBad) correlation lookups returned unsorted or incomplete results") }
        if rangeBad > 0 { problem("\(rangeBad) range queries returned a different count than the dataset holds") }
        if levelBad > 0 { problem("\(levelBad) count-by-level answers differ from the dataset") }
        if substringBad > 0 { problem("\(substringBad) substring counts differ from \(dataset.substringMatches)") }
    }

    // MARK: Recovery

    func runRecovery() throws {
        guard available else { return }
        let db = dbPath("crash", 0)
        let dir = (db as NSString).deletingLastPathComponent
        Files.remove(dir)
        try Files.makeDirectory(dir)
        progress("recovery: duckdb child bulk-loads the NDJSON file and is killed with SIGKILL")
        sync()
        let r = try ChildProcess.run(python!, [script, "crash", "--db", db, "--ndjson", dataset.ndjsonPath, "--shape", dataset.shape.rawValue],
                                     logPath: "\(workdir)/duckdb-crash.log")
        guard r.signaled else {
            problem("recovery: the crash child ended with status \(r.status): \(r.output.suffix(300))")
            return
        }
        let left = Files.treeSize(dir)
        let first = try call(["recover", "--db", db], phase: "duckdb recovery (child process)")
        let second = try call(["recover", "--db", db], phase: "duckdb recovery (child process)")
        Files.remove(dir)
        let w = "recovery after SIGKILL"
        report.metrics += [
            Metric(contender: "duckdb", workload: w, name: "first open after the kill", unit: "ms",
                   Samples([first["recover_ms"] as? Double ?? .nan]),
                   note: "child: INSERT … SELECT from read_ndjson_objects, no checkpoint or close, SIGKILL; then connect (WAL replay)"),
            Metric(contender: "duckdb", workload: w, name: "second open", unit: "ms", Samples([second["recover_ms"] as? Double ?? .nan])),
            Metric(contender: "duckdb", workload: w, name: "records recovered", unit: "records", Samples([Double(first["records"] as? Int ?? -1)])),
            Metric(contender: "duckdb", workload: w, name: "files left by the killed process", unit: "MB", Samples([Double(left) / 1e6])),
        ]
    }

    func finish() {
        report.peakRSS = peaks.map { PhaseMemory(phase: $0.0, peakRSSBytes: $0.1, growthBytes: $0.2) }
    }
}
