import Foundation
import LogStore

/// `--tail-reopen`: what a reader that opens the store read-only for every poll pays, by the size of
/// the unflushed WAL. A writer in this process appends the dataset in batches of 100 (as the tailer
/// does at 20,000 lines/s) without flushing; at each step the WAL is synced and `reps` read-only opens,
/// each with one correlation lookup of a record of the last batch and a close, are timed.
struct TailReopen {
    let dataset: Dataset
    let workdir: String
    let reps: Int

    func run() -> String {
        let store = "\(workdir)/stores/tail-reopen"
        Files.remove(store)
        defer { Files.remove(store) }
        var options = StoreOptions(durability: .none)
        options.headFlushBytes = 1 << 30
        options.headMaxAge = .seconds(86_400)
        var lines = ["tail-reopen: read-only open + one correlation lookup + close beside a writer holding N unflushed rows "
                     + "(\(max(3, reps)) opens per step; ms)",
                     "| unflushed rows | WAL MB | open+lookup median | p99 | min |", "|---:|---:|---:|---:|---:|"]
        do {
            let writer = try LogStore.open(at: store, options: options)
            defer { try? writer.close() }
            let records = dataset.records
            let step = max(100, records.count / 600 * 100)
            let steps = Set(Array(stride(from: step, through: records.count, by: step)) + [records.count])
            var done = 0
            while done < records.count {
                let end = min(records.count, done + 100)
                _ = try writer.append(Array(records[done..<end]))
                done = end
                guard steps.contains(done) else { continue }
                try writer.sync()
                let id = records[done - 1].correlationID ?? records[..<done].last { $0.correlationID != nil }?.correlationID ?? ""
                var times = Samples()
                for _ in 0..<max(3, reps) {
                    let t0 = ContinuousClock.now
                    var o = StoreOptions()
                    o.readOnly = true
                    let reader = try LogStore.open(at: store, options: o)
                    let found = try reader.records(LogQuery(correlationID: id))
                    try reader.close()
                    times.add((ContinuousClock.now - t0).milliseconds)
                    if found.isEmpty { return "tail-reopen: the lookup of \(id) found nothing after \(done) rows" }
                }
                let walBytes = ((try? FileManager.default.contentsOfDirectory(atPath: store + "/wal")) ?? []).reduce(0) {
                    $0 + (((try? FileManager.default.attributesOfItem(atPath: store + "/wal/" + $1))?[.size] as? Int) ?? 0)
                }
                lines.append("| \(done) | \(String(format: "%.1f", Double(walBytes) / 1e6)) | \(Fmt.number(times.median)) | "
                             + "\(Fmt.number(times.percentile(99))) | \(Fmt.number(times.min)) |")
            }
        } catch {
            lines.append("failed: \(error)")
        }
        return lines.joined(separator: "\n")
    }
}
