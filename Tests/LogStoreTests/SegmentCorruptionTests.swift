import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Damaged segment files: found by `verify` with file and offset, turned into `.corruption` errors by
/// queries (never a crash), and skipped with a report by open. Newer versions are refused by name.
@Suite struct SegmentCorruptionTests {
    /// A closed store whose records are all in segments, and its largest segment.
    struct Fixture {
        let temp = TempDir()
        let store: String
        let records: [LogRecord]
        let name: String
        let path: String
        let segment: Segment

        init() throws {
            store = temp.path + "/store"
            var opts = StoreOptions(durability: .none)
            opts.blockSize = 2048
            opts.segmentSpan = .seconds(600)
            let writer = try LogStore.open(at: store, options: opts)
            records = try appendInBatches(writer, makeRecords(1_500, seed: 4, lateFraction: 0), batches: 2)
            try writer.close()
            var best: (String, Segment)?
            for n in segmentNames(store) {
                let s = try openSegment(store, n)
                if s.summary.blockCount > (best?.1.summary.blockCount ?? 0) { best = (n, s) }
            }
            let chosen = try #require(best)
            try #require(chosen.1.footer().blocks.count >= 4)
            name = chosen.0
            path = store + "/segments/" + name
            segment = chosen.1
        }

        var file: String { "segments/" + name }

        /// Records the chosen segment holds.
        var segmentRecords: [LogRecord] {
            records.filter { $0.sequence >= segment.summary.minSequence && $0.sequence <= segment.summary.maxSequence
                && $0.timestamp >= segment.header.windowStart && $0.timestamp < segment.header.windowStart + segment.header.windowSpan }
        }
    }

