import Foundation

/// `--growth N1,N2,…`: how the figures grow with the number of records (issue 3, "Growth").
///
/// Each size runs in its own child process (a private copy of this executable), so every size starts
/// with a fresh heap, and the figures of one cannot leak into the next. Per size the child runs:
/// - LogStore: library `.batch` ingest (batches of 1,000) and `logstore ingest` of the NDJSON file,
///   bytes on disk, reopen (writer and read-only), index memory (`statistics.indexBytes`), and the
///   query workloads;
/// - SQLite: WAL, `synchronous=NORMAL`, transactions of 10,000 rows, then the same reopen and queries;
/// - DuckDB (both ingest paths and the queries) only up to `duckdbMaxRecords`: its batched path parses
///   the NDJSON in Python, which takes minutes at 10M;
/// - no recovery after SIGKILL (its child regenerates the dataset, which would double the memory).
///
/// Unless `--span-hours` is given, the arrival span grows with the size (6 h per million records, the
/// rate of the default 1M dataset), so a bigger store holds a longer history at a constant arrival rate,
/// as a real one would: the 1-minute range and the last hour then cover the same number of records
/// at every size, and what changes is only the amount of data around them.
enum Growth {
    static let duckdbMaxRecords = 1_000_000
    /// Sizes above this run one repetition (the SQLite ingest alone takes minutes).
    static let singleRepAbove = 1_000_000
    static let hoursPerMillion = 6.0

    struct SizeRun: Codable, Sendable {
        var records: Int
        var reps: Int
        var spanHours: Double
        var contenders: [String]
        var wallSeconds: Double
        /// Peak RSS of the whole child process (it holds the dataset in memory), sampled every 10 ms.
        var processPeakRSSBytes: Int
        var exitStatus: Int32
        var arguments: [String]
        var report: Report?
    }

    struct Row: Codable, Sendable {
        var engine: String
        var figure: String
        var unit: String
        var better: String
        /// One value per size, in the order of `sizes`; nil where the engine did not run.
        var values: [Double?]
    }

    struct Verdict: Codable, Sendable {
        var target: String
        var measured: String
        var status: String
    }

    struct GrowthReport: Codable, Sendable {
        var tool = "LogBench --growth"
        var machine: MachineFacts
        var command: String
        var shape: String
        var sizes: [Int]
        var runs: [SizeRun]
        var rows: [Row]
        var verdicts: [Verdict]
        var problems: [String]
    }

    static func progress(_ s: String) {
        FileHandle.standardError.write(Data(("[logbench growth] " + s + "\n").utf8))
    }

