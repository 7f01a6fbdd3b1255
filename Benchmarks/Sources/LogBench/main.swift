import Foundation
import LogStore
import LogStoreFormat

// LogBench: throughput and latency of LogStore on a generated request-log dataset, side by side
// with SQLite (GRDB) and DuckDB (Python). See docs/BENCHMARKS.md for how to run it and read it.

// The child side of the recovery workload (`--crash-child …`) never returns.
CrashChild.runIfRequested()

let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    let message = "\(error)"
    if !message.isEmpty { FileHandle.standardError.write(Data(("error: " + message + "\n\n").utf8)) }
    print(Options.usage)
    exit(message.isEmpty ? 0 : 2)
}

func log(_ s: String) { FileHandle.standardError.write(Data(("[logbench] " + s + "\n").utf8)) }

let machine = MachineFacts.collect()
let createdWorkdir = options.workdir == nil
let workdir = options.workdir ?? (NSTemporaryDirectory() + "logbench-\(getpid())")
do {
    try Files.makeDirectory(workdir)
    try Files.makeDirectory(workdir + "/stores")
} catch {
    log("cannot create \(workdir): \(error)")
    exit(1)
}

/// Prints the report, writes the JSON; returns 1 when the JSON could not be written.
@MainActor func emit(_ report: Report) -> Int32 {
    print(report.text())
    fflush(nil)
    guard let out = options.out else { return 0 }
    do {
        try report.json().write(to: URL(fileURLWithPath: out))
        log("wrote \(out)")
        return 0
    } catch {
        log("cannot write \(out): \(error)")
        return 1
    }
}

/// The real-corpora figures (Corpora.swift), unless left out.
@MainActor func runCorpora() -> CorporaSummary? {
    guard options.corporaEnabled, options.runs("corpora") else { return nil }
    return Corpora.run(directory: options.corpora ?? Corpora.defaultDirectory(), workdir: workdir)
}

// `--growth N1,N2,…`: one child run per size, then the growth table (Growth.swift).
if let sizes = options.growth {
    let code = Growth.run(sizes: sizes, options: options, workdir: workdir, machine: machine)
    if createdWorkdir && !options.keep { Files.remove(workdir) }
    exit(code)
}

// `--compaction`: the compaction benchmark alone (Compaction.swift); `--records` sets the slow week's size.
if options.compaction {
    let code = CompactionBench.run(options: options, workdir: workdir)
    if createdWorkdir && !options.keep { Files.remove(workdir) }
    exit(code)
}

// `--only corpora`: the real log files alone, without the generated dataset and the engines.
if options.onlyCorpora {
    let facts = DatasetFacts(records: 0, ndjsonBytes: 0, bytesPerRecord: 0, spanHours: 0, lateRecords: 0,
                             distinctCorrelationIDs: 0, recordsWithoutCorrelation: 0, sources: 0, levels: [:],
                             substringToken: "", substringMatches: 0, generationSeconds: 0, ndjsonPath: "")
    let config = RunConfig(records: 0, reps: options.reps, seed: options.seed, smoke: options.smoke, workdir: workdir,
                           logstoreBinary: nil, command: CommandLine.arguments.joined(separator: " "))
    var report = Report(machine: machine, config: config, dataset: facts)
    report.corpora = runCorpora()
    report.problems += report.corpora?.problems ?? []
    let code = emit(report)
    if createdWorkdir { Files.remove(workdir) }
    exit(code)
}

// 1. The dataset, generated once.
log("generating \(options.records) \(options.shape.rawValue) records (seed \(options.seed), span \(options.spanHours ?? 6) h) into \(workdir)")
Memory.resetPeak()
let ndjsonPath = workdir + "/dataset.ndjson"
let (dataset, generation) = try timed {
    var generator = DatasetGenerator(count: options.records, seed: options.seed)
    generator.shape = options.shape
    generator.span = options.spanNanos
    return try generator.generate(now: wallClockNanosNow(), ndjsonPath: ndjsonPath)
}
let datasetPeak = Memory.peakBytes
log(String(format: "dataset: %.1f MB NDJSON, %.1f B/record, %d late, %d correlation IDs, generated in %.1f s",
           Double(dataset.ndjsonBytes) / 1e6, dataset.bytesPerRecord, dataset.lateRecords,
           dataset.distinctCorrelationIDs.count, generation.seconds))

