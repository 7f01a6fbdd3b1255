import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Compaction (docs/FORMAT.md, section 10): fewer, larger segments holding exactly the same records.
@Suite struct CompactionTests {
    @Test func compactionMergesSmallSegmentsAndKeepsEveryRecord() throws {
        let dir = TempDir()
        let expected = try makeFragmentedStore(dir.path)
        let before = segmentNames(dir.path).count
        #expect(before >= 30)

        let store = try LogStore.open(at: dir.path, options: compactionOptions())
        let report = try store.compact()
        #expect(report.segmentsReplaced == before)
        #expect(report.segmentsWritten >= 1 && report.segmentsWritten <= 2, "6 hours lie in at most two 16-hour windows")
        #expect(report.recordsWritten == expected.count)
        #expect(report.bytesAfter < report.bytesBefore)
        expectSameRecords(try store.records(LogQuery()), expected, "after compaction, same process")
        // A correlation lookup finds the same records as before.
        for id in Set(expected.compactMap(\.correlationID)).sorted().prefix(20) {
            expectSameRecords(try store.records(LogQuery(correlationID: id)), expected.filter { $0.correlationID == id }, "lookup \(id)")
        }
        #expect(store.statistics.counters.segmentsCompacted == before)
        try store.close()

        #expect(segmentNames(dir.path).count == report.segmentsWritten)
        #expect(compactedSegmentNames(dir.path).count == report.segmentsWritten)
        expectSameRecords(try readAllReadOnly(dir.path), expected, "read-only open after compaction")
        let reopened = try LogStore.open(at: dir.path, options: compactionOptions())
        expectSameRecords(try reopened.records(LogQuery()), expected, "writer reopened after compaction")
        #expect(reopened.recoveryReport.removedCompactedSegments.isEmpty)
        try reopened.close()
        let verify = try LogStore.verify(at: dir.path)
        #expect(verify.isClean, "\(verify.problems)")
        #expect(verify.recordsChecked == expected.count)
    }

    @Test func compactedSegmentCoversOneAlignedWindowAndNamesItsInputs() throws {
        let dir = TempDir()
        _ = try makeFragmentedStore(dir.path, records: 600, batches: 6, hours: 2)
        let inputs = Set(segmentNames(dir.path).compactMap(SegmentFormat.segmentID))
        let store = try LogStore.open(at: dir.path, options: compactionOptions())
        try store.compact()
        try store.close()
        let width = CompactionPlanner.width(span: nanosPerHour, retention: 7 * 24 * nanosPerHour)
        #expect(width == 16 * nanosPerHour)
        var replaced = Set<UInt64>()
        for name in compactedSegmentNames(dir.path) {
            let s = try openSegment(dir.path, name)
            #expect(s.header.version == SegmentFormat.compactedVersion)
            #expect(s.header.windowSpan == width)
            #expect(s.header.windowStart % width == 0)
            #expect(s.minTimestamp >= s.header.windowStart && s.maxTimestamp < s.header.windowStart + width)
            #expect(s.summary.replaces.allSatisfy { $0 < s.id })
            replaced.formUnion(s.summary.replaces)
        }
        #expect(replaced == inputs)
    }

    @Test func compactAfterCloseIsRefusedAndChangesNothing() throws {
        let dir = TempDir()
        _ = try makeFragmentedStore(dir.path, records: 200, batches: 4, hours: 1)
        let before = segmentNames(dir.path)
        let store = try LogStore.open(at: dir.path, options: compactionOptions())
        try store.close()
        let error = #expect(throws: LogStoreError.self) { try store.compact() }
        #expect(error?.kind == .closed)
        #expect(segmentNames(dir.path) == before)
        var readOnly = StoreOptions()
        readOnly.readOnly = true
        let reader = try LogStore.open(at: dir.path, options: readOnly)
        #expect(throws: LogStoreError.self) { try reader.compact() }
        try reader.close()
    }

