import Foundation
import Testing
@testable import LogStore

/// Options for compaction tests: no background compaction unless asked for.
func compactionOptions(clock: TestClock? = nil, background: Bool = false) -> StoreOptions {
    var o = StoreOptions(durability: .batch)
    o.compactInBackground = background
    if let clock { o.clock = clock.function }
    return o
}

/// A store of `batches` flushes of realistic records spread over `hours` hours of one compaction
/// window that ended days ago: many small segments. Returns the records with their
/// sequence numbers, sorted as queries return them.
func makeFragmentedStore(_ path: String, records n: Int = 3_000, batches: Int = 30, hours: Int64 = 6,
                         seed: UInt64 = 7, options: StoreOptions = compactionOptions()) throws -> [LogRecord] {
    // Inside one 16-hour compaction window (the default width) that ended days ago, late records included.
    let window = 16 * nanosPerHour
    let base = (nowNanos() - 3 * 24 * nanosPerHour) / window * window + nanosPerHour + hours * nanosPerHour / 2
    precondition(hours <= 8, "keep the records inside one compaction window")
    let records = makeRecords(n, seed: seed, base: base, spread: hours * nanosPerHour, lateFraction: 0.1)
    let store = try LogStore.open(at: path, options: options)
    var stored: [LogRecord] = []
    let size = (n + batches - 1) / batches
    var start = 0
    while start < n {
        stored += try appendInBatches(store, Array(records[start..<min(n, start + size)]), batches: 1)
        try store.flush()
        start += size
    }
    try store.close()
    return stored.sorted { ($0.timestamp, $0.sequence) < ($1.timestamp, $1.sequence) }
}

/// Every record of the store at `path`, opened read-only (as another process would).
func readAllReadOnly(_ path: String) throws -> [LogRecord] {
    var o = StoreOptions()
    o.readOnly = true
    let store = try LogStore.open(at: path, options: o)
    defer { try? store.close() }
    return try store.records(LogQuery())
}

/// The compacted segments (version 3) among a store's segment files.
func compactedSegmentNames(_ store: String) -> [String] {
    segmentNames(store).filter { ((try? openSegment(store, $0))?.isCompacted) ?? false }
}