let facts = DatasetFacts(
    records: dataset.count, ndjsonBytes: dataset.ndjsonBytes, bytesPerRecord: dataset.bytesPerRecord,
    spanHours: Double(dataset.end - dataset.oldest) / 3.6e12, lateRecords: dataset.lateRecords,
    distinctCorrelationIDs: dataset.distinctCorrelationIDs.count,
    recordsWithoutCorrelation: dataset.recordsWithoutCorrelation,
    sources: Set(dataset.records.lazy.map(\.source)).count,
    levels: Dictionary(uniqueKeysWithValues: dataset.levelCounts.map { ($0.key.name, $0.value) }),
    substringToken: dataset.substringToken, substringMatches: dataset.substringMatches,
    generationSeconds: generation.seconds, ndjsonPath: ndjsonPath, shape: dataset.shape.rawValue)
let config = RunConfig(records: options.records, reps: options.reps, seed: options.seed, smoke: options.smoke,
                       workdir: workdir, logstoreBinary: CLIIngest.locate(override: options.logstore),
                       command: CommandLine.arguments.joined(separator: " "))
var report = Report(machine: machine, config: config, dataset: facts)

// `--tail-reopen`: the read-only open over a growing unflushed WAL, printed, nothing else.
if options.tailReopen {
    print(TailReopen(dataset: dataset, workdir: workdir, reps: options.reps).run())
    exit(0)
}
report.peakRSS.append(PhaseMemory(phase: "dataset", peakRSSBytes: datasetPeak, growthBytes: datasetPeak))

// `--pipeline`: direct appends, the Ingestor and the swift-log handler on this dataset, nothing else.
if options.pipeline {
    let bench = PipelineBench(options: options, dataset: dataset, workdir: workdir)
    bench.run()
    report.pipeline = bench.summary()
    report.problems += bench.problems
    var code = emit(report)
    if !bench.problems.isEmpty { code = 1 }
    if !options.keep {
        Files.remove(workdir + "/stores")
        Files.remove(ndjsonPath)
        if createdWorkdir { Files.remove(workdir) }
    }
    exit(code)
}

// `--tail`: `logstore ingest --follow` of a growing file, nothing else.
if options.tail {
    var code: Int32 = 0
    if let binary = CLIIngest.locate(override: options.logstore), TailBench.supportsFollow(binary, scratch: workdir) {
        let bench = TailBench(options: options, dataset: dataset, workdir: workdir, executable: binary)
        report.tail = bench.run()
        report.problems += bench.problems
        code = emit(report)
        if !bench.problems.isEmpty { code = 1 }
    } else {
        log("--tail needs a logstore binary whose `ingest` takes --follow; build it with "
            + "`swift build -c release --product logstore` at the repository root or pass --logstore PATH")
        code = 1
    }
    if !options.keep {
        Files.remove(workdir + "/stores")
        Files.remove(ndjsonPath)
        if createdWorkdir { Files.remove(workdir) }
    }
    exit(code)
}

// 2. Workloads. Within each repetition the contenders' ingest workloads alternate (LogStore, SQLite,
// DuckDB), so machine noise hits them alike; then reopen, queries and recovery per contender.
let base = report
var runs: [BenchmarkRun] = []
if options.contenders.contains("logstore") {
    runs.append(BenchmarkRun(options: options, contender: LogStoreContender(blockSize: options.blockSizeKiB.map { $0 << 10 }), dataset: dataset, workdir: workdir, report: base))
}
if options.contenders.contains("sqlite") {
    runs.append(BenchmarkRun(options: options, contender: SQLiteContender(shape: options.shape, variantFilter: options.sqliteVariants),
                             dataset: dataset, workdir: workdir, report: base))
}
let duck = options.contenders.contains("duckdb")
    ? DuckDBRun(options: options, dataset: dataset, workdir: workdir, report: base) : nil
// The limits of the machine (Limits.swift): one repetition after each repetition of the ingest workloads.
let limits = options.runs("limits")
    ? MachineLimits(options: options, ndjsonPath: ndjsonPath, records: dataset.count, workdir: workdir) : nil
