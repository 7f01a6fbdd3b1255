import Foundation
import Testing
@testable import LogStore

/// Property tests: whatever the query, the store answers exactly what filtering and sorting the
/// appended records in memory answers, from the head, from segments, and from both.
@Suite struct QueryRoundTripTests {
    /// Small blocks and heads, so a few thousand records make many segments and blocks.
    static func smallOptions() -> StoreOptions {
        var opts = StoreOptions(durability: .none)
        opts.blockSize = 2048
        opts.headFlushBytes = 64 << 10
        return opts
    }

    static func dataSet(seed: UInt64, count: Int) -> [LogRecord] {
        let base = nowNanos() - 3_600_000_000_000
        var records = makeRecords(count, seed: seed, base: base)
        records += edgeCaseRecords(base: base, seed: seed)
        // Shuffle the hand-made records in, so ties and uppercase IDs land in several flushes.
        var rng = SeededRandom(seed: seed ^ 0xFEED)
        records.shuffle(using: &rng)
        return records
    }

    @Test("random queries answer like the in-memory reference, before and after reopen",
          arguments: [UInt64(11), 23, 37])
    func queryResultsEqualReferenceForRandomQueries(seed: UInt64) throws {
        let dir = TempDir()
        let opts = Self.smallOptions()
        let input = Self.dataSet(seed: seed, count: 3_000)
        var stored: [LogRecord] = []
        do {
            let store = try LogStore.open(at: dir.path, options: opts)
            defer { try? store.close() }
            stored = try appendInBatches(store, input, batches: 7)
            // Let at least one flush land so the answer mixes segments and heads.
            try store.sync()
            let stats = store.statistics
            #expect(stats.bufferedRecords > 0, "some records should still be in memory")
            let nonEmpty = try checkRandomQueries(store, records: stored, seed: seed &* 31, count: 70, phase: "open")
            #expect(nonEmpty > 15, "the generator should produce mostly non-empty answers")
            #expect(store.statistics.segmentCount > 5, "small heads should have produced many segments")
            try store.close()
        }
        let reopened = try LogStore.open(at: dir.path, options: opts)
        defer { try? reopened.close() }
        #expect(reopened.statistics.bufferedRecords == 0, "after a clean close everything is in segments")
        #expect(reopened.recoveryReport.replayedRecords == 0)
        #expect(reopened.recoveryReport.isClean)
        try checkRandomQueries(reopened, records: stored, seed: seed &* 77, count: 70, phase: "reopened")
        let all = try reopened.records(LogQuery())
        expectSameRecords(all, reference(stored, LogQuery()), "everything after reopen")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }

    @Test func queryResultsEqualReferenceWithSmallSegmentSpan() throws {
        let dir = TempDir()
        var opts = Self.smallOptions()
        opts.segmentSpan = .seconds(60)
        let input = Self.dataSet(seed: 5, count: 3_000)
        var stored: [LogRecord] = []
        do {
            let store = try LogStore.open(at: dir.path, options: opts)
            stored = try appendInBatches(store, input, batches: 4)
            try checkRandomQueries(store, records: stored, seed: 505, count: 40, phase: "open, 60 s span")
            try store.close()
        }
        let reopened = try LogStore.open(at: dir.path, options: opts)
        defer { try? reopened.close() }
        #expect(reopened.settings.segmentSpanSeconds == 60)
        try checkRandomQueries(reopened, records: stored, seed: 506, count: 40, phase: "reopened, 60 s span")
    }

    @Test func noSegmentCoversMoreThanItsTimeWindow() throws {
        let dir = TempDir()
        var opts = Self.smallOptions()
        opts.segmentSpan = .seconds(60)
        let span = 60 * nanosPerSecond
        do {
            let store = try LogStore.open(at: dir.path, options: opts)
            _ = try appendInBatches(store, Self.dataSet(seed: 9, count: 3_000), batches: 5)
            try store.close()
        }
        let names = segmentNames(dir.path)
        // 3000 s of data in 60 s windows: dozens of windows.
        #expect(names.count >= 40)
        var windows = Set<Int64>()
        var total = 0
        for name in names {
            let s = try openSegment(dir.path, name)
            let h = s.header
            #expect(h.windowSpan == span, "\(name)")
            #expect(h.windowStart % span == 0, "\(name): window start \(h.windowStart) not aligned to the span")
            #expect(h.windowStart <= s.minTimestamp && s.maxTimestamp < h.windowStart + span,
                    "\(name): records \(s.minTimestamp)...\(s.maxTimestamp) outside [\(h.windowStart), +\(span))")
            for b in try s.footer().blocks {
                #expect(h.windowStart <= b.minTimestamp && b.maxTimestamp < h.windowStart + span, "\(name) block at \(b.offset)")
            }
            windows.insert(h.windowStart)
            total += s.recordCount
        }
        #expect(windows.count >= 40)
        #expect(total == 3_070)
    }

    @Test func countIgnoresLimitAndCountByLevelSumsToCount() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.smallOptions())
        defer { try? store.close() }
        let stored = try appendInBatches(store, makeRecords(2_000, seed: 3), batches: 3)
        try store.flush()
        for q in [LogQuery(limit: 5), LogQuery(levels: [.error, .critical], limit: 1),
                  LogQuery(sources: ["billing"], limit: 0, order: .descending)] {
            var unlimited = q
            unlimited.limit = nil
            let expected = reference(stored, unlimited).count
            #expect(try store.count(q) == expected)
            #expect(try store.countByLevel(q).values.reduce(0, +) == expected)
            #expect(try store.records(q).count == min(expected, q.limit ?? .max))
        }
    }

    @Test func attributeComparisonsAreNumericAcrossIntegerAndDouble() {
        #expect(AttributeFilter("n", .equal, .double(3.0)).matches(.int(3)))
        #expect(AttributeFilter("n", .less, .double(3.5)).matches(.int(3)))
        #expect(AttributeFilter("n", .greaterOrEqual, .int(3)).matches(.double(3.0)))
        #expect(!AttributeFilter("n", .greater, .int(3)).matches(.double(3.0)))
        // Integers compare exactly even where doubles cannot tell them apart.
        #expect(AttributeFilter("n", .less, .int(Int64.max)).matches(.int(Int64.max - 1)))
        #expect(!AttributeFilter("b", .less, .bool(true)).matches(.bool(false)))
        #expect(AttributeFilter("s", .notEqual, .int(1)).matches(.string("1")))
        #expect(!AttributeFilter("s", .equal, .int(1)).matches(.string("1")))
    }
}
