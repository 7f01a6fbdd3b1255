import Foundation
import LogStore
import LogStorePipeline
import LogStoreFormat

/// One row of the `--pipeline` table: a variant with a producer count, medians over reps.
struct PipelineRow: Codable, Sendable {
    var variant: String
    var label: String
    var producers: Int
    /// Records/s from the producers' start until everything is written and durable.
    var recordsPerSecond: Double
    /// The same in MB/s of the records' NDJSON form.
    var mbPerSecond: Double
    /// Records/s until the last producer call returned (records may still be buffered).
    var producerRecordsPerSecond: Double
    /// Wall µs per record (1e6 / recordsPerSecond).
    var wallMicrosPerRecord: Double
    /// Process CPU (all threads) per record.
    var cpuMicrosPerRecord: Double
    /// CPU of the producer threads alone per record (what the callers pay); nil for `submitRecord`.
    var producerCPUMicrosPerRecord: Double?
    /// Against `direct` with the same producers: extra wall µs per record and direct's rate ÷ this one's.
    var overheadMicrosPerRecord: Double?
    var slowdown: Double?
    var overheadCPUMicrosPerRecord: Double?
    /// ns inside each producer call (`offer`, `submit`, `Logger.log`) as the caller sees it (handler only:
    /// and ns to build its metadata, outside the call).
    var callNanos: Double?
    var metadataNanos: Double?
    /// Over all reps.
    var dropped: Int
    var writtenEqualsAccepted: Bool
    var reps: Int
    var minRecordsPerSecond: Double
    var maxRecordsPerSecond: Double
}

struct PipelineSummary: Codable, Sendable {
    var records: Int
    var producers: [Int]
    var durability: String
    var ingestorBatchRecords: Int
    var ingestorMaxBufferedRecords: Int
    var rows: [PipelineRow]
}

/// `--pipeline`: the same records through direct appends, the Ingestor and the swift-log handler, with
/// 1, 2 and 8 producers, alternating within each repetition.
final class PipelineBench {
    let options: Options
    let dataset: Dataset
    let workdir: String
    var problems: [String] = []
    var checks: [String] = []
    private var samples: [String: [PipelineOutcome]] = [:]

    init(options: Options, dataset: Dataset, workdir: String) {
        self.options = options
        self.dataset = dataset
        self.workdir = workdir
    }

    var ingestorOptions: IngestorOptions {
        var o = IngestorOptions()
        o.backpressure = .block
        if let n = options.ingestorBatchRecords { o.batchRecords = n; o.maxBufferedRecords = max(o.maxBufferedRecords, 10 * n) }
        return o
    }

    static func key(_ v: PipelineVariant, _ p: Int) -> String { "\(v.rawValue)/\(p)" }

    func progress(_ s: String) { FileHandle.standardError.write(Data(("[logbench] " + s + "\n").utf8)) }

    func run() {
        let variants = PipelineVariant.allCases.filter { options.pipelineVariants?.contains($0.rawValue) ?? true }
        for rep in 0..<options.reps {
            for p in options.producers {
                // Rotate the order each rep so no variant always runs right after the same one.
                let order = (0..<variants.count).map { variants[($0 + rep) % variants.count] }
                let runner = PipelineProducers(records: dataset.records, producers: p, ingestorOptions: ingestorOptions)
                for v in order {
                    let dir = "\(workdir)/stores/pipeline-\(v.rawValue)-\(p)"
                    Files.remove(dir)
                    sync()
                    do {
                        let o = try runner.run(v, directory: dir)
                        samples[Self.key(v, p), default: []].append(o)
                        progress(String(format: "rep %d/%d: %@, %d producer%@: %.0f records/s until written, CPU %.2f µs/record (producers %.2f)%@",
                                        rep + 1, options.reps, v.label, p, p == 1 ? "" : "s",
                                        Double(dataset.count) / o.total.seconds, o.cpuSeconds / Double(dataset.count) * 1e6,
                                        o.producerCPUNanos / Double(dataset.count) / 1e3,
                                        o.callNanos > 0 ? String(format: ", %.0f ns per call", o.callNanos / Double(dataset.count)) : ""))
                        if o.written != o.accepted || o.accepted != dataset.count || o.stored != dataset.count {
                            problem("\(v.label), \(p) producers: accepted \(o.accepted), written \(o.written), stored \(o.stored), dropped \(o.dropped) of \(dataset.count)")
                        }
                    } catch {
                        problem("\(v.label), \(p) producers: aborted: \(error)")
                    }
                    Files.remove(dir)
                }
            }
        }
    }

    func problem(_ s: String) {
        progress("PROBLEM: " + s)
        problems.append(s)
    }