    @Test func aLoneFlushedSegmentIsReencodedOnceAndThenLeftAlone() throws {
        let dir = TempDir()
        let expected = try makeFragmentedStore(dir.path, records: 500, batches: 1, hours: 1)
        let flushed = segmentNames(dir.path)
        #expect(flushed.count == 1 || flushed.count == 2, "one flush of one hour: one segment per hour window touched")
        let store = try LogStore.open(at: dir.path, options: compactionOptions())
        let first = try store.compact()
        #expect(first.segmentsReplaced == flushed.count && first.segmentsWritten == 1)
        let again = try store.compact()
        #expect(again.segmentsReplaced == 0 && again.segmentsWritten == 0, "a lone compacted segment is not rewritten")
        expectSameRecords(try store.records(LogQuery()), expected, "after re-encoding")
        try store.close()
        let only = try #require(compactedSegmentNames(dir.path).first)
        #expect(segmentNames(dir.path) == [only])
        #expect(try openSegment(dir.path, only).footer().replaces == flushed.compactMap(SegmentFormat.segmentID))
    }

    /// FORMAT.md 10.3: a record past the retention is never returned while the wide compacted segment
    /// holding it waits for its newest record to expire; then retention deletes the file.
    @Test func expiryStaysExactInsideAWideCompactedSegment() throws {
        let dir = TempDir()
        let clock = TestClock(nowNanos())
        let expected = try makeFragmentedStore(dir.path, records: 800, batches: 8, hours: 4,
                                               options: compactionOptions(clock: clock))
        var options = compactionOptions(clock: clock)
        options.retention = .seconds(7 * 86_400)
        let store = try LogStore.open(at: dir.path, options: options)
        try store.compact()
        let segment = try #require(compactedSegmentNames(dir.path).first)
        #expect(segmentNames(dir.path) == [segment])
        // Move the clock so that retention cuts the compacted segment's records in half.
        let cut = expected[expected.count / 2].timestamp
        clock.advance(by: .nanoseconds(cut - (clock.now - 7 * 86_400 * nanosPerSecond)))
        let oldest = clock.now - 7 * 86_400 * nanosPerSecond
        try store.expire()
        #expect(segmentNames(dir.path) == [segment], "the segment still holds unexpired records")
        let visible = try store.records(LogQuery())
        expectSameRecords(visible, expected.filter { $0.timestamp >= oldest }, "half expired")
        #expect(try store.count(LogQuery()) == visible.count)
        // Past its newest record, retention deletes the file.
        clock.advance(by: .nanoseconds((expected.last?.timestamp ?? 0) - oldest + nanosPerSecond))
        let report = try store.expire()
        #expect(report.segmentsRemoved == 1)
        #expect(segmentNames(dir.path).isEmpty)
        #expect(try store.records(LogQuery()).isEmpty)
        try store.close()
    }

    /// A flushed segment larger than half the merge target is re-encoded alone, streamed block by block.
    @Test func largeFlushedSegmentsAreReencodedAloneWithEveryRecord() throws {
        let dir = TempDir()
        var options = compactionOptions()
        options.segmentMaxBytes = 1 << 20  // merge target 1 MiB: the flush cuts segments of about that size
        let expected = try makeFragmentedStore(dir.path, records: 12_000, batches: 1, hours: 2, options: options)
        let flushed = segmentNames(dir.path)
        let big = try flushed.filter { try openSegment(dir.path, $0).rawBytes >= (1 << 20) / 2 }
        #expect(big.count >= 2, "\(flushed.count) segments, \(big.count) large")
        let store = try LogStore.open(at: dir.path, options: options)
        let report = try store.compact()
        #expect(report.segmentsReplaced == flushed.count)
        expectSameRecords(try store.records(LogQuery()), expected, "after re-encoding large segments")
        try store.close()
        let outputs = try compactedSegmentNames(dir.path).map { try openSegment(dir.path, $0) }
        #expect(outputs.count == segmentNames(dir.path).count)
        let loneOutputs = outputs.filter { $0.summary.replaces.count == 1 }
        #expect(loneOutputs.count >= big.count - 1, "large inputs are re-encoded alone")
        for s in outputs {
            #expect(try s.footer().blocks.allSatisfy { $0.rawLength <= options.compactionBlockSize + 64 << 10 })
        }
        #expect(try LogStore.verify(at: dir.path).isClean)
        expectSameRecords(try readAllReadOnly(dir.path), expected, "reopened")
    }

