import Foundation

/// Latency of probe lines at one background rate, pooled over reps.
struct TailLatencyRow: Codable, Sendable {
    /// Dataset lines per second written beside the probes (0: probes alone).
    var backgroundLinesPerSecond: Int
    var probesWritten: Int
    var probesSeen: Int
    /// From the probe's write (its embedded timestamp) until the poll that found it returned, ms.
    var p50Ms: Double
    var p99Ms: Double
    var maxMs: Double
    /// From the probe's write until that poll started (a lower bound), ms.
    var p50LowerMs: Double
    var p99LowerMs: Double
    /// From the probe's write until a `LogStore.follow` consumer in this process received it, ms
    /// (the store's cross-process follower: inotify on the WAL, records once committed).
    var followSeen: Int
    var followP50Ms: Double
    var followP99Ms: Double
    var followMaxMs: Double
    /// From the probe's write until its line came out of a `logstore tail -f` child process (a second
    /// process following the store, NDJSON through a pipe), ms.
    var tailCLISeen: Int
    var tailCLIP50Ms: Double
    var tailCLIP99Ms: Double
    var tailCLIMaxMs: Double
    /// From the probe's write until a `logstore query --correlation ID` process (started for the oldest
    /// probe not yet found, back to back) that printed it exited, ms: a second process opening the store
    /// read-only for every poll, what a user or a dashboard runs.
    var querySeen: Int
    var queryP50Ms: Double
    var queryP99Ms: Double
    var queryMaxMs: Double
    /// Wall time of one such process, ms.
    var queryProcessMedianMs: Double
    var queryProcessP99Ms: Double
    /// Duration of one poll (read-only open, lookups, close), ms.
    var pollMedianMs: Double
    var pollP99Ms: Double
    /// Median over reps of each rep's p50 / p99, with min and max, ms.
    var repP50Ms: [Double]
    var repP99Ms: [Double]
}

/// The `--tail` report as text.
extension TailBench {
    static func text(_ s: TailSummary) -> String {
        func med(_ v: [Double]) -> String { v.isEmpty ? "—" : Fmt.number(Samples(v).median) }
        func range(_ v: [Double]) -> String { v.count > 1 ? "[" + Fmt.number(v.min() ?? .nan) + " … " + Fmt.number(v.max() ?? .nan) + "]" : "" }
        var lines = ["tail: \(s.command)",
                     "  \(Fmt.grouped(Double(s.records))) lines, \(Fmt.bytes(s.fileBytes)) appended at full speed; medians of reps [min … max]",
                     "  throughput until the last line is delivered by LogStore.follow (committed, after every line before it; then one read-only count confirms them): "
                        + "\(med(s.throughputMBps)) MB/s \(range(s.throughputMBps)), \(med(s.throughputRecordsPerSecond)) lines/s",
                     "  for reference, `logstore ingest FILE` of the complete file in the same reps: \(med(s.oneShotMBps)) MB/s \(range(s.oneShotMBps))",
                     "  writer alone: \(med(s.writerMBps)) MB/s; from its last write until all queryable: \(med(s.drainSeconds)) s \(range(s.drainSeconds))",
                     "  follower process: CPU \(med(s.followerCPUMicrosPerRecord)) µs per line \(range(s.followerCPUMicrosPerRecord)), peak RSS \(Fmt.bytes(s.followerPeakRSSBytes)); "
                        + "one-shot ingest: CPU \(med(s.oneShotCPUMicrosPerRecord)) µs per line \(range(s.oneShotCPUMicrosPerRecord)); "
                        + "this benchmark process (writer, completion follower): CPU \(med(s.harnessCPUMicrosPerRecord)) µs per line",
                     "  latency from a probe line's write to it being queryable (one probe every \(Fmt.number(s.probeIntervalMs)) ms; "
                        + "queryable = \(s.queryable)):"]
        lines.append("| background lines/s | probes seen | p50 ms | p99 ms | max ms | p50 / p99 lower bound ms | poll median / p99 ms | per-rep p50 | per-rep p99 | LogStore.follow p50 / p99 / max ms | `tail -f` process p50 / p99 / max ms | `query --correlation` process per poll p50 / p99 / max ms | query process median / p99 ms |")
        lines.append("|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|")
        for r in s.latency {
            lines.append("| \(Fmt.grouped(Double(r.backgroundLinesPerSecond))) | \(r.probesSeen)/\(r.probesWritten) | \(Fmt.number(r.p50Ms)) | "
                         + "\(Fmt.number(r.p99Ms)) | \(Fmt.number(r.maxMs)) | \(Fmt.number(r.p50LowerMs)) / \(Fmt.number(r.p99LowerMs)) | "
                         + "\(Fmt.number(r.pollMedianMs)) / \(Fmt.number(r.pollP99Ms)) | "
                         + r.repP50Ms.map(Fmt.number).joined(separator: ", ") + " | " + r.repP99Ms.map(Fmt.number).joined(separator: ", ")
                         + " | \(Fmt.number(r.followP50Ms)) / \(Fmt.number(r.followP99Ms)) / \(Fmt.number(r.followMaxMs)) (\(r.followSeen)) | "
                         + "\(Fmt.number(r.tailCLIP50Ms)) / \(Fmt.number(r.tailCLIP99Ms)) / \(Fmt.number(r.tailCLIMaxMs)) (\(r.tailCLISeen)) | "
                         + "\(Fmt.number(r.queryP50Ms)) / \(Fmt.number(r.queryP99Ms)) / \(Fmt.number(r.queryMaxMs)) (\(r.querySeen)) | "
                         + "\(Fmt.number(r.queryProcessMedianMs)) / \(Fmt.number(r.queryProcessP99Ms)) |")
        }
        return lines.joined(separator: "\n")
    }
}
