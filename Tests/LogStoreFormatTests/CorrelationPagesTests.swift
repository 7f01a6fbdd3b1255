import Testing
@testable import LogStoreFormat

/// The paged correlation index of segment versions 4 and 5 (docs/FORMAT.md 5.6).
@Suite struct CorrelationPagesTests {
    func decodeFooter(_ bytes: [UInt8], version: UInt16) throws(FormatError) -> SegmentFooter {
        try bytes.withBytes { (b) throws(FormatError) in try SegmentFooter.decode(b, version: version) }
    }

    func page(_ bytes: [UInt8], _ index: Int, _ fence: CorrelationPages.Fence, blocks: Int = 8) throws(FormatError) -> [(UInt64, UInt32)] {
        let p = fence.pages[index]
        let slice = Array(bytes[Int(p.offset - fence.indexOffset)..<(Int(p.offset - fence.indexOffset) + p.length)])
        let (h, b) = try slice.withBytes { (x) throws(FormatError) in
            try CorrelationPages.decodePage(x, index: index, fence: fence, blockCount: blocks)
        }
        return Array(zip(h, b))
    }

    /// 1,300 pairs: hash 500 held by 600 blocks' worth of pairs spans three pages.
    static let pairs: [(UInt64, UInt32)] = {
        var out: [(UInt64, UInt32)] = []
        for h in UInt64(1)...300 { out.append((h * 3, UInt32(h % 8))) }
        for b in 0..<600 { out.append((1_000, UInt32(b))) }
        for h in UInt64(1)...400 { out.append((2_000 + h, UInt32(h % 8))) }
        return out
    }()

    @Test func pagesHoldAtMost512PairsBackToBackWithTheirChecksums() throws {
        let (bytes, fence) = CorrelationPages.encode(Self.pairs, at: 4_096)
        #expect(fence.pairCount == 1_300 && bytes.count == 1_300 * 12)
        #expect(fence.pages.map(\.count) == [512, 512, 276])
        let offsets: [UInt64] = [4_096, 10_240, 16_384]  // 4,096 + 12 × (0, 512, 1,024)
        #expect(fence.pages.map(\.offset) == offsets)
        #expect(fence.pages.map(\.firstHash) == [3, 1_000, 2_125])
        #expect(fence.end == UInt64(4_096 + 15_600))
        // Page 0: hashes as u64, then blocks as u32, then the CRC of those bytes in the fence.
        let first = Array(bytes[0..<(512 * 12)])
        #expect(Array(first[0..<8]) == le(UInt64(3)))
        #expect(Array(first[(512 * 8)..<(512 * 8 + 4)]) == le(UInt32(1)))
        #expect(fence.pages[0].checksum == referenceCRC32C(first[...]))
        var all: [(UInt64, UInt32)] = []
        for i in fence.pages.indices { all += try page(bytes, i, fence, blocks: 600) }
        #expect(all.map(\.0) == Self.pairs.map(\.0) && all.map(\.1) == Self.pairs.map(\.1))
    }

    @Test func aLookupReadsOnlyThePagesThatMayHoldItsHash() {
        let (_, fence) = CorrelationPages.encode(Self.pairs, at: 64)
        // Hash 1,000 starts in page 0 (after 300 hashes) and ends in page 1; page 2 starts at 2,125.
        #expect(fence.pages.map(\.firstHash) == [3, 1_000, 2_125])
        #expect(fence.candidates(for: 1_000) == 0..<2)
        #expect(fence.candidates(for: 2_124) == 1..<2)
        #expect(fence.candidates(for: 2_125) == 1..<3)
        #expect(fence.candidates(for: 3) == 0..<1)
        #expect(fence.candidates(for: 2) == 0..<0, "below the first hash")
        #expect(fence.candidates(for: 2_400) == 2..<3)
        #expect(fence.candidates(for: .max) == 2..<3)
        // Every pair is found through the pages its hash's candidates name.
        for (h, _) in Self.pairs {
            let range = fence.candidates(for: h)
            let offsets = fence.pages[range].map(\.offset)
            let index = Self.pairs.firstIndex { $0.0 == h } ?? 0
            let holding = fence.pages.firstIndex { $0.offset + UInt64($0.length) > 64 + UInt64(index * 12) } ?? -1
            #expect(offsets.contains(fence.pages[holding].offset), "hash \(h)")
        }
        let empty = CorrelationPages.encode([], at: 64).fence
        #expect(empty.pages.isEmpty && empty.candidates(for: 7) == 0..<0 && empty.end == 64)
    }

