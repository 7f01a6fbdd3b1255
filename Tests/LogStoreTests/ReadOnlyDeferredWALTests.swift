import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// A read-only open leaves the appends that carry a summary frame (docs/FORMAT.md, 4.4) undecoded and
/// decodes only those a query may touch; answers and counts stay exact, damage is still reported.
/// Each test fails on the code before summary frames (no group is deferred, every row is decoded at open).
@Suite struct ReadOnlyDeferredWALTests {
    static let appends = 40
    static let perAppend = 250

    /// `appends` appends, each with its own correlation IDs (`a<append>-<k>`) and its own second of time.
    static func records(base: Int64) -> [[LogRecord]] {
        (0..<appends).map { (a: Int) -> [LogRecord] in
            (0..<perAppend).map { (i: Int) -> LogRecord in
                let timestamp: Int64 = base + Int64(a) * 1_000_000_000 + Int64(i)
                let level: LogLevel = i % 9 == 0 ? .error : .info
                let id: String? = i % 5 == 4 ? nil : "a\(a)-\(i % 13)"
                return LogRecord(timestamp: timestamp, level: level, source: "deferred", correlationID: id,
                                 message: "append \(a) record \(i)", attributes: [Attribute("i", .int(Int64(i)))])
            }
        }
    }

    static func writer(_ dir: TempDir) throws -> LogStore {
        var options = StoreOptions(durability: .none)
        options.headFlushBytes = 256 << 20
        options.headMaxAge = .seconds(86_400)
        return try LogStore.open(at: dir.path, options: options)
    }

    static func readOnly(_ path: String) throws -> LogStore {
        var ro = StoreOptions()
        ro.readOnly = true
        return try LogStore.open(at: path, options: ro)
    }

    @Test func aCorrelationLookupDecodesOnlyTheAppendsWhoseSummaryMayHoldTheIDAndFindsExactlyItsRecords() throws {
        let dir = TempDir()
        let writer = try Self.writer(dir)
        defer { try? writer.close() }
        let base = nowNanos() - 100_000_000_000
        var stored: [LogRecord] = []
        for batch in Self.records(base: base) { stored += try appendInBatches(writer, batch, batches: 1) }
        try writer.sync()
        #expect(segmentNames(dir.path).isEmpty, "every record is still only in the WAL")

        let reader = try Self.readOnly(dir.path)
        defer { try? reader.close() }
        #expect(reader.deferredWALGroups.total == Self.appends)
        #expect(reader.deferredWALGroups.decoded == 0, "the open decodes no row")
        #expect(reader.recoveryReport.replayedRecords == stored.count)
        #expect(reader.latestSequence == stored.last?.sequence)

        let q = LogQuery(correlationID: "a17-5")
        let expected = reference(stored, q)
        #expect(!expected.isEmpty)
        expectSameRecords(try reader.records(q), expected, "a17-5")
        // The append holding it, and at most a few whose filter answers "maybe" (about 0.8 % each).
        let afterLookup = reader.deferredWALGroups.decoded
        #expect(afterLookup >= 1 && afterLookup <= 4, "decoded \(afterLookup) of \(Self.appends) appends")
        #expect(try reader.records(LogQuery(correlationID: "absent-id")).isEmpty)
        #expect(reader.deferredWALGroups.decoded <= afterLookup + 3)

        // A time window inside one append's second decodes that append only.
        let window = LogQuery(since: base + 23 * 1_000_000_000, until: base + 23 * 1_000_000_000 + 100)
        let before = reader.deferredWALGroups.decoded
        expectSameRecords(try reader.records(window), reference(stored, window), "window in append 23")
        #expect(reader.deferredWALGroups.decoded <= before + 1)

        // Counting everything decodes every append, exactly once, and counts exactly.
        #expect(try reader.count(LogQuery()) == stored.count)
        #expect(reader.deferredWALGroups.decoded == Self.appends)
        var errors = LogQuery(levels: [.error])
        errors.order = .descending
        expectSameRecords(try reader.records(errors), reference(stored, errors), "every error, newest first")
        // The writer's own head gives the same answers.
        for id in ["a0-0", "a39-12"] {
            let q = LogQuery(correlationID: id)
            expectSameRecords(try reader.records(q), try writer.records(q), "writer and reader, \(id)")
        }
    }