var exitCode: Int32 = 0
var failed = Set<String>()
@MainActor func attempt(_ who: String, _ problem: (String) -> Void, _ body: () throws -> Void) {
    guard !failed.contains(who) else { return }
    do { try body() } catch {
        problem("\(who): aborted: \(error)")
        failed.insert(who)
        exitCode = 1
    }
}
for run in runs { run.prepareIngest() }
for rep in 0..<options.reps {
    for run in runs { attempt(run.name, run.problem) { try run.ingestRep(rep) } }
    if let duck { attempt("duckdb", duck.problem) { try duck.ingestRep(rep) } }
    if let limits { attempt("limits", limits.problem) { try limits.rep(rep) } }
}
let plans = QueryPlan.make(dataset: dataset, options: options)
for run in runs where !failed.contains(run.name) {
    let store = run.finishIngest()
    attempt(run.name, run.problem) {
        if options.runs("reopen") { try run.runReopen(store: store) }
        if options.runs("queries") { try run.runQueries(store: store, plans: plans) }
        if options.recovery { try run.runRecovery() }
    }
}
if let duck {
    if !failed.contains("duckdb") { duck.finishIngest() }
    attempt("duckdb", duck.problem) {
        if options.runs("reopen") { try duck.runReopen() }
        if options.runs("queries") { try duck.runQueries(plans: plans) }
        if options.recovery { try duck.runRecovery() }
    }
    duck.finish()
}
for run in runs { run.finish() }
let parts = runs.map(\.report) + (duck.map { [$0.report] } ?? [])
for part in parts {
    report.metrics += part.metrics
    report.peakRSS += part.peakRSS
    report.checks += part.checks
    report.problems += part.problems
    report.storeBreakdownBytes.merge(part.storeBreakdownBytes) { a, _ in a }
    report.slowestCorrelationLookups += part.slowestCorrelationLookups
}
report.sideBySide = SideBySide.build(report)
if let limits {
    report.metrics += limits.metrics() + limits.fractionMetrics(report)
    report.limits = limits.summary(report)
    report.peakRSS += limits.peaks
    report.problems += limits.problems
}
// 2b. Real log files, read in place.
report.corpora = runCorpora()
if let corpora = report.corpora {
    report.problems += corpora.problems
    if !corpora.rows.isEmpty {
        report.checks.append("corpora: stores hold all lines in \(corpora.rows.filter { $0.storedRecords == $0.lines }.count)/\(corpora.rows.count) files")
    }
}
if options.shape == .workflow {
    report.fairness.append("workflow shape: SQLite table workflow_logs(workflow_id, workflow_name, workflow_instance_id, task_name, "
        + "task_instance_id, timestamp_ms INTEGER, level, payload TEXT) with indexes on workflow_instance_id, timestamp_ms, "
        + "workflow_name and level, no primary key; DuckDB the same columns (timestamp_ms BIGINT), no indexes; payload is the JSON "
        + "text {\"message\": …, other payload fields}, so the peers' substring count scans payload (the only text column); "
        + "LogStore: source = workflow_name, correlation ID = workflow_instance_id, attributes workflow_id, task_name, "
        + "task_instance_id, payload.*; lookups by workflow_instance_id")
}
if options.contenders.contains("sqlite") {
    report.fairness.append("SQLite \(sqliteVersion()) via GRDB 7.10 in process: WAL, synchronous NORMAL (vs LogStore .batch) or FULL (vs .sync), "
        + "one cached prepared INSERT per row inside explicit transactions of 100 or 10,000 rows, otherwise defaults "
        + "(4 KiB pages, 2 MiB cache); schema and 5 indexes as in the design documents; column values prepared per batch outside the clock; "
        + "queries fetch full rows into Swift structs; substring count uses instr() (case-sensitive, = LogStore's)")
}
if let duck {
    report.fairness.append("DuckDB \(duck.version.isEmpty ? "(unavailable)" : duck.version) via Python, timed inside the Python process: "
        + "defaults (all cores, memory limit 80 % of RAM), native types (UUID, TIMESTAMP_NS), no PRIMARY KEY or indexes; "
        + "batched ingest hands 10,000-record Arrow tables per transaction (executemany is row-by-row, ~1,000 rows/s, so left out); "
        + "bulk ingest is one INSERT … SELECT over read_ndjson_objects with json_transform; every ingest ends with CHECKPOINT + close; "
        + "queries fetchall() full rows into Python tuples; DuckDB fsyncs its WAL at each commit")
}
// The slowest lookups listed are LogStore's.
report.slowestCorrelationLookups = Array(report.slowestCorrelationLookups.prefix(10))

// 3. Output.
if emit(report) != 0 { exitCode = 1 }
if !options.keep {
    Files.remove(workdir + "/stores")
    Files.remove(ndjsonPath)
    if createdWorkdir { Files.remove(workdir) }
}
exit(exitCode)