    @Test func fenceBytesFollowTheSpecAndRoundTripInVersions4And5() throws {
        let entry = BlockEntry(offset: 64, headerChecksum: 9, sections: [.init(rawLength: 20, storedLength: 20),
                                                                         .init(rawLength: 1, storedLength: 1),
                                                                         .init(rawLength: 1, storedLength: 1)],
                               recordCount: 2, minTimestamp: 1, maxTimestamp: 2, minSequence: 1, maxSequence: 2,
                               levelCounts: [0, 0, 2, 0, 0, 0, 0], sourceCounts: [.init(source: 0, count: 2)])
        var f = SegmentFooter(minTimestamp: 1, maxTimestamp: 2, minSequence: 1, maxSequence: 2, recordCount: 2,
                              sources: ["s"], blocks: [entry], correlationHashes: [], correlationBlocks: [])
        let (pages, fence) = CorrelationPages.encode([(7, 0), (9, 0)], at: f.blocksEnd)
        #expect(f.blocksEnd == 64 + UInt64(entry.diskLength))
        f.correlationFence = fence
        let v4 = f.encode(version: 4)
        var inline = f
        inline.correlationHashes = [7, 9]
        inline.correlationBlocks = [0, 0]
        inline.correlationFence = nil
        let v2 = inline.encode(version: 2)
        // Everything up to the index is the version 2 footer; then P, N, index_offset, (first, n, crc) ×N.
        let head = v2.count - (1 + 2 * 12)
        #expect(Array(v4.prefix(head)) == Array(v2.prefix(head)))
        var fenceBytes: [UInt8] = [2, 1] + le(f.blocksEnd)
        fenceBytes += le(UInt64(7)) + [2] + le(referenceCRC32C(pages[...]))
        #expect(Array(v4[head...]) == fenceBytes)
        #expect(try decodeFooter(v4, version: 4) == f)
        // Version 5 adds `replaces`, as version 3 does to version 2.
        f.replaces = [3, 4]
        let v5 = f.encode(version: 5)
        #expect(Array(v5.prefix(v4.count)) == v4)
        #expect(try decodeFooter(v5, version: 5) == f)
        #expect(throws: FormatError.self) { try decodeFooter(v4, version: 5) }
    }

    @Test func damagedFencesAndPagesAreRejected() throws {
        let (bytes, fence) = CorrelationPages.encode(Self.pairs, at: 64)
        // A page whose bytes changed fails its checksum, naming the page.
        var damaged = bytes
        damaged[12 * 600] ^= 0x10
        let error = #expect(throws: FormatError.self) { try page(damaged, 1, fence, blocks: 600) }
        #expect(error?.reason.contains("correlation page 1 checksum") == true)
        // Pages that pass their checksum but break the order, the fence or the block range.
        var lying = fence
        lying.pages[1].firstHash = 999
        #expect(throws: FormatError.self) { try page(bytes, 1, lying, blocks: 600) }
        #expect(throws: FormatError.self, "block 599 of 10") { try page(bytes, 1, fence, blocks: 10) }
        var below = fence
        below.pages[1].firstHash = 2
        #expect(throws: FormatError.self, "page 0 ends above the next page's first hash") { try page(bytes, 0, below, blocks: 600) }

        // Fences that cannot describe their pages.
        let base = SegmentFooter(minTimestamp: 0, maxTimestamp: 0, minSequence: 0, maxSequence: 0, recordCount: 0,
                                 sources: [], blocks: [], correlationHashes: [], correlationBlocks: [])
        let prefix = base.encode(version: 2).dropLast()  // without the empty inline index (P = 0)
        func fenceFooter(_ tail: [UInt8]) -> [UInt8] { Array(prefix) + tail }
        #expect(try decodeFooter(fenceFooter([0, 0] + le(UInt64(64))), version: 4).correlationFence?.pages.isEmpty == true)
        #expect(throws: FormatError.self, "index offset not at the end of the blocks") {
            try decodeFooter(fenceFooter([0, 0] + le(UInt64(65))), version: 4)
        }
        #expect(throws: FormatError.self, "pairs without pages") { try decodeFooter(fenceFooter([1, 0] + le(UInt64(64))), version: 4) }
        #expect(throws: FormatError.self, "counts that do not add up") {
            try decodeFooter(fenceFooter([3, 1] + le(UInt64(64)) + le(UInt64(5)) + [2] + le(UInt32(0))), version: 4)
        }
        #expect(throws: FormatError.self, "an empty page") {
            try decodeFooter(fenceFooter([1, 1] + le(UInt64(64)) + le(UInt64(5)) + [0] + le(UInt32(0))), version: 4)
        }
        #expect(throws: FormatError.self, "first hashes descending") {
            try decodeFooter(fenceFooter([2, 2] + le(UInt64(64)) + le(UInt64(5)) + [1] + le(UInt32(0)) + le(UInt64(4)) + [1] + le(UInt32(0))), version: 4)
        }
        #expect(throws: FormatError.self, "a page over 512 pairs") {
            try decodeFooter(fenceFooter([0x81, 0x04, 1] + le(UInt64(64)) + le(UInt64(5)) + [0x81, 0x04] + le(UInt32(0))), version: 4)
        }
    }
}