    @Test func smallAppendsWithoutSummaryAndSummarizedOnesMixAndStayInSequenceOrder() throws {
        let dir = TempDir()
        let writer = try Self.writer(dir)
        defer { try? writer.close() }
        let base = nowNanos() - 100_000_000_000
        var stored: [LogRecord] = []
        for (a, batch) in Self.records(base: base).prefix(10).enumerated() {
            // Every other append is split into appends too small for a summary (fewer than 8 records).
            let batches = a % 2 == 0 ? 1 : (batch.count + WALSummary.minimumRecords - 2) / (WALSummary.minimumRecords - 1)
            stored += try appendInBatches(writer, batch, batches: batches)
        }
        try writer.sync()
        let reader = try Self.readOnly(dir.path)
        defer { try? reader.close() }
        #expect(reader.deferredWALGroups.total == 5)
        #expect(try reader.count(LogQuery()) == stored.count)
        for order in [LogQuery.Order.ascending, .descending] {
            var all = LogQuery()
            all.order = order
            expectSameRecords(try reader.records(all), reference(stored, all), "all, \(order)")
        }
        for id in ["a1-3", "a4-0", "a9-12"] {
            let q = LogQuery(correlationID: id)
            expectSameRecords(try reader.records(q), reference(stored, q), id)
        }
    }

    @Test func damageInAnAppendNoQueryTouchesIsReportedByTheOpenAndByVerify() throws {
        let temp = TempDir()
        let live = temp.path + "/live"
        var options = StoreOptions(durability: .none)
        options.headFlushBytes = 256 << 20
        options.headMaxAge = .seconds(86_400)
        let writer = try LogStore.open(at: live, options: options)
        let base = nowNanos() - 100_000_000_000
        var appends: [[LogRecord]] = []
        for batch in Self.records(base: base).prefix(6) { appends.append(try appendInBatches(writer, batch, batches: 1)) }
        try writer.sync()
        let store = try copyStore(live, into: temp, name: "crashed")
        try writer.close()
        let names = walNames(store)
        try #require(names.count == 1)
        let walPath = store + "/wal/" + names[0]
        let offsets = walFrameOffsets(try fileBytes(walPath))
        try #require(offsets.count == appends.count, "one records frame per append")
        try flipByte(walPath, at: offsets[2] + WALFormat.frameHeaderSize + 40)

        let reader = try Self.readOnly(store)
        defer { try? reader.close() }
        let damage = reader.recoveryReport.walDamage
        #expect(damage.count == 1)
        #expect(damage.first?.offset == offsets[2])
        // A lookup whose summary rules out append 2 still sees the damage in the open's report; the rest is found.
        let q = LogQuery(correlationID: "a4-1")
        expectSameRecords(try reader.records(q), reference(appends[4], q), "a4-1 beside the damaged append")
        let readable = appends.enumerated().filter { $0.offset != 2 }.flatMap(\.element)
        #expect(try reader.count(LogQuery()) == readable.count)
        let report = try LogStore.verify(at: store)
        #expect(report.problems.contains { $0.file == "wal/" + names[0] && $0.offset == offsets[2] })
    }