    static func run(sizes: [Int], options: Options, workdir: String, machine: MachineFacts) -> Int32 {
        let exe: String
        do { exe = try CrashChild.executableCopy(workdir: workdir) } catch {
            progress("cannot copy the executable: \(error)")
            return 1
        }
        var runs: [SizeRun] = []
        var problems: [String] = []
        for n in sizes {
            let reps = n > singleRepAbove ? 1 : options.reps
            let span = options.spanHours ?? hoursPerMillion * Double(n) / 1e6
            let contenders = options.contenders.filter { $0 != "duckdb" || n <= duckdbMaxRecords }
            let dir = "\(workdir)/growth-\(n)"
            let json = "\(workdir)/growth-\(n).json"
            var args = ["--records", String(n), "--reps", String(reps), "--seed", String(options.seed),
                        "--shape", options.shape.rawValue, "--span-hours", String(format: "%.6g", span),
                        "--workdir", dir, "--out", json, "--only", "batch,cli,reopen,queries",
                        "--no-recovery", "--no-corpora", "--contenders", contenders.joined(separator: ","),
                        "--sqlite-variants", "normal10k", "--python", options.python]
            if let l = options.logstore { args += ["--logstore", l] }
            if options.skipCLI { args.append("--skip-cli") }
            if options.keep { args.append("--keep") }
            progress("\(Fmt.grouped(Double(n))) records (span \(String(format: "%.3g", span)) h, \(reps) rep\(reps == 1 ? "" : "s"), "
                     + "\(contenders.joined(separator: ", "))): running; progress in \(workdir)/growth-\(n).log")
            do {
                let r = try ChildProcess.run(exe, args, logPath: "\(workdir)/growth-\(n).log", stdoutPath: "\(workdir)/growth-\(n).txt")
                FileHandle.standardError.write(Data(r.output.utf8))
                var report: Report?
                if let data = try? Data(contentsOf: URL(fileURLWithPath: json)) {
                    do { report = try JSONDecoder().decode(Report.self, from: data) } catch {
                        problems.append("\(n) records: cannot read \(json): \(error)")
                    }
                } else {
                    problems.append("\(n) records: the child wrote no JSON (exit status \(r.status)\(r.signaled ? ", signal" : ""))")
                }
                if r.status != 0 { problems.append("\(n) records: the child exited with \(r.signaled ? "signal" : "status") \(r.status)") }
                problems += (report?.problems ?? []).map { "\(n) records: " + $0 }
                print("=== \(Fmt.grouped(Double(n))) records ===")
                print(r.stdout)
                fflush(nil)
                runs.append(SizeRun(records: n, reps: reps, spanHours: span, contenders: contenders, wallSeconds: r.wall.seconds,
                                    processPeakRSSBytes: r.peakRSS, exitStatus: r.status, arguments: args, report: report))
                progress(String(format: "%@ records: done in %.0f s, process peak RSS %@", Fmt.grouped(Double(n)), r.wall.seconds,
                                Fmt.bytes(r.peakRSS)))
            } catch {
                problems.append("\(n) records: cannot run the child: \(error)")
            }
            if !options.keep { Files.remove(dir); Files.remove("\(workdir)/growth-\(n).txt") }
        }
        let rows = table(runs)
        let verdicts = judge(runs)
        let report = GrowthReport(machine: machine, command: CommandLine.arguments.joined(separator: " "), shape: options.shape.rawValue,
                                  sizes: runs.map(\.records), runs: runs, rows: rows, verdicts: verdicts, problems: problems)
        print(text(report))
        fflush(nil)
        var code: Int32 = problems.isEmpty ? 0 : 1
        if let out = options.out {
            do {
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                try e.encode(report).write(to: URL(fileURLWithPath: out))
                progress("wrote \(out)")
            } catch {
                progress("cannot write \(out): \(error)")
                code = 1
            }
        }
        return code
    }

    // MARK: The table

    enum Source: Sendable {
        case metric(String, String, String)
        case rssGrowth(String)
        case rssPeak(String)
        case process(@Sendable (SizeRun) -> Double?)
    }

    struct Spec: Sendable {
        var engine: String
        var contender: String
        var figure: String
        var unit: String
        var higherIsBetter: Bool
        var source: Source
    }