    @Test func flippedByteInsideABlockIsReportedByVerifyWithFileAndBlockOffset() throws {
        let fx = try Fixture()
        let entry = try fx.segment.footer().blocks[2]
        try flipByte(fx.path, at: Int(entry.offset) + BlockFormat.headerSize + Int(entry.storedLength) / 2)
        let report = try LogStore.verify(at: fx.store)
        #expect(!report.isClean)
        let range = Int(entry.offset)..<(Int(entry.offset) + entry.diskLength)
        #expect(report.problems.contains { $0.file == fx.file && range.contains($0.offset) },
                "expected a problem in \(fx.file) within \(range): \(report.problems)")
        #expect(report.problems.allSatisfy { $0.file == fx.file }, "only the damaged file is reported")
    }

    @Test func queryTouchingADamagedBlockThrowsCorruptionAndOthersStillWork() throws {
        let fx = try Fixture()
        let entry = try fx.segment.footer().blocks[2]
        try flipByte(fx.path, at: Int(entry.offset) + BlockFormat.headerSize + 1)
        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .none))
        defer { try? store.close() }
        #expect(store.recoveryReport.isClean, "a block is not read at open")

        let error = #expect(throws: LogStoreError.self) { try store.records(LogQuery()) }
        #expect(error?.kind == .corruption)
        #expect(error?.path?.hasSuffix(fx.name) == true)
        if let offset = error?.offset {
            #expect((Int(entry.offset)..<(Int(entry.offset) + entry.diskLength)).contains(offset))
        } else {
            Issue.record("the corruption error carries no offset")
        }
        // Descending and filtered reads that reach the block fail the same way.
        #expect(throws: LogStoreError.self) { try store.records(LogQuery(order: .descending)) }
        #expect(throws: LogStoreError.self) { try store.count(LogQuery(messageContains: "request")) }

        // A query whose time range ends before the damaged block never reads it.
        let q = LogQuery(until: entry.minTimestamp)
        expectSameRecords(try store.records(q), reference(fx.records, q), "records before the damaged block")
    }

    @Test func flippedByteInFooterMakesTheSegmentUnreadableAtOpenAndInVerify() throws {
        let fx = try Fixture()
        let size = Int(fx.segment.fileSize)
        let trailerBytes = try fileBytes(fx.path).suffix(SegmentFormat.trailerSize)
        let footerOffset = trailerBytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian) }
        #expect(footerOffset > SegmentFormat.headerSize && footerOffset < size - SegmentFormat.trailerSize)
        try flipByte(fx.path, at: footerOffset + 3)
        try expectUnreadable(fx, expectedOffset: footerOffset)
    }

    @Test(arguments: [1, 17, 32, 500])
    func truncatedSegmentIsUnreadableAtOpenAndInVerify(bytesCut: Int) throws {
        let fx = try Fixture()
        try truncateFile(fx.path, to: Int(fx.segment.fileSize) - bytesCut)
        try expectUnreadable(fx, expectedOffset: nil)
    }

    @Test func segmentTruncatedToLessThanHeaderAndTrailerIsUnreadable() throws {
        let fx = try Fixture()
        try truncateFile(fx.path, to: 40)
        try expectUnreadable(fx, expectedOffset: nil)
    }

    /// Open reports the segment, keeps the file, and serves every other record; verify reports it too.
    private func expectUnreadable(_ fx: Fixture, expectedOffset: Int?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let lost = fx.segmentRecords
        try #require(!lost.isEmpty, sourceLocation: sourceLocation)
        #expect(lost.count == fx.segment.recordCount, sourceLocation: sourceLocation)
        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .none))
        let report = store.recoveryReport
        #expect(!report.isClean, sourceLocation: sourceLocation)
        #expect(report.unreadableSegments.map(\.file) == [fx.file], sourceLocation: sourceLocation)
        if let expectedOffset {
            #expect(report.unreadableSegments.first?.offset == expectedOffset, sourceLocation: sourceLocation)
        }
        let lostSequences = Set(lost.map(\.sequence))
        let rest = fx.records.filter { !lostSequences.contains($0.sequence) }
        expectSameRecords(try store.records(LogQuery()), reference(rest, LogQuery()), "records of the other segments",
                          sourceLocation: sourceLocation)
        // Appends still work, and their sequences stay above everything stored (including the lost segment).
        let next = try store.append(LogRecord(timestamp: nowNanos(), level: .info, source: "x", message: "after"))
        #expect(next.firstSequence > fx.records.map(\.sequence).max()!, sourceLocation: sourceLocation)
        try store.close()
        #expect(fileExists(fx.path), "an unreadable segment is left in place", sourceLocation: sourceLocation)
        let verify = try LogStore.verify(at: fx.store)
        #expect(verify.problems.contains { $0.file == fx.file }, "\(verify.problems)", sourceLocation: sourceLocation)
    }

    @Test func segmentOfUnknownVersionIsRefusedNamingBothVersions() throws {
        let fx = try Fixture()
        var bytes = try fileBytes(fx.path)
        bytes[8] = 6
        bytes[9] = 0
        let crc = CRC32C.checksum(bytes, range: 0..<60)
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[60 + i] = $0[i] } }
        try writeFileBytes(fx.path, bytes)

        let error = #expect(throws: LogStoreError.self) { try openSegment(fx.store, fx.name) }
        #expect(error?.kind == .unsupportedVersion)
        #expect(error?.message.contains("version 6") == true)
        #expect(error?.message.contains("versions 1–5") == true)
        #expect(error?.path?.hasSuffix(fx.name) == true)

        // A store holding a segment of a newer format is refused whole, by writers and readers alike,
        // and nothing in it is changed.
        let before = try fileBytes(fx.path)
        let writerError = #expect(throws: LogStoreError.self) { try LogStore.open(at: fx.store, options: StoreOptions(durability: .none)) }
        #expect(writerError?.kind == .unsupportedVersion)
        var ro = StoreOptions()
        ro.readOnly = true
        let readerError = #expect(throws: LogStoreError.self) { try LogStore.open(at: fx.store, options: ro) }
        #expect(readerError?.kind == .unsupportedVersion)
        #expect(try fileBytes(fx.path) == before)
        #expect(try fileBytes(fx.path) == bytes, "a newer segment is left untouched")
        let verify = try LogStore.verify(at: fx.store)
        #expect(verify.problems.contains { $0.file == fx.file && $0.reason.contains("version 6") }, "\(verify.problems)")
    }

    @Test func segmentTrailerOfUnknownVersionIsRefused() throws {
        let fx = try Fixture()
        var bytes = try fileBytes(fx.path)
        let at = bytes.count - SegmentFormat.trailerSize + 16
        bytes[at] = 9
        try writeFileBytes(fx.path, bytes)
        let error = #expect(throws: LogStoreError.self) { try openSegment(fx.store, fx.name) }
        #expect(error?.kind == .unsupportedVersion)
        #expect(error?.message.contains("version 9") == true)
    }

    @Test func leftoverTemporarySegmentIsDeletedAtOpen() throws {
        let fx = try Fixture()
        let tmp = fx.store + "/segments/" + SegmentFormat.fileName(999) + ".tmp"
        try writeFileBytes(tmp, [1, 2, 3])
        #expect(try LogStore.verify(at: fx.store).isClean, "a .seg.tmp is never read")
        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .none))
        #expect(!fileExists(tmp))
        #expect(try store.count(LogQuery()) == fx.records.count)
        try store.close()
    }
}