    func summary() -> PipelineSummary {
        let n = Double(dataset.count)
        let mb = Double(dataset.ndjsonBytes) / 1e6
        var rows: [PipelineRow] = []
        for p in options.producers {
            var base: PipelineRow?
            for v in PipelineVariant.allCases {
                guard let runs = samples[Self.key(v, p)], !runs.isEmpty else { continue }
                let rate = Samples(runs.map { n / $0.total.seconds })
                let cpu = Samples(runs.map { $0.cpuSeconds / n * 1e6 })
                var row = PipelineRow(
                    variant: v.rawValue, label: v.label, producers: p, recordsPerSecond: rate.median,
                    mbPerSecond: Samples(runs.map { mb / $0.total.seconds }).median,
                    producerRecordsPerSecond: Samples(runs.map { n / $0.producers.seconds }).median,
                    wallMicrosPerRecord: 1e6 / rate.median, cpuMicrosPerRecord: cpu.median,
                    producerCPUMicrosPerRecord: runs.allSatisfy { $0.producerCPUNanos > 0 }
                        ? Samples(runs.map { $0.producerCPUNanos / n / 1e3 }).median : nil,
                    dropped: runs.map(\.dropped).reduce(0, +),
                    writtenEqualsAccepted: runs.allSatisfy { $0.written == $0.accepted && $0.accepted == dataset.count },
                    reps: runs.count, minRecordsPerSecond: rate.min, maxRecordsPerSecond: rate.max)
                if runs.contains(where: { $0.callNanos > 0 }) {
                    row.callNanos = Samples(runs.map { $0.callNanos / n }).median
                }
                if v == .handler || v == .handlerUnbounded {
                    row.metadataNanos = Samples(runs.map { $0.metadataNanos / n }).median
                }
                if let base {
                    row.overheadMicrosPerRecord = row.wallMicrosPerRecord - base.wallMicrosPerRecord
                    row.slowdown = base.recordsPerSecond / row.recordsPerSecond
                    row.overheadCPUMicrosPerRecord = row.cpuMicrosPerRecord - base.cpuMicrosPerRecord
                } else if v == .direct {
                    base = row
                }
                rows.append(row)
            }
        }
        let o = ingestorOptions
        return PipelineSummary(records: dataset.count, producers: options.producers, durability: "batch",
                               ingestorBatchRecords: o.batchRecords, ingestorMaxBufferedRecords: o.maxBufferedRecords,
                               rows: rows)
    }

    /// The table printed after the run.
    static func text(_ s: PipelineSummary) -> String {
        var lines = ["pipeline: \(Fmt.grouped(Double(s.records))) records per run, store durability .\(s.durability), "
                     + "Ingestor batchRecords \(Fmt.grouped(Double(s.ingestorBatchRecords))), maxBufferedRecords "
                     + "\(Fmt.grouped(Double(s.ingestorMaxBufferedRecords))), policy .block; medians of reps; "
                     + "\"until written\" = every record appended and durable (counters.written == accepted)"]
        let header = ["variant", "producers", "records/s until written", "[min … max]", "MB/s", "producer calls/s",
                      "wall µs/rec", "CPU µs/rec", "producer CPU µs/rec", "overhead µs/rec", "× direct", "CPU overhead µs/rec",
                      "ns per call (caller)", "dropped"]
        var rows: [[String]] = []
        for r in s.rows {
            rows.append([r.label, "\(r.producers)", Fmt.grouped(r.recordsPerSecond),
                         Fmt.grouped(r.minRecordsPerSecond) + " … " + Fmt.grouped(r.maxRecordsPerSecond),
                         Fmt.number(r.mbPerSecond), Fmt.grouped(r.producerRecordsPerSecond),
                         Fmt.number(r.wallMicrosPerRecord), Fmt.number(r.cpuMicrosPerRecord),
                         r.producerCPUMicrosPerRecord.map(Fmt.number) ?? "—",
                         r.overheadMicrosPerRecord.map(Fmt.number) ?? "—", r.slowdown.map { Fmt.number($0) + "×" } ?? "—",
                         r.overheadCPUMicrosPerRecord.map(Fmt.number) ?? "—",
                         r.callNanos.map { Fmt.number($0) + (r.metadataNanos.map { " (+" + Fmt.number($0) + " metadata)" } ?? "") } ?? "—",
                         "\(r.dropped)" + (r.writtenEqualsAccepted ? "" : " (written ≠ accepted)")])
        }
        lines.append("| " + header.joined(separator: " | ") + " |")
        lines.append("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
        for r in rows { lines.append("| " + r.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }
}