    static let specs: [Spec] = {
        let lsIngest = "ingest library .batch ×1000", cli = "ingest CLI (logstore ingest)"
        let sq = "ingest SQLite WAL NORMAL, tx of 10,000", tput = "throughput incl. close"
        let sub = "count messageContains \"\(DatasetGenerator.substringToken)\""
        func queries(_ engine: String, _ c: String) -> [Spec] {
            [
                Spec(engine: engine, contender: c, figure: "bytes on disk per record", unit: "B", higherIsBetter: false,
                     source: .metric("storage after close", "bytes on disk per record", "B")),
                Spec(engine: engine, contender: c, figure: "open a closed store (writer)", unit: "ms", higherIsBetter: false,
                     source: .metric("reopen closed store", "open (writer)", "ms")),
                Spec(engine: engine, contender: c, figure: "open a closed store (read-only)", unit: "ms", higherIsBetter: false,
                     source: .metric("reopen closed store", "open (read-only)", "ms")),
                Spec(engine: engine, contender: c, figure: "correlation lookup p50", unit: "ms", higherIsBetter: false,
                     source: .metric("correlation-ID lookup", "p50", "ms")),
                Spec(engine: engine, contender: c, figure: "correlation lookup p99", unit: "ms", higherIsBetter: false,
                     source: .metric("correlation-ID lookup", "p99", "ms")),
                Spec(engine: engine, contender: c, figure: "1-minute range, collect (median)", unit: "ms", higherIsBetter: false,
                     source: .metric("1-minute range (collect)", "median", "ms")),
                Spec(engine: engine, contender: c, figure: "count by level, last hour (median)", unit: "ms", higherIsBetter: false,
                     source: .metric("countByLevel, last hour", "median", "ms")),
                Spec(engine: engine, contender: c, figure: "substring count over all messages (median)", unit: "ms", higherIsBetter: false,
                     source: .metric(sub, "median", "ms")),
            ]
        }
        var out: [Spec] = [
            Spec(engine: "LogStore", contender: "logstore", figure: "ingest, library .batch ×1000 (incl. close)", unit: "records/s",
                 higherIsBetter: true, source: .metric(lsIngest, tput, "records/s")),
            Spec(engine: "LogStore", contender: "logstore", figure: "ingest, library .batch: CPU per record", unit: "µs",
                 higherIsBetter: false, source: .metric(lsIngest, "CPU time per record, all threads", "µs")),
            Spec(engine: "LogStore", contender: "logstore", figure: "ingest, `logstore ingest` NDJSON file", unit: "records/s",
                 higherIsBetter: true, source: .metric(cli, "throughput (wall clock)", "records/s")),
            Spec(engine: "LogStore", contender: "logstore", figure: "ingest, `logstore ingest` NDJSON file", unit: "MB/s",
                 higherIsBetter: true, source: .metric(cli, "throughput (wall clock)", "MB/s")),
            Spec(engine: "LogStore", contender: "logstore", figure: "RSS growth during library .batch ingest", unit: "MiB",
                 higherIsBetter: false, source: .rssGrowth("ingest .batch")),
            Spec(engine: "LogStore", contender: "logstore", figure: "peak RSS of the `logstore ingest` process", unit: "MiB",
                 higherIsBetter: false, source: .rssPeak("logstore ingest (child process)")),
            Spec(engine: "LogStore", contender: "logstore", figure: "index memory (statistics.indexBytes) per record", unit: "B",
                 higherIsBetter: false, source: .metric(BenchmarkRun.indexWorkload, "bytes per record", "B")),
            Spec(engine: "LogStore", contender: "logstore", figure: "index memory (statistics.indexBytes)", unit: "MB",
                 higherIsBetter: false, source: .metric(BenchmarkRun.indexWorkload, "total", "MB")),
            Spec(engine: "LogStore", contender: "logstore", figure: "segment files", unit: "files",
                 higherIsBetter: false, source: .metric(BenchmarkRun.indexWorkload, "segments", "files")),
        ]
        out += queries("LogStore", "logstore")
        out += [
            Spec(engine: "SQLite", contender: "sqlite", figure: "ingest, WAL NORMAL, tx of 10,000 (incl. close)", unit: "records/s",
                 higherIsBetter: true, source: .metric(sq, tput, "records/s")),
            Spec(engine: "SQLite", contender: "sqlite", figure: "ingest: CPU per record", unit: "µs",
                 higherIsBetter: false, source: .metric(sq, "CPU time per record, all threads", "µs")),
            Spec(engine: "SQLite", contender: "sqlite", figure: "RSS growth during ingest", unit: "MiB",
                 higherIsBetter: false, source: .rssGrowth("sqlite " + sq)),
        ]
        out += queries("SQLite", "sqlite")
        out += [
            Spec(engine: "DuckDB", contender: "duckdb", figure: "ingest, read_json of the NDJSON file (incl. close)", unit: "records/s",
                 higherIsBetter: true, source: .metric(DuckDBRun.jsonWorkload, tput, "records/s")),
            Spec(engine: "DuckDB", contender: "duckdb", figure: "ingest, Arrow batches tx of 10,000 (incl. close)", unit: "records/s",
                 higherIsBetter: true, source: .metric(DuckDBRun.arrowWorkload, tput, "records/s")),
            Spec(engine: "DuckDB", contender: "duckdb", figure: "peak RSS of the read_json process", unit: "MiB",
                 higherIsBetter: false, source: .rssPeak("duckdb read_json ingest (child process)")),
        ]
        out += queries("DuckDB", "duckdb")
        out += [
            Spec(engine: "harness", contender: "", figure: "dataset in memory (RSS after generation)", unit: "MiB",
                 higherIsBetter: false, source: .rssPeak("dataset")),
            Spec(engine: "harness", contender: "", figure: "peak RSS of the whole LogBench process", unit: "MiB",
                 higherIsBetter: false, source: .process { Double($0.processPeakRSSBytes) / 1_048_576 }),
            Spec(engine: "harness", contender: "", figure: "wall clock of the size's run", unit: "s",
                 higherIsBetter: false, source: .process { $0.wallSeconds }),
        ]
        return out
    }()

