import Foundation
import Testing
@testable import LogStore

/// Retention against records a forwarder in the writer's process has not sent yet
/// (docs/FORWARDING.md 7): `.keep` holds the segments above the lowest `forward:` position up to its
/// hard cap, then drops the oldest and counts them; `.expire` runs as configured.
@Suite struct UnforwardedRetentionTests {
    static func position(_ mark: UInt64) -> Checkpoint {
        Checkpoint(name: "forward:clickhouse://127.0.0.1:8123/default.logs", value: (0..<8).map { UInt8(truncatingIfNeeded: mark >> (8 * $0)) })
    }

    /// 540 records, one every 10 s from 100 to 10 minutes before `t0`, in 1-minute segments; the first
    /// 100 forwarded (the position checkpoint at 100; the first 180 are past the retention 40 minutes later).
    static func makeStore(_ path: String, t0: Int64) throws {
        var options = StoreOptions(durability: .none)
        options.clock = { t0 }
        options.retention = .seconds(7_200)
        options.segmentSpan = .seconds(60)
        options.compactInBackground = false
        let store = try LogStore.open(at: path, options: options)
        _ = try appendInBatches(store, RetentionTests.series(from: t0 - 100 * nanosPerMinute, to: t0 - 10 * nanosPerMinute,
                                                             step: 10 * nanosPerSecond), batches: 3)
        _ = try store.append([LogRecord](), checkpoints: [position(100)])
        try store.close()
    }

    static func reopen(_ path: String, at t1: Int64, _ policy: UnforwardedRetention) throws -> LogStore {
        var options = StoreOptions(durability: .none)
        options.clock = { t1 }
        options.compactInBackground = false
        options.unforwarded = policy
        return try LogStore.open(at: path, options: options)
    }

    /// Forty minutes later the records of the first 30 minutes are past the two-hour retention.
    @Test func keepHoldsExpiredSegmentsAboveTheForwarderPosition() throws {
        let dir = TempDir()
        let t0 = nowNanos() / nanosPerMinute * nanosPerMinute
        try Self.makeStore(dir.path, t0: t0)
        let t1 = t0 + 40 * nanosPerMinute
        let oldest = t1 - 2 * nanosPerHour
        let segments = try segmentNames(dir.path).map { try openSegment(dir.path, $0) }
        let expired = segments.filter { $0.maxTimestamp < oldest }
        let forwardedAndExpired = expired.filter { $0.summary.maxSequence <= 100 }
        let heldBack = expired.filter { $0.summary.maxSequence > 100 }
        #expect(!forwardedAndExpired.isEmpty && !heldBack.isEmpty, "the test needs expired segments on both sides of the position")

        let store = try Self.reopen(dir.path, at: t1, .keep(maxBytes: 1 << 40))
        let report = try store.expire()
        #expect(report.segmentsRemoved == forwardedAndExpired.count)
        #expect(store.statistics.counters.segmentsHeldForForwarding == heldBack.count)
        #expect(store.statistics.counters.segmentsExpiredUnforwarded == 0)
        let left = Set(segmentNames(dir.path))
        for seg in heldBack { #expect(left.contains(seg.name), "\(seg.name) holds unforwarded records and stays") }
        // Held segments stay for the forwarder, but a query still never returns an expired record.
        #expect(try store.records(LogQuery()).allSatisfy { $0.timestamp >= oldest })
        try store.close()

        // The forwarder moves on past everything: the held segments go at the next pass.
        let moved = try Self.reopen(dir.path, at: t1, .keep(maxBytes: 1 << 40))
        _ = try moved.append([LogRecord](), checkpoints: [Self.position(10_000)])
        #expect(try moved.expire().segmentsRemoved == heldBack.count)
        #expect(moved.statistics.counters.segmentsHeldForForwarding == 0)
        try moved.close()
    }

    @Test func keepDropsTheOldestHeldSegmentsPastItsCapAndCountsThem() throws {
        let dir = TempDir()
        let t0 = nowNanos() / nanosPerMinute * nanosPerMinute
        try Self.makeStore(dir.path, t0: t0)
        let t1 = t0 + 40 * nanosPerMinute
        let oldest = t1 - 2 * nanosPerHour
        let expired = try segmentNames(dir.path).map { try openSegment(dir.path, $0) }.filter { $0.maxTimestamp < oldest }
        let heldBack = expired.filter { $0.summary.maxSequence > 100 }
        // A cap of one byte: every segment above the position goes, oldest first, counted.
        let store = try Self.reopen(dir.path, at: t1, .keep(maxBytes: 1))
        let report = try store.expire()
        #expect(report.segmentsRemoved >= expired.count)
        #expect(store.statistics.counters.segmentsExpiredUnforwarded >= heldBack.count)
        try store.close()
    }

    @Test func expireIgnoresForwarderPositions() throws {
        let dir = TempDir()
        let t0 = nowNanos() / nanosPerMinute * nanosPerMinute
        try Self.makeStore(dir.path, t0: t0)
        let t1 = t0 + 40 * nanosPerMinute
        let oldest = t1 - 2 * nanosPerHour
        let expired = try segmentNames(dir.path).map { try openSegment(dir.path, $0) }.filter { $0.maxTimestamp < oldest }
        let store = try Self.reopen(dir.path, at: t1, .expire)
        #expect(try store.expire().segmentsRemoved == expired.count)
        #expect(store.statistics.counters.segmentsHeldForForwarding == 0)
        try store.close()
    }

    @Test func keepNeedsAPositiveCap() {
        var options = StoreOptions()
        options.unforwarded = .keep(maxBytes: 0)
        let dir = TempDir()
        #expect(throws: LogStoreError.self) { try LogStore.open(at: dir.path, options: options) }
    }
}
