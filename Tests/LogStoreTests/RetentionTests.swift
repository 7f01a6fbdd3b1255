import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Retention at ingest, at flush and by `expire()`; persisted settings; the size cap; and queries
/// that outlive the files they read.
@Suite struct RetentionTests {
    static func record(_ ts: Int64, _ message: String, level: LogLevel = .info) -> LogRecord {
        LogRecord(timestamp: ts, level: level, source: "ret", message: message)
    }

    /// One record every `step` from `from` (inclusive) to `to` (exclusive).
    static func series(from: Int64, to: Int64, step: Int64) -> [LogRecord] {
        stride(from: from, to: to, by: Int(step)).enumerated().map { i, ts in record(ts, "r\(i)", level: LogLevel.allCases[i % 7]) }
    }

    @Test func recordsOlderThanRetentionAtIngestAreDroppedAndCounted() throws {
        let dir = TempDir()
        let t0 = nowNanos()
        var opts = StoreOptions(durability: .none)
        opts.clock = { t0 }
        opts.retention = .seconds(3_600)
        let store = try LogStore.open(at: dir.path, options: opts)
        defer { try? store.close() }
        let oldest = t0 - nanosPerHour
        let batch = [
            Self.record(oldest - 1, "just expired"),
            Self.record(t0 - 2 * nanosPerHour, "long expired"),
            Self.record(oldest, "exactly at the retention bound"),
            Self.record(t0 - nanosPerMinute, "recent"),
            Self.record(t0 - 3 * nanosPerHour, "very old"),
            Self.record(t0, "now"),
        ]
        let receipt = try store.append(batch)
        #expect(receipt.accepted == 3)
        #expect(receipt.droppedExpired == 3)
        #expect(receipt.rejectedFuture == 0)
        #expect(receipt.lastSequence - receipt.firstSequence == 2)
        let c = store.statistics.counters
        #expect(c.droppedExpired == 3)
        #expect(c.appended == 3)
        #expect(try store.records(LogQuery()).map(\.message) == ["exactly at the retention bound", "recent", "now"])
        // A batch that is entirely expired throws nothing and stores nothing.
        let none = try store.append([Self.record(t0 - 5 * nanosPerHour, "x")])
        #expect(none.accepted == 0 && none.droppedExpired == 1 && none.firstSequence == 0)
        #expect(store.statistics.counters.droppedExpired == 4)
    }

    @Test func futureRecordsBeyondMaxSkewAreRejectedAndCounted() throws {
        let dir = TempDir()
        let t0 = nowNanos()
        var opts = StoreOptions(durability: .none)
        opts.clock = { t0 }
        opts.maxFutureSkew = .seconds(600)
        let store = try LogStore.open(at: dir.path, options: opts)
        defer { try? store.close() }
        let skew = 600 * nanosPerSecond
        let receipt = try store.append([
            Self.record(t0 + skew, "at the skew bound"),
            Self.record(t0 + skew + 1, "too far"),
            Self.record(t0 + 2 * 86_400 * nanosPerSecond, "days ahead"),
            Self.record(t0 + 1, "a little ahead"),
        ])
        #expect(receipt.accepted == 2)
        #expect(receipt.rejectedFuture == 2)
        #expect(receipt.droppedExpired == 0)
        #expect(store.statistics.counters.rejectedFuture == 2)
        #expect(Set(try store.records(LogQuery()).map(\.message)) == ["at the skew bound", "a little ahead"])
    }

    @Test func recordsThatExpireInMemoryAreDroppedAtFlushAndCounted() throws {
        let dir = TempDir()
        let clock = TestClock(nowNanos())
        var opts = StoreOptions(durability: .none)
        opts.clock = clock.function
        opts.retention = .seconds(3_600)
        let store = try LogStore.open(at: dir.path, options: opts)
        defer { try? store.close() }
        let t0 = clock.now
        _ = try store.append([Self.record(t0 - 59 * nanosPerMinute, "about to expire"), Self.record(t0, "fresh")])
        clock.advance(by: .seconds(120))
        try store.flush()
        #expect(store.statistics.counters.expiredAtFlush == 1)
        #expect(store.statistics.segmentRecords == 1)
        #expect(try store.records(LogQuery()).map(\.message) == ["fresh"])
    }

