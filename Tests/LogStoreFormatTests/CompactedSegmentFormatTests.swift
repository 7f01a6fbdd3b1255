import Testing
@testable import LogStoreFormat

/// Segment format version 3, the compacted segment (docs/FORMAT.md 5.3 and 10).
@Suite struct CompactedSegmentFormatTests {
    func decodeFooter(_ bytes: [UInt8], version: UInt16) throws(FormatError) -> SegmentFooter {
        try bytes.withBytes { (b) throws(FormatError) in try SegmentFooter.decode(b, version: version) }
    }

    static var header: SegmentHeader {
        var h = GoldenFormatTests.header
        h.version = 3  // the version 3 bytes stay pinned; version 5 is CorrelationPagesTests'
        h.windowSpan = 16 * 3_600_000_000_000
        h.windowStart = 1_699_992_000_000_000_000
        return h
    }

    /// The replaced ids as FORMAT.md 5.3 spells them: count, first id as u64, then varint differences.
    @Test func replacesListBytesFollowTheSpec() {
        var w = ByteWriter()
        SegmentFooter.encodeReplaces([5, 6, 300], into: &w)
        #expect(w.bytes == [3, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0xA6, 0x02])
    }

    @Test func version3FooterRoundTripsAndEndsWithTheReplacedIds() throws {
        var encoder = SegmentEncoder(header: Self.header, rawBlockTarget: 1)
        encoder.replaces = [2, 3, 9, 40]
        var file = encoder.headerBytes()
        encoder.blocks(GoldenFormatTests.records[...]) { file.append(contentsOf: $0) }
        let (tail, footer) = encoder.finish()
        file.append(contentsOf: tail)
        #expect(footer.replaces == [2, 3, 9, 40])
        let body = footer.encode(version: 3)
        #expect(try decodeFooter(body, version: 3) == footer)
        // The same footer in version 2 is the version 3 body without its last part.
        var v2 = footer
        v2.replaces = []
        let short = v2.encode(version: 2)
        #expect(Array(body.prefix(short.count)) == short)
        #expect(throws: FormatError.self) { try decodeFooter(body, version: 2) }
        // Pinned: changing these means the on-disk format changed (bump the version in docs/FORMAT.md).
        #expect(body.count == short.count + 12)
        #expect(file.count == 941)
        #expect(CRC32C.checksum(file) == 2_860_664_640, "compacted segment file changed: \(file.hex)")
    }

    @Test func replacesMustBeNonEmptyAndAscending() throws {
        var footer = SegmentFooter(minTimestamp: 0, maxTimestamp: 0, minSequence: 1, maxSequence: 1, recordCount: 0,
                                   sources: [], blocks: [], correlationHashes: [], correlationBlocks: [])
        footer.replaces = [7]
        #expect(try decodeFooter(footer.encode(version: 3), version: 3).replaces == [7])
        var empty = footer.encode(version: 2)
        empty.append(0)
        #expect(throws: FormatError.self) { try decodeFooter(empty, version: 3) }
        var repeated = footer.encode(version: 2)
        repeated += [2, 7, 0, 0, 0, 0, 0, 0, 0, 0]  // two ids, the second equal to the first
        let error = #expect(throws: FormatError.self) { try decodeFooter(repeated, version: 3) }
        #expect(error?.reason.contains("ascending") == true)
        var overflowing = footer.encode(version: 2)
        overflowing += [2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1]
        #expect(throws: FormatError.self) { try decodeFooter(overflowing, version: 3) }
        var missing = footer.encode(version: 2)
        missing += [3, 1, 0, 0, 0, 0, 0, 0, 0, 1]  // claims three ids, holds two
        #expect(throws: FormatError.self) { try decodeFooter(missing, version: 3) }
    }

    @Test func highCompressionWritesTheSameBlockFormat() throws {
        let raw = (0..<20_000).map { UInt8(truncatingIfNeeded: ($0 * 7) % 61) }
        let fast = try #require(raw.withUnsafeBytes { LZ4.compress($0) })
        let high = try #require(raw.withUnsafeBytes { LZ4.compress($0, acceleration: LZ4.highCompression(level: 9)) })
        #expect(high.count <= fast.count)
        #expect(try high.withUnsafeBytes { b throws(FormatError) in try LZ4.decompress(b, rawLength: raw.count) } == raw)
    }
}
