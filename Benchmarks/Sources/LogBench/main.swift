import Foundation
import LogStore

// LogBench: throughput and latency of LogStore on a generated request-log dataset.
// See docs/BENCHMARKS.md for how to run it and how to read the results.

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

// 1. The dataset, generated once.
log("generating \(options.records) records (seed \(options.seed)) into \(workdir)")
Memory.resetPeak()
let ndjsonPath = workdir + "/dataset.ndjson"
let (dataset, generation) = try timed {
    try DatasetGenerator(count: options.records, seed: options.seed)
        .generate(now: wallClockNanosNow(), ndjsonPath: ndjsonPath)
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
    generationSeconds: generation.seconds, ndjsonPath: ndjsonPath)
let config = RunConfig(records: options.records, reps: options.reps, seed: options.seed, smoke: options.smoke,
                       workdir: workdir, logstoreBinary: CLIIngest.locate(override: options.logstore),
                       command: CommandLine.arguments.joined(separator: " "))
var report = Report(machine: machine, config: config, dataset: facts)
report.peakRSS.append(PhaseMemory(phase: "dataset", peakRSSBytes: datasetPeak, growthBytes: datasetPeak))

// 2. Workloads, per contender (only LogStore for now; SQLite/DuckDB come later).
let contenders: [any Contender] = [LogStoreContender()]
var exitCode: Int32 = 0
for contender in contenders {
    let run = BenchmarkRun(options: options, contender: contender, dataset: dataset, workdir: workdir, report: report)
    do {
        let store = try run.runIngest()
        if options.runs("reopen") { try run.runReopen(store: store) }
        if options.runs("queries") { try run.runQueries(store: store) }
    } catch {
        run.problem("\(contender.name): aborted: \(error)")
        exitCode = 1
    }
    run.finish()
    let peaks = report.peakRSS
    report = run.report
    report.peakRSS = peaks + run.report.peakRSS
}

// 3. Output.
print(report.text())
fflush(nil)
if let out = options.out {
    do {
        try report.json().write(to: URL(fileURLWithPath: out))
        log("wrote \(out)")
    } catch {
        log("cannot write \(out): \(error)")
        exitCode = 1
    }
}
if !options.keep {
    Files.remove(workdir + "/stores")
    Files.remove(ndjsonPath)
    if createdWorkdir { Files.remove(workdir) }
}
exit(exitCode)