    @Test func expireRemovesSegmentsWhoseNewestRecordIsOlderThanRetentionUsingPersistedSetting() throws {
        let dir = TempDir()
        let t0 = nowNanos() / nanosPerMinute * nanosPerMinute
        var stored: [LogRecord] = []
        do {
            var opts = StoreOptions(durability: .none)
            opts.clock = { t0 }
            opts.retention = .seconds(7_200)
            opts.segmentSpan = .seconds(60)
            let store = try LogStore.open(at: dir.path, options: opts)
            stored = try appendInBatches(store, Self.series(from: t0 - 100 * nanosPerMinute, to: t0 - 10 * nanosPerMinute,
                                                            step: 10 * nanosPerSecond), batches: 3)
            try store.close()
        }
        let settingsText = String(decoding: try fileBytes(dir.file("SETTINGS")), as: UTF8.self)
        #expect(settingsText.hasPrefix("logstore-settings=2\n"))
        #expect(settingsText.contains("retention_seconds=7200\n"))
        #expect(settingsText.contains("segment_span_seconds=60\n"))

        // Forty minutes later, opened without a retention option: the persisted two hours apply.
        let t1 = t0 + 40 * nanosPerMinute
        var opts = StoreOptions(durability: .none)
        opts.clock = { t1 }
        let store = try LogStore.open(at: dir.path, options: opts)
        defer { try? store.close() }
        #expect(store.settings.retentionSeconds == 7_200)
        let oldest = t1 - 2 * nanosPerHour  // t0 - 80 min
        let before = segmentNames(dir.path).count
        let expiredSegments = try segmentNames(dir.path).filter { try openSegment(dir.path, $0).maxTimestamp < oldest }
        #expect(expiredSegments.count >= 15)
        let report = try store.expire()
        #expect(report.segmentsRemoved == expiredSegments.count)
        #expect(report.recordsRemoved == stored.filter { $0.timestamp < oldest }.count)
        #expect(report.bytesFreed > 0)
        let after = segmentNames(dir.path)
        #expect(after.count == before - expiredSegments.count)
        #expect(Set(after).isDisjoint(with: expiredSegments))
        for name in after { #expect(try openSegment(dir.path, name).maxTimestamp >= oldest) }
        #expect(store.statistics.segmentCount == after.count)
        #expect(store.statistics.counters.segmentsExpired == expiredSegments.count)
        expectSameRecords(try store.records(LogQuery()), reference(stored.filter { $0.timestamp >= oldest }, LogQuery()),
                          "what is left")
        // Nothing more to do on a second pass.
        #expect(try store.expire().segmentsRemoved == 0)
        let verify = try LogStore.verify(at: dir.path)
        #expect(verify.isClean, "\(verify.problems)")
    }

    @Test func expiringPartOfAFlushGroupKeepsTheRestVisibleToEveryReader() throws {
        // One flush writes one segment per time window, all in one flush group. Retention removes the
        // old windows of that group; the remaining segments must stay visible after a reopen, to a
        // read-only reader, and to verify (docs/FORMAT.md section 6: only a crash mid-flush leaves
        // an incomplete group, and its WAL file still exists then).
        let dir = TempDir()
        let t0 = nowNanos() / nanosPerMinute * nanosPerMinute
        var opts = StoreOptions(durability: .none)
        opts.clock = { t0 }
        opts.retention = .seconds(3_600)
        opts.segmentSpan = .seconds(60)
        let stored: [LogRecord]
        do {
            let store = try LogStore.open(at: dir.path, options: opts)
            stored = try appendInBatches(store, Self.series(from: t0 - 50 * nanosPerMinute, to: t0, step: 30 * nanosPerSecond),
                                         batches: 1)
            try store.close()  // one flush, one group of 50 segments
        }
        let t1 = t0 + 20 * nanosPerMinute
        opts.clock = { t1 }
        let oldest = t1 - nanosPerHour
        let kept = stored.filter { $0.timestamp >= oldest }
        do {
            let store = try LogStore.open(at: dir.path, options: opts)
            let report = try store.expire()
            #expect(report.segmentsRemoved == 10)
            #expect(try store.count(LogQuery()) == kept.count)
            try store.close()
        }
        var ro = StoreOptions()
        ro.readOnly = true
        ro.clock = { t1 }
        let reader = try LogStore.open(at: dir.path, options: ro)
        #expect(try reader.count(LogQuery()) == kept.count, "a read-only reader must see the segments retention kept")
        try reader.close()
        let writer = try LogStore.open(at: dir.path, options: opts)
        #expect(writer.recoveryReport.removedIncompleteSegments.isEmpty, "segments of a committed flush must not be removed")
        #expect(writer.recoveryReport.isClean)
        #expect(try writer.count(LogQuery()) == kept.count)
        try writer.close()
        let verify = try LogStore.verify(at: dir.path)
        #expect(verify.isClean, "\(verify.problems)")
    }

    @Test func retentionOptionReplacesThePersistedSetting() throws {
        let dir = TempDir()
        var opts = StoreOptions(durability: .none)
        opts.retention = .seconds(600)
        opts.maxBytes = 1 << 20
        try LogStore.open(at: dir.path, options: opts).close()
        let plain = try LogStore.open(at: dir.path, options: StoreOptions(durability: .none))
        #expect(plain.settings.retentionSeconds == 600)
        #expect(plain.settings.maxBytes == 1 << 20)
        try plain.close()
        var again = StoreOptions(durability: .none)
        again.retention = .seconds(86_400)
        again.maxBytes = 0
        try LogStore.open(at: dir.path, options: again).close()
        var ro = StoreOptions()
        ro.readOnly = true
        let reader = try LogStore.open(at: dir.path, options: ro)
        #expect(reader.settings.retentionSeconds == 86_400)
        #expect(reader.settings.maxBytes == 0)
        try reader.close()
    }

    /// SETTINGS version 2 ends with a CRC32C line: a damaged file that would still read as other valid
    /// settings (say a shorter retention, which would expire data) is refused, and verify reports it.
    @Test func damagedSettingsAreRefusedNotMisread() throws {
        let dir = TempDir()
        var opts = StoreOptions(durability: .none)
        opts.retention = .seconds(30 * 86_400)
        try LogStore.open(at: dir.path, options: opts).close()
        let good = try fileBytes(dir.file("SETTINGS"))
        let text = String(decoding: good, as: UTF8.self)
        #expect(text.hasPrefix("logstore-settings=2\nretention_seconds=2592000\n"))
        let crcLine = try #require(text.split(separator: "\n").last)
        let expected = CRC32C.checksum(Array(good.prefix(good.count - crcLine.utf8.count - 1)))
        #expect(crcLine == "crc32c=" + String(repeating: "0", count: 8 - String(expected, radix: 16).count) + String(expected, radix: 16))
        // "2592000" → "2592" (25 seconds' worth of retention would be a valid number) with the checksum line kept.
        let damaged = Array(text.replacingOccurrences(of: "retention_seconds=2592000", with: "retention_seconds=2592").utf8)
        // The checksum line removed, and the version line turned into version 1 (which has no checksum).
        let cut = Array(text.split(separator: "\n").dropLast().joined(separator: "\n").utf8) + [0x0A]
        let downgraded = Array(text.replacingOccurrences(of: "logstore-settings=2", with: "logstore-settings=1").utf8)
        for (name, bytes) in [("changed value", damaged), ("checksum line cut", cut), ("version line changed", downgraded)] {
            try writeFileBytes(dir.file("SETTINGS"), bytes)
            let error = #expect(throws: LogStoreError.self, "\(name)") { try LogStore.open(at: dir.path, options: StoreOptions(durability: .none)) }
            #expect(error?.kind == .corruption, "\(name)")
            #expect(error?.path?.hasSuffix("SETTINGS") == true, "\(name)")
            #expect(try LogStore.verify(at: dir.path).problems.contains { $0.file == "SETTINGS" }, "\(name)")
            #expect(try fileBytes(dir.file("SETTINGS")) == bytes, "a refused SETTINGS file is left as it is")
        }
        try writeFileBytes(dir.file("SETTINGS"), good)
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .none))
        #expect(store.settings.retentionSeconds == 30 * 86_400)
        try store.close()
    }

    @Test func unknownSettingsKeysSurviveARewrite() throws {
        let dir = TempDir()
        try writeFileBytes(dir.file("SETTINGS"), Array("logstore-settings=1\nretention_seconds=999\nfuture_key=abc\n".utf8))
        var opts = StoreOptions(durability: .none)
        opts.segmentSpan = .seconds(120)
        let store = try LogStore.open(at: dir.path, options: opts)
        #expect(store.settings.retentionSeconds == 999)
        try store.close()
        let text = String(decoding: try fileBytes(dir.file("SETTINGS")), as: UTF8.self)
        #expect(text.contains("future_key=abc\n"))
        #expect(text.contains("segment_span_seconds=120\n"))
        #expect(text.contains("retention_seconds=999\n"))
        // A version 1 file (no checksum) is read, and rewritten as version 2.
        #expect(text.hasPrefix("logstore-settings=2\n") && text.contains("\ncrc32c="))
    }

    @Test func sizeCapRemovesOldestSegmentsFirst() throws {
        let dir = TempDir()
        let t0 = nowNanos() / nanosPerMinute * nanosPerMinute
        var opts = StoreOptions(durability: .none)
        opts.clock = { t0 }
        opts.segmentSpan = .seconds(60)
        var stored: [LogRecord] = []
        do {
            let store = try LogStore.open(at: dir.path, options: opts)
            // Out of order on purpose: the oldest windows are not the oldest segment ids.
            let all: [LogRecord] = Self.series(from: t0 - 60 * nanosPerMinute, to: t0, step: 5 * nanosPerSecond)
            stored = try appendInBatches(store, Array(all[(all.count / 2)...]), batches: 2)
            try store.flush()
            stored += try appendInBatches(store, Array(all[..<(all.count / 2)]), batches: 2)
            try store.close()
        }
        let sizes = try segmentNames(dir.path).map { try openSegment(dir.path, $0).fileSize }
        let total = sizes.reduce(0, +)
        let cap = total / 3
        opts.maxBytes = Int(cap)
        let store = try LogStore.open(at: dir.path, options: opts)
        defer { try? store.close() }
        let report = try store.expire()
        #expect(report.segmentsRemoved > 0)
        #expect(store.statistics.segmentBytes <= cap)
        #expect(store.statistics.segmentBytes > cap - (sizes.max() ?? 0), "removes no more than needed")
        let kept = try store.records(LogQuery())
        let keptSequences = Set(kept.map(\.sequence))
        let removed = stored.filter { !keptSequences.contains($0.sequence) }
        #expect(removed.count == report.recordsRemoved)
        // Whole windows go oldest first: every removed record is no newer than every kept one's window.
        let span = 60 * nanosPerSecond
        if let newestRemoved = removed.map({ $0.timestamp / span }).max(), let oldestKept = kept.map({ $0.timestamp / span }).min() {
            #expect(newestRemoved <= oldestKept)
        }
        #expect(segmentNames(dir.path).count == store.statistics.segmentCount)
    }

    /// Sequence numbers never start over, even when retention removed every segment and the writer
    /// closed in between: the WAL file close keeps carries the next sequence (FORMAT.md 6, "Close").
    /// A follower resuming after a sequence number (`LogStore.follow(after:)`) would otherwise skip
    /// the new records.
    @Test func sequencesDoNotStartOverAfterEverySegmentExpired() throws {
        let dir = TempDir()
        let clock = TestClock(nowNanos())
        var opts = StoreOptions(durability: .none)
        opts.clock = clock.function
        opts.retention = .seconds(3_600)
        let store = try LogStore.open(at: dir.path, options: opts)
        let first = try store.append(Self.series(from: clock.now - 30 * nanosPerMinute, to: clock.now - 20 * nanosPerMinute, step: nanosPerSecond))
        try store.close()
        clock.advance(by: .seconds(7_200))
        let emptied = try LogStore.open(at: dir.path, options: opts)
        _ = try emptied.expire()
        #expect(segmentNames(dir.path).isEmpty)
        try emptied.close()
        let reopened = try LogStore.open(at: dir.path, options: opts)
        defer { try? reopened.close() }
        let next = try reopened.append(LogRecord(timestamp: clock.now, level: .info, source: "s", message: "after"))
        #expect(next.firstSequence > first.lastSequence, "sequence \(next.firstSequence) after \(first.lastSequence)")
    }

    @Test func queryStartedBeforeExpireStillReturnsAllItsRecords() throws {
        let dir = TempDir()
        let clock = TestClock(nowNanos())
        var opts = StoreOptions(durability: .none)
        opts.clock = clock.function
        opts.blockSize = 2048
        opts.segmentSpan = .seconds(60)
        opts.retention = .seconds(7_200)
        let t0 = clock.now
        let store = try LogStore.open(at: dir.path, options: opts)
        defer { try? store.close() }
        let stored = try appendInBatches(store, Self.series(from: t0 - 90 * nanosPerMinute, to: t0 - 60 * nanosPerMinute,
                                                            step: nanosPerSecond), batches: 3)
        try store.flush()
        #expect(segmentNames(dir.path).count >= 20)
        let iterator = try store.query(LogQuery())
        var got: [LogRecord] = []
        for _ in 0..<10 { if let r = try iterator.next() { got.append(r) } }
        // Now every segment is past retention; expire unlinks the files under the running query.
        clock.advance(by: .seconds(3_600))
        let report = try store.expire()
        #expect(report.segmentsRemoved > 0)
        #expect(segmentNames(dir.path).isEmpty)
        while let r = try iterator.next() { got.append(r) }
        expectSameRecords(got, reference(stored, LogQuery()), "query that outlived its files")
        // A new query sees nothing.
        #expect(try store.records(LogQuery()).isEmpty)
    }
}