    @Test func compactionWidthFollowsSpanAndRetention() {
        let h = nanosPerHour
        #expect(CompactionPlanner.width(span: h, retention: 7 * 24 * h) == 16 * h)
        #expect(CompactionPlanner.width(span: h, retention: 2 * h) == h, "never narrower than the span")
        #expect(CompactionPlanner.width(span: h, retention: 8 * h) == h)
        #expect(CompactionPlanner.width(span: h, retention: 16 * h) == 2 * h)
        #expect(CompactionPlanner.width(span: 600 * nanosPerSecond, retention: 365 * 24 * h) % (600 * nanosPerSecond) == 0)
    }

    @Test func recompactingKeepsRecordsAndListsInputsOfInputs() throws {
        let dir = TempDir()
        let first = try makeFragmentedStore(dir.path, records: 400, batches: 4, hours: 1)
        let store = try LogStore.open(at: dir.path, options: compactionOptions())
        try store.compact()
        let once = Set(segmentNames(dir.path).compactMap(SegmentFormat.segmentID))
        let firstInputs = Set(try compactedSegmentNames(dir.path).flatMap { try openSegment(dir.path, $0).footer().replaces })
        // Late records for the same hour make new small segments beside the compacted one.
        var late = makeRecords(200, seed: 99, base: first[0].timestamp, spread: nanosPerHour / 2, lateFraction: 0)
        late = try appendInBatches(store, late, batches: 2)
        try store.flush()
        let report = try store.compact()
        #expect(report.segmentsWritten >= 1)
        try store.close()
        let expected = (first + late).sorted { ($0.timestamp, $0.sequence) < ($1.timestamp, $1.sequence) }
        expectSameRecords(try readAllReadOnly(dir.path), expected, "after two compactions")
        let all = Set(try compactedSegmentNames(dir.path).flatMap { try openSegment(dir.path, $0).footer().replaces })
        #expect(firstInputs.isSubset(of: all), "a second-level output lists the inputs of its inputs")
        #expect(!once.isDisjoint(with: all))
    }

    @Test func queriesInFlightKeepReadingWhatTheyStartedOn() throws {
        let dir = TempDir()
        let expected = try makeFragmentedStore(dir.path)
        let store = try LogStore.open(at: dir.path, options: compactionOptions())
        let iterator = try store.query(LogQuery())
        var got: [LogRecord] = []
        for _ in 0..<100 { if let r = try iterator.next() { got.append(r) } }
        try store.compact()
        #expect(compactedSegmentNames(dir.path).count == segmentNames(dir.path).count, "inputs unlinked")
        while let r = try iterator.next() { got.append(r) }
        expectSameRecords(got, expected, "a query started before the compaction")
        try store.close()
    }

    @Test func expiredRecordsAreLeftOutAndNeverReturned() throws {
        let dir = TempDir()
        let clock = TestClock(nowNanos())
        let expected = try makeFragmentedStore(dir.path, records: 1_000, batches: 10, hours: 4,
                                               options: compactionOptions(clock: clock))
        // Retention cuts through the middle of the records: the older half expires.
        let cut = expected[expected.count / 2].timestamp
        let retention = clock.now - cut
        var options = compactionOptions(clock: clock)
        options.retention = .nanoseconds(retention)
        options.expiryInterval = .seconds(3_600)
        let store = try LogStore.open(at: dir.path, options: options)
        let kept = expected.filter { $0.timestamp >= clock.now - (retention / 1_000_000_000) * 1_000_000_000 }
        expectSameRecords(try store.records(LogQuery()), kept, "before compaction")
        let report = try store.compact()
        #expect(report.recordsWritten <= kept.count)
        expectSameRecords(try store.records(LogQuery()), kept, "after compaction")
        try store.close()
        for name in compactedSegmentNames(dir.path) {
            let s = try openSegment(dir.path, name)
            #expect(s.minTimestamp >= clock.now - retention - nanosPerSecond, "expired records are not written again")
        }
    }
}
