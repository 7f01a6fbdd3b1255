import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// A read-only open beside a live writer replays the unflushed WAL into a head whose full chunks have
/// no sorted correlation index (`HeadChunk.freeze(indexing: false)`): lookups compare every hash of the
/// chunk instead. These tests hold that path to the same answers as the writer's indexed head.
@Suite struct ReadOnlyWALReplayTests {
    /// Records spread over several head chunks (`HeadChunk.capacity` rows each), IDs repeating across
    /// chunks, a quarter without an ID.
    static func records(_ n: Int, base: Int64) -> [LogRecord] {
        (0..<n).map { (i: Int) -> LogRecord in
            let timestamp: Int64 = base + Int64(i % 1_000) * 1_000 + Int64(i)
            let level: LogLevel = i % 7 == 0 ? .error : .info
            let id: String? = i % 4 == 3 ? nil : "req-\(i % 1_499)"
            return LogRecord(timestamp: timestamp, level: level, source: "replay", correlationID: id,
                             message: "record \(i)", attributes: [Attribute("i", .int(Int64(i)))])
        }
    }

    @Test func readOnlyOpenOfAnUnflushedWALSpanningManyChunksFindsEveryIDAndCountsExactly() throws {
        let dir = TempDir()
        var options = StoreOptions(durability: .none)
        options.headFlushBytes = 256 << 20
        let writer = try LogStore.open(at: dir.path, options: options)
        defer { try? writer.close() }
        let n = HeadChunk.capacity * 3 + 1_234
        let stored = try appendInBatches(writer, Self.records(n, base: nowNanos() - 10_000_000_000), batches: 37)
        try writer.sync()
        #expect(segmentNames(dir.path).isEmpty, "every record is still only in the WAL")

        var ro = StoreOptions()
        ro.readOnly = true
        let reader = try LogStore.open(at: dir.path, options: ro)
        defer { try? reader.close() }
        #expect(try reader.count(LogQuery()) == n)
        #expect(reader.recoveryReport.replayedRecords == n)
        // IDs whose rows lie in the first chunk only, across every chunk, and in the open (last) chunk.
        for id in ["req-0", "req-5", "req-1498", "req-\((n - 2) % 1_499)"] {
            let q = LogQuery(correlationID: id)
            let expected = reference(stored, q)
            #expect(!expected.isEmpty)
            expectSameRecords(try reader.records(q), expected, "correlation \(id)")
            var newestFirst = q
            newestFirst.order = .descending
            newestFirst.limit = 3
            expectSameRecords(try reader.records(newestFirst), reference(stored, newestFirst), "correlation \(id), newest 3")
            var errors = q
            errors.levels = [.error]
            expectSameRecords(try reader.records(errors), reference(stored, errors), "correlation \(id), errors")
        }
        #expect(try reader.records(LogQuery(correlationID: "req-absent")).isEmpty)
        // The writer's own indexed head gives the same answers.
        for id in ["req-0", "req-777"] {
            let q = LogQuery(correlationID: id)
            expectSameRecords(try writer.records(q), try reader.records(q), "writer and reader, \(id)")
        }
    }

    @Test func aFrozenChunkWithoutIndexFindsTheSamePositionsAsAnIndexedOne() throws {
        let hashes: [UInt64] = (0..<HeadChunk.capacity).map { i in i % 5 == 0 ? 0 : UInt64(i % 97) &* 0x9E37_79B9_7F4A_7C15 }
        var indexed = HeadChunk(), plain = HeadChunk()
        let byte: [UInt8] = [0]
        try byte.withUnsafeBytes { buf in
            let row = try #require(buf.baseAddress)
            for (i, h) in hashes.enumerated() {
                let ref = RowRef(timestamp: Int64(i), sequence: UInt64(i + 1), row: row, length: 1, level: 2)
                indexed.append(ref, correlationHash: h)
                plain.append(ref, correlationHash: h)
            }
        }
        indexed.freeze()
        plain.freeze(indexing: false)
        #expect(indexed.isIndexed && !plain.isIndexed)
        for k in [1, 2, 50, 96, 200] {
            let h = UInt64(k % 97) &* 0x9E37_79B9_7F4A_7C15
            let found = plain.positions(forCorrelationHash: h, frozen: true)
            #expect(found == indexed.positions(forCorrelationHash: h, frozen: true))
            #expect(found == hashes.indices.filter { hashes[$0] == h })
        }
    }

    @Test func damageInTheUnflushedWALIsReportedByAReadOnlyOpenAndTheRestIsFound() throws {
        let temp = TempDir()
        let live = temp.path + "/live"
        var options = StoreOptions(durability: .none)
        options.headFlushBytes = 256 << 20
        let writer = try LogStore.open(at: live, options: options)
        let base = nowNanos() - 10_000_000_000
        var frames: [[LogRecord]] = []
        for f in 0..<6 {
            let batch = (0..<HeadChunk.capacity / 2).map { i in
                LogRecord(timestamp: base + Int64(f * 10_000 + i), level: .info, source: "replay",
                          correlationID: "frame-\(f)", message: "frame \(f) record \(i)")
            }
            frames.append(try appendInBatches(writer, batch, batches: 1))
        }
        try writer.sync()
        // What a crash would leave: the WAL as written, no flush.
        let store = try copyStore(live, into: temp, name: "crashed")
        try writer.close()
        let names = walNames(store)
        try #require(names.count == 1, "one WAL file, found \(names)")
        let walPath = store + "/wal/" + names[0]
        let offsets = walFrameOffsets(try fileBytes(walPath))
        try #require(offsets.count == frames.count, "one frame per append")
        try flipByte(walPath, at: offsets[2] + WALFormat.frameHeaderSize + 40)
        let before = try fileBytes(walPath)

        var ro = StoreOptions()
        ro.readOnly = true
        let reader = try LogStore.open(at: store, options: ro)
        defer { try? reader.close() }
        let damage = reader.recoveryReport.walDamage
        #expect(damage.count == 1)
        #expect(damage.first?.file == "wal/" + names[0])
        #expect(damage.first?.offset == offsets[2])
        let readable = frames.enumerated().filter { $0.offset != 2 }.flatMap(\.element)
        #expect(try reader.count(LogQuery()) == readable.count)
        #expect(try reader.records(LogQuery(correlationID: "frame-2")).isEmpty)
        for f in [0, 3, 5] {
            let q = LogQuery(correlationID: "frame-\(f)")
            expectSameRecords(try reader.records(q), reference(readable, q), "frame \(f) beside the damaged one")
        }
        #expect(try fileBytes(walPath) == before, "a read-only open changes nothing")
    }
}
