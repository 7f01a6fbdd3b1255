import Foundation
import Testing
@testable import LogStore

/// `verify --salvage` on a segment whose footer is unreadable: the blocks are found by their
/// self-describing headers (docs/FORMAT.md 5.2), so every record of an intact block is saved and
/// the loss is counted exactly where a block header survives.
@Suite struct SegmentSalvageTests {
    static func flip(_ path: String, at offset: Int) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(offset))
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: [byte ^ 0x5A])
        try handle.close()
    }

    @Test func salvageScansTheBlocksOfASegmentWhoseFooterIsUnreadable() throws {
        let dir = TempDir()
        var options = StoreOptions(durability: .none)
        options.blockSize = 4096
        let store = try LogStore.open(at: dir.path, options: options)
        let appended = try appendInBatches(store, makeRecords(3_000, seed: 81, spread: 600_000_000_000), batches: 10)
        try store.close()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/segments").filter { $0.hasSuffix(".seg") }.sorted()
        // The records span 10 minutes, which may cross a segment window (an hour): take the segment
        // with the most blocks, not the first one.
        let opened = try names.map { ($0, try SegmentFile.open(dir.path + "/segments/" + $0)) }
        let (name, segment) = try #require(opened.max { $0.1.footer.blocks.count < $1.1.footer.blocks.count })
        let segmentPath = dir.path + "/segments/" + name
        let blocks = segment.footer.blocks
        try #require(blocks.count >= 6, "enough blocks to damage some and keep others")
        let perBlock = try blocks.indices.map { try segment.records(inBlock: $0) }

        // Damage: the footer body (the footer checksum no longer matches), one byte inside block 2's
        // sections (its header survives: its record count is known), and block 4's header (unknown).
        let trailer = try #require(FileHandle(forReadingAtPath: segmentPath))
        try trailer.seek(toOffset: UInt64(segment.fileSize) - 32)
        let trailerBytes = try #require(try trailer.read(upToCount: 8))
        try trailer.close()
        let footerOffset = Int(trailerBytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        try Self.flip(segmentPath, at: footerOffset + 5)
        try Self.flip(segmentPath, at: Int(blocks[2].offset) + 64 + Int(blocks[2].sections[0].storedLength) / 2)
        try Self.flip(segmentPath, at: Int(blocks[4].offset) + 6)
        #expect(throws: LogStoreError.self) { try SegmentFile.open(segmentPath) }

        var saved: [LogRecord] = []
        let report = try LogStore.salvage(at: dir.path) { saved.append($0) }

        let lostBlock = perBlock[2], unknownBlock = perBlock[4]
        var expected = appended
        let gone = Set((lostBlock + unknownBlock).map(\.sequence))
        expected.removeAll { gone.contains($0.sequence) }
        #expect(report.saved == expected.count, "every record of every intact block, counted exactly")
        #expect(report.lost == lostBlock.count, "block 2's header counts its records")
        #expect(report.unknownLoss.count == 1 && report.unknownLoss.first?.offset == Int(blocks[4].offset),
                "only block 4, whose header is damaged, is loss of unknown size: \(report.unknownLoss)")
        #expect(report.unknownLoss.first?.length == blocks[4].diskLength)
        let key = { (r: LogRecord) in QueryCursor(r) }
        expectSameRecords(saved.sorted { key($0) < key($1) }, expected.sorted { key($0) < key($1) }, "saved records")
    }
}