    static func value(_ spec: Spec, _ run: SizeRun) -> Double? {
        if case .process(let f) = spec.source { return f(run) }
        guard let report = run.report else { return nil }
        switch spec.source {
        case .metric(let w, let n, let u):
            guard let m = report.metrics.first(where: { $0.contender == spec.contender && $0.workload == w && $0.name == n && $0.unit == u }),
                  let v = m.median, v.isFinite else { return nil }
            return v
        case .rssGrowth(let phase):
            return report.peakRSS.first(where: { $0.phase == phase }).map { Double(max($0.growthBytes, 0)) / 1_048_576 }
        case .rssPeak(let phase):
            return report.peakRSS.first(where: { $0.phase == phase && $0.peakRSSBytes > 0 }).map { Double($0.peakRSSBytes) / 1_048_576 }
        case .process: return nil
        }
    }

    static func table(_ runs: [SizeRun]) -> [Row] {
        specs.compactMap { s in
            let values = runs.map { value(s, $0) }
            guard values.contains(where: { $0 != nil }) else { return nil }
            return Row(engine: s.engine, figure: s.figure, unit: s.unit, better: s.higherIsBetter ? "higher" : "lower", values: values)
        }
    }

    // MARK: Targets at the largest size

    static func judge(_ runs: [SizeRun]) -> [Verdict] {
        guard let last = runs.last else { return [] }
        let at = "at \(Fmt.grouped(Double(last.records)))"
        func v(_ contender: String, _ w: String, _ n: String, _ u: String, _ run: SizeRun) -> Double? {
            value(Spec(engine: "", contender: contender, figure: "", unit: u, higherIsBetter: false, source: .metric(w, n, u)), run)
        }
        func status(_ x: Double?, _ ok: (Double) -> Bool) -> String { x.map { ok($0) ? "PASS" : "FAIL" } ?? "n/a" }
        func ms(_ x: Double?) -> String { x.map { Fmt.number($0) + " ms" } ?? "—" }
        var out: [Verdict] = []
        let openW = v("logstore", "reopen closed store", "open (writer)", "ms", last)
        let openR = v("logstore", "reopen closed store", "open (read-only)", "ms", last)
        out.append(Verdict(target: "reopen a closed store ≤ 300 ms \(at)", measured: "\(ms(openW)) writer, \(ms(openR)) read-only (median)",
                           status: status(openW.map { max($0, openR ?? 0) }) { $0 <= BenchmarkRun.reopenTargetMs }))
        let p50 = v("logstore", "correlation-ID lookup", "p50", "ms", last)
        let p99 = v("logstore", "correlation-ID lookup", "p99", "ms", last)
        out.append(Verdict(target: "correlation lookup ≤ 1 ms \(at) (p99)", measured: "p99 \(ms(p99)), p50 \(ms(p50))",
                           status: status(p99) { $0 <= 1 }))
        let idx = v("logstore", BenchmarkRun.indexWorkload, "bytes per record", "B", last)
        out.append(Verdict(target: "index memory ≤ 16 B/record \(at)", measured: idx.map { Fmt.number($0) + " B/record" } ?? "—",
                           status: status(idx) { $0 <= BenchmarkRun.indexBytesTarget }))
        // Memory during ingest: what the `logstore ingest` process (which streams its input) and the
        // library ingest add between the two largest sizes, against what the index grows by (the only
        // part that is meant to grow with the data) plus one head buffer (64 MiB, `headFlushBytes`).
        if runs.count >= 2 {
            let prev = runs[runs.count - 2]
            let cliSpec = specs.first { $0.figure == "peak RSS of the `logstore ingest` process" }!
            let libSpec = specs.first { $0.figure == "RSS growth during library .batch ingest" }!
            let idxMB = { (r: SizeRun) in v("logstore", BenchmarkRun.indexWorkload, "total", "MB", r) }
            let allowance = ((idxMB(last) ?? 0) - (idxMB(prev) ?? 0)) * 1e6 / 1_048_576 + 64
            let cliNow = value(cliSpec, last), cliPrev = value(cliSpec, prev)
            let libNow = value(libSpec, last), libPrev = value(libSpec, prev)
            var parts: [String] = []
            var ok = true
            if let a = cliNow, let b = cliPrev {
                parts.append(String(format: "`logstore ingest` peak RSS %.0f → %.0f MiB", b, a))
                ok = ok && a - b <= allowance
            }
            if let a = libNow, let b = libPrev {
                parts.append(String(format: "library .batch RSS growth %.0f → %.0f MiB", b, a))
                ok = ok && a - b <= allowance
            }
            parts.append(String(format: "allowed growth (index growth + 64 MiB head) %.0f MiB", allowance))
            out.append(Verdict(target: "memory during ingest bounded by configuration, not data size (\(Fmt.grouped(Double(prev.records))) → \(Fmt.grouped(Double(last.records))))",
                               measured: parts.joined(separator: "; "), status: parts.count > 1 ? (ok ? "PASS" : "FAIL") : "n/a"))
        }
        return out
    }

