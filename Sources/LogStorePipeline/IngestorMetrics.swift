import CoreMetrics
import LogStore

/// Publishes an ``Ingestor``'s counters through swift-metrics as deltas, from the writer thread (so
/// producers never call into the metrics backend):
///
/// - `<label>_accepted_total`, `<label>_written_total`, `<label>_retried_total`, `<label>_failed_total`;
/// - `<label>_dropped_total` with a `reason` dimension (``DropReason`` raw values);
/// - gauges `<label>_buffered_records`, `<label>_buffered_bytes`, and `<label>_stalled` (1 while stalled).
final class IngestorMetrics: Sendable {
    let accepted, written, retried, failed: Counter
    let dropped: [DropReason: Counter]
    let bufferedRecords, bufferedBytes, stalled: Gauge
    private let published = LockedState(IngestorCounters())

    init(label: String, dimensions: [(String, String)]) {
        accepted = Counter(label: "\(label)_accepted_total", dimensions: dimensions)
        written = Counter(label: "\(label)_written_total", dimensions: dimensions)
        retried = Counter(label: "\(label)_retried_total", dimensions: dimensions)
        failed = Counter(label: "\(label)_failed_total", dimensions: dimensions)
        var byReason: [DropReason: Counter] = [:]
        for reason in DropReason.allCases {
            byReason[reason] = Counter(label: "\(label)_dropped_total", dimensions: dimensions + [("reason", reason.rawValue)])
        }
        dropped = byReason
        bufferedRecords = Gauge(label: "\(label)_buffered_records", dimensions: dimensions)
        bufferedBytes = Gauge(label: "\(label)_buffered_bytes", dimensions: dimensions)
        stalled = Gauge(label: "\(label)_stalled", dimensions: dimensions)
    }

    /// Publishes what changed since the previous call.
    func publish(_ now: IngestorCounters) {
        let before = published.withLock { p in
            let b = p
            p = now
            return b
        }
        func add(_ counter: Counter?, _ delta: Int) { if delta > 0 { counter?.increment(by: delta) } }
        add(accepted, now.accepted - before.accepted)
        add(written, now.written - before.written)
        add(retried, now.retried - before.retried)
        add(failed, now.failed - before.failed)
        for reason in DropReason.allCases {
            add(dropped[reason], (now.dropped[reason] ?? 0) - (before.dropped[reason] ?? 0))
        }
        bufferedRecords.record(now.buffered)
        bufferedBytes.record(now.bufferedBytes)
    }
}

extension Ingestor {
    func publishMetrics() { metrics.publish(counters) }
}