    @Test func aTornTailBesideALiveWriterEndsTheReadAndAnAppendWithoutItsSummaryIsDecodedAtOnce() throws {
        let temp = TempDir()
        let live = temp.path + "/live"
        var options = StoreOptions(durability: .none)
        options.headFlushBytes = 256 << 20
        let writer = try LogStore.open(at: live, options: options)
        let base = nowNanos() - 100_000_000_000
        var appends: [[LogRecord]] = []
        for batch in Self.records(base: base).prefix(4) { appends.append(try appendInBatches(writer, batch, batches: 1)) }
        try writer.sync()
        let store = try copyStore(live, into: temp, name: "copy")
        try writer.close()
        let walPath = store + "/wal/" + walNames(store)[0]
        let bytes = try fileBytes(walPath)
        let records = walFrameOffsets(bytes)
        try #require(records.count == 4)
        // The last append's records frame is complete, its summary half written.
        let length = Int(bytes[records[3]]) | Int(bytes[records[3] + 1]) << 8 | Int(bytes[records[3] + 2]) << 16
        let summaryStart = records[3] + WALFormat.frameHeaderSize + length
        try #require(summaryStart < bytes.count && bytes[summaryStart + 8] == WALFormat.summaryFrameType)
        try truncateFile(walPath, to: summaryStart + 20)
        do {
            let reader = try Self.readOnly(store)
            defer { try? reader.close() }
            #expect(reader.deferredWALGroups.total == 3)
            #expect(reader.recoveryReport.walDamage.isEmpty)
            let all = appends.flatMap { $0 }
            #expect(try reader.count(LogQuery()) == all.count)
            let q = LogQuery(correlationID: "a3-2")
            expectSameRecords(try reader.records(q), reference(all, q), "a3-2 of the append without its summary")
        }
        // Its records frame itself partial: the append is not there yet.
        try truncateFile(walPath, to: records[3] + 100)
        let reader = try Self.readOnly(store)
        defer { try? reader.close() }
        #expect(reader.recoveryReport.walDamage.isEmpty)
        #expect(try reader.count(LogQuery()) == appends.prefix(3).flatMap { $0 }.count)
    }
    @Test func aSummaryThatDoesNotHoldWhatItsFramesHoldIsReportedByVerify() throws {
        let temp = TempDir()
        let live = temp.path + "/live"
        var options = StoreOptions(durability: .none)
        options.headFlushBytes = 256 << 20
        let writer = try LogStore.open(at: live, options: options)
        for batch in Self.records(base: nowNanos() - 100_000_000_000).prefix(3) { _ = try appendInBatches(writer, batch, batches: 1) }
        try writer.sync()
        let store = try copyStore(live, into: temp, name: "copy")
        try writer.close()
        #expect(try LogStore.verify(at: store).isClean)
        let walPath = store + "/wal/" + walNames(store)[0]
        var bytes = try fileBytes(walPath)
        // The second append's summary: its filter words zeroed, its checksum made to match again.
        var o = WALFormat.headerSize
        var summaries: [Int] = []
        while o + WALFormat.frameHeaderSize <= bytes.count {
            let length = Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24
            if bytes[o + 8] == WALFormat.summaryFrameType { summaries.append(o) }
            o += WALFormat.frameHeaderSize + length
        }
        try #require(summaries.count == 3)
        let s = summaries[1]
        let length = Int(bytes[s]) | Int(bytes[s + 1]) << 8 | Int(bytes[s + 2]) << 16 | Int(bytes[s + 3]) << 24
        let wordsAt = s + WALFormat.frameHeaderSize + 30
        try #require(wordsAt < s + WALFormat.frameHeaderSize + length)
        for i in wordsAt..<(s + WALFormat.frameHeaderSize + length) { bytes[i] = 0 }
        let crc = CRC32C.checksum(Array(bytes[(s + 8)..<(s + WALFormat.frameHeaderSize + length)]),
                                  continuing: CRC32C.checksum(Array(bytes[s..<(s + 4)])))
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[s + 4 + i] = $0[i] } }
        try writeFileBytes(walPath, bytes)
        let report = try LogStore.verify(at: store)
        #expect(report.problems.contains { $0.offset == s && $0.reason.contains("summary") }, "\(report.problems)")
    }
}