    // MARK: Text

    static func text(_ g: GrowthReport) -> String {
        var lines: [String] = []
        lines.append("LogBench --growth — how the figures grow with the number of records")
        lines.append("machine : \(g.machine.cpuModel), \(g.machine.cores) cores, \(g.machine.memoryMiB) MiB RAM, \(g.machine.kernel)")
        lines.append("date    : \(g.machine.date) (load at start: \(g.machine.hostLoadAtStart))")
        lines.append("shape   : \(g.shape); " + g.runs.map {
            "\(Fmt.grouped(Double($0.records))): span \(String(format: "%.3g", $0.spanHours)) h, \($0.reps) rep\($0.reps == 1 ? "" : "s"), "
                + String(format: "%.0f s", $0.wallSeconds)
        }.joined(separator: "; "))
        lines.append("")
        let sizes = g.sizes.map { Fmt.grouped(Double($0)) }
        let lastRatio = g.sizes.count >= 2
            ? "\(short(g.sizes[g.sizes.count - 1])) ÷ \(short(g.sizes[g.sizes.count - 2]))" : nil
        lines.append("| engine | figure | unit | " + sizes.joined(separator: " | ") + (lastRatio.map { " | \($0)" } ?? "") + " |")
        lines.append("|---|---|---|" + sizes.map { _ in "---:|" }.joined() + (lastRatio == nil ? "" : "---:|"))
        for r in g.rows {
            var cells = [r.engine, r.figure, r.unit + (r.better == "higher" ? " ↑" : " ↓")]
            cells += r.values.map { $0.map(Fmt.number) ?? "—" }
            if lastRatio != nil {
                let n = r.values.count
                if let a = r.values[n - 1], let b = r.values[n - 2], b != 0 { cells.append(SideBySide.ratioText(a / b)) } else { cells.append("") }
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("| target | measured | status |")
        lines.append("|---|---|---|")
        for v in g.verdicts { lines.append("| \(v.target) | \(v.measured) | \(v.status) |") }
        if !g.problems.isEmpty {
            lines.append("PROBLEMS:")
            lines.append(contentsOf: g.problems.map { "  ! " + $0 })
        }
        return lines.joined(separator: "\n")
    }

    static func short(_ n: Int) -> String {
        if n >= 1_000_000 && n % 1_000_000 == 0 { return "\(n / 1_000_000)M" }
        if n >= 1000 && n % 1000 == 0 { return "\(n / 1000)k" }
        return String(n)
    }
}
