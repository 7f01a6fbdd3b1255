import Foundation
import Testing
@testable import LogStoreFormat

/// Segment files: header (5.1), blocks (5.2), footer body (5.3), trailer (5.4).
@Suite struct SegmentTests {
    /// Reads a whole segment file the way a reader does: header, trailer from the last 32 bytes and the
    /// file size, footer checked against the trailer's checksum.
    func readSegment(_ file: [UInt8]) throws(FormatError) -> (SegmentHeader, SegmentTrailer, SegmentFooter) {
        try file.withBytes { (b) throws(FormatError) in
            let header = try SegmentHeader.decode(UnsafeRawBufferPointer(rebasing: b[0..<min(b.count, 64)]))
            let trailer = try SegmentTrailer.decode(UnsafeRawBufferPointer(rebasing: b[max(0, b.count - 32)...]), fileSize: b.count)
            let start = Int(trailer.footerOffset)
            let body = UnsafeRawBufferPointer(rebasing: b[start..<(start + Int(trailer.footerLength))])
            guard CRC32C.checksum(body) == trailer.footerChecksum else { throw FormatError("footer checksum", at: start) }
            let footer = try SegmentFooter.decode(body, version: header.version)
            return (header, trailer, footer)
        }
    }

    /// Decodes a footer body; the rejection tests below build version 1 entries by hand.
    func decodeFooter(_ bytes: [UInt8], version: UInt16 = 1) throws(FormatError) -> SegmentFooter {
        try bytes.withBytes { (b) throws(FormatError) in try SegmentFooter.decode(b, version: version) }
    }

    func decodeTrailer(_ bytes: [UInt8], fileSize: Int) throws(FormatError) -> SegmentTrailer {
        try bytes.withBytes { (b) throws(FormatError) in try SegmentTrailer.decode(b, fileSize: fileSize) }
    }

    func decodeHeader(_ bytes: [UInt8]) throws(FormatError) -> SegmentHeader {
        try bytes.withBytes { (b) throws(FormatError) in try SegmentHeader.decode(b) }
    }

    @Test(arguments: [UInt16(1), 2, 4]) func segmentWithManyBlocksDecodesCompletely(version: UInt16) throws {
        var g = RecordGenerator(seed: 0x5E6)
        let recs = g.sortedRecords(600, firstSequence: 1_000)
        var segmentHeader = sampleSegmentHeader
        segmentHeader.version = version
        let (file, encodedFooter, blocks) = segmentFile(recs, header: segmentHeader, rawBlockTarget: 700)
        try #require(blocks.count >= 10, "small rawBlockTarget should force many blocks")

        let (header, trailer, footer) = try readSegment(file)
        #expect(header == segmentHeader)
        #expect(trailer.version == version)
        #expect(footer == encodedFooter)
        #expect(Int(trailer.blockCount) == footer.blocks.count)
        #expect(footer.blocks.count == blocks.count)
        #expect(footer.recordCount == UInt64(recs.count))
        #expect(footer.minTimestamp == recs.first!.timestamp && footer.maxTimestamp == recs.last!.timestamp)
        #expect(footer.minSequence == recs.map(\.sequence).min() && footer.maxSequence == recs.map(\.sequence).max())
        #expect(Set(footer.sources) == Set(recs.map(\.source)) && Set(footer.sources).count == footer.sources.count)

        // Blocks are back to back from the header to the footer body.
        var expectedOffset = UInt64(SegmentFormat.headerSize)
        var all: [LogRecord] = []
        var pairs = Set<[UInt64]>()
        for (i, entry) in footer.blocks.enumerated() {
            #expect(entry.offset == expectedOffset, "block \(i)")
            expectedOffset += UInt64(entry.diskLength)
            let full = Array(file[Int(entry.offset)..<(Int(entry.offset) + entry.diskLength)])
            #expect(full == blocks[i])
            if version == 1 {
                let bh = try full.withBytes { (b) throws(FormatError) in try BlockHeader.decode(b) }
                #expect(bh.codec == entry.codec && bh.rawLength == Int(entry.rawLength) && bh.storedLength == Int(entry.storedLength))
                #expect(bh.checksum == entry.checksum)
                #expect(!entry.isSectioned)
            } else {
                let bh = try full.withBytes { (b) throws(FormatError) in try SectionedBlockHeader.decode(b) }
                #expect(entry.isSectioned && bh.checksum == entry.checksum && bh.recordCount == Int(entry.recordCount))
                #expect(bh.sections.map(\.rawLength) == entry.sections.map { Int($0.rawLength) })
                #expect(bh.sections.map(\.storedLength) == entry.sections.map { Int($0.storedLength) })
                // The sections concatenated are the version 1 raw bytes of the same records.
                let (_, sections) = try full.withBytes { (b) throws(FormatError) in try BlockReader.openSections(b) }
                var v1 = BlockEncoder()
                #expect(sections.raw == v1.encode(recs[all.count..<(all.count + Int(entry.recordCount))]).raw)
            }
            let block = try full.withBytes { (b) throws(FormatError) in try BlockReader.decode(b, version: version) }
            let records = try (0..<block.count).map { j throws(FormatError) in try block.record(j) }
            #expect(records.count == Int(entry.recordCount))
            #expect(records.map(\.timestamp).min() == entry.minTimestamp && records.map(\.timestamp).max() == entry.maxTimestamp)
            #expect(records.map(\.sequence).min() == entry.minSequence && records.map(\.sequence).max() == entry.maxSequence)
            var levels = [UInt32](repeating: 0, count: 7)
            for r in records { levels[Int(r.level.rawValue)] += 1 }
            #expect(entry.levelCounts == levels, "block \(i)")
            var perSource: [String: UInt32] = [:]
            for r in records { perSource[r.source, default: 0] += 1 }
            var fromFooter: [String: UInt32] = [:]
            for sc in entry.sourceCounts { fromFooter[footer.sources[Int(sc.source)]] = sc.count }
            #expect(fromFooter == perSource, "block \(i)")
            #expect(entry.sourceCounts.map(\.source) == entry.sourceCounts.map(\.source).sorted())
            for r in records { if let id = r.correlationID { pairs.insert([CorrelationHash.hash(id), UInt64(i)]) } }
            if let prev = all.last, let first = records.first {
                #expect((prev.timestamp, prev.sequence) < (first.timestamp, first.sequence), "blocks in (timestamp, sequence) order")
            }
            all += records
        }
        // Versions 4 and 5: the correlation pages fill the gap between the last block and the footer (5.6).
        #expect(expectedOffset == (footer.correlationFence?.indexOffset ?? trailer.footerOffset))
        #expect((footer.correlationFence?.end ?? trailer.footerOffset) == trailer.footerOffset)
        #expect(all.count == recs.count)
        for (a, b) in zip(recs, all) { #expect(sameRecord(b, normalized(a))) }

        // Correlation index: strictly sorted by (hash, block), exactly the pairs the blocks hold.
        #expect(footer.correlationHashes.count == footer.correlationBlocks.count)
        var listed = zip(footer.correlationHashes, footer.correlationBlocks).map { [$0, UInt64($1)] }
        if let fence = footer.correlationFence {
            #expect(version >= 4 && listed.isEmpty)
            for (i, page) in fence.pages.enumerated() {
                let bytes = Array(file[Int(page.offset)..<(Int(page.offset) + page.length)])
                let (h, b) = try bytes.withBytes { (x) throws(FormatError) in
                    try CorrelationPages.decodePage(x, index: i, fence: fence, blockCount: footer.blocks.count)
                }
                listed += zip(h, b).map { [$0, UInt64($1)] }
            }
        } else {
            #expect(version < 4)
        }
        let index = listed
        for i in index.indices.dropFirst() {
            #expect((index[i - 1][0], index[i - 1][1]) < (index[i][0], index[i][1]), "index entry \(i)")
        }
        #expect(Set(index) == pairs)
        #expect(index.count == pairs.count)
    }

    @Test func segmentLayoutMatchesSpec() throws {
        var g = RecordGenerator(seed: 1)
        let (file, footer, _) = segmentFile(g.sortedRecords(20), header: sampleSegmentHeader, rawBlockTarget: 200)
        // Header, 5.1.
        #expect(Array(file[0..<8]) == Array("LOGSTSEG".utf8))
        #expect(Array(file[8..<12]) == [4, 0, 0, 0])
        #expect(Array(file[12..<20]) == le(UInt64(42)))
        #expect(Array(file[20..<28]) == le(UInt64(7)))
        #expect(Array(file[28..<32]) == le(UInt32(2)))
        #expect(Array(file[32..<36]) == le(UInt32(1)))
        #expect(Array(file[36..<44]) == le(sampleSegmentHeader.windowStart))
        #expect(Array(file[44..<52]) == le(sampleSegmentHeader.windowSpan))
        #expect(Array(file[52..<60]) == le(sampleSegmentHeader.createdAt))
        #expect(Array(file[60..<64]) == le(referenceCRC32C(file[0..<60])))
        // Trailer, 5.4.
        let t = Array(file[(file.count - 32)...])
        let body = encodedFooterRange(file)
        #expect(Array(t[0..<8]) == le(UInt64(body.lowerBound)))
        #expect(Array(t[8..<12]) == le(UInt32(body.count)))
        #expect(Array(t[12..<16]) == le(referenceCRC32C(file[body])))
        #expect(Array(t[16..<20]) == [4, 0, 0, 0])
        #expect(Array(t[20..<24]) == le(UInt32(footer.blocks.count)))
        #expect(Array(t[24..<32]) == Array("LOGSTEND".utf8))
        #expect(Array(file[body]) == footer.encode())
    }

    func encodedFooterRange(_ file: [UInt8]) -> Range<Int> {
        let t = Array(file[(file.count - 32)...])
        let off = Int(t[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let len = Int(t[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        return off..<(off + len)
    }

    @Test func footerLayoutMatchesSpecVersion2() throws {
        let sections = [BlockEntry.SectionExtent(rawLength: 200, storedLength: 150),
                        BlockEntry.SectionExtent(rawLength: 1, storedLength: 1),
                        BlockEntry.SectionExtent(rawLength: 300, storedLength: 128)]
        let entry = BlockEntry(offset: 64, headerChecksum: 0xAABB_CCDD, sections: sections, recordCount: 3,
                               minTimestamp: -5, maxTimestamp: 9, minSequence: 4, maxSequence: 6,
                               levelCounts: [0, 0, 2, 0, 1, 0, 0], sourceCounts: [.init(source: 0, count: 2), .init(source: 1, count: 1)])
        let f = SegmentFooter(minTimestamp: -5, maxTimestamp: 9, minSequence: 4, maxSequence: 6, recordCount: 3,
                              sources: ["a", "bc"], blocks: [entry], correlationHashes: [7, 8], correlationBlocks: [0, 0])
        var e: [UInt8] = le(Int64(-5)) + le(Int64(9)) + le(UInt64(4)) + le(UInt64(6)) + le(UInt64(3))
        e += [2, 1] + Array("a".utf8) + [2] + Array("bc".utf8)
        e += [1]                                                // B
        e += [64] + le(UInt32(0xAABB_CCDD)) + [3]               // offset, header checksum, records
        e += [0xC8, 0x01, 0x96, 0x01] + [1, 1] + [0xAC, 0x02, 0x80, 0x01]   // (raw, stored) ×3
        e += le(Int64(-5)) + le(Int64(9)) + le(UInt64(4)) + le(UInt64(6))
        e += [0, 0, 2, 0, 1, 0, 0]
        e += [2, 0, 2, 1, 1]
        e += [2] + le(UInt64(7)) + le(UInt64(8)) + le(UInt32(0)) + le(UInt32(0))
        #expect(f.encode(version: 2) == e)
        #expect(try decodeFooter(e, version: 2) == f)
        #expect(entry.diskLength == 64 + 150 + 1 + 128)
        #expect(entry.sectionOffset(.messages) == 64 + 150 && entry.sectionOffset(.attributes) == 64 + 151)
    }

    @Test func footerLayoutMatchesSpec() throws {
        let entry = BlockEntry(offset: 64, storedLength: 300, rawLength: 200, checksum: 0xAABB_CCDD, codec: 0, recordCount: 3,
                               minTimestamp: -5, maxTimestamp: 9, minSequence: 4, maxSequence: 6,
                               levelCounts: [0, 0, 2, 0, 1, 0, 0], sourceCounts: [.init(source: 0, count: 2), .init(source: 1, count: 1)])
        let f = SegmentFooter(minTimestamp: -5, maxTimestamp: 9, minSequence: 4, maxSequence: 6, recordCount: 3,
                              sources: ["a", "bc"], blocks: [entry], correlationHashes: [7, 8], correlationBlocks: [0, 0])
        var e: [UInt8] = le(Int64(-5)) + le(Int64(9)) + le(UInt64(4)) + le(UInt64(6)) + le(UInt64(3))
        e += [2, 1] + Array("a".utf8) + [2] + Array("bc".utf8)
        e += [1]                                                // B
        e += [64, 0xAC, 0x02, 0xC8, 0x01]                        // offset, stored 300, raw 200
        e += le(UInt32(0xAABB_CCDD)) + [0] + [3]
        e += le(Int64(-5)) + le(Int64(9)) + le(UInt64(4)) + le(UInt64(6))
        e += [0, 0, 2, 0, 1, 0, 0]
        e += [2, 0, 2, 1, 1]
        e += [2] + le(UInt64(7)) + le(UInt64(8)) + le(UInt32(0)) + le(UInt32(0))
        #expect(f.encode(version: 1) == e)
        #expect(try decodeFooter(e) == f)
    }

    // MARK: footer rejections

    static func entry(offset: UInt64, records: UInt32 = 2, minTs: Int64 = 0, maxTs: Int64 = 10,
                      levels: [UInt32]? = nil, sources: [BlockEntry.SourceCount]? = nil) -> BlockEntry {
        BlockEntry(offset: offset, storedLength: 100, rawLength: 100, checksum: 1, codec: 0, recordCount: records,
                   minTimestamp: minTs, maxTimestamp: maxTs, minSequence: 1, maxSequence: 2,
                   levelCounts: levels ?? [0, 0, records, 0, 0, 0, 0], sourceCounts: sources ?? [.init(source: 0, count: records)])
    }

    static func validFooter() -> SegmentFooter {
        SegmentFooter(minTimestamp: 0, maxTimestamp: 30, minSequence: 1, maxSequence: 6, recordCount: 6,
                      sources: ["s", "t"],
                      blocks: [entry(offset: 64), entry(offset: 184, minTs: 10, maxTs: 20), entry(offset: 304, minTs: 20, maxTs: 30)],
                      correlationHashes: [1, 1, 5, 9], correlationBlocks: [0, 2, 1, 1])
    }

    @Test func validFooterRoundTrips() throws {
        let f = Self.validFooter()
        #expect(try decodeFooter(f.encode(version: 1)) == f)
        let empty = SegmentFooter(minTimestamp: 0, maxTimestamp: 0, minSequence: 0, maxSequence: 0, recordCount: 0,
                                  sources: [], blocks: [], correlationHashes: [], correlationBlocks: [])
        #expect(try decodeFooter(empty.encode(version: 1)) == empty)
        #expect(try decodeFooter(empty.encode(version: 2), version: 2) == empty)
    }

    @Test func footerRejectsUnsortedCorrelationIndex() {
        for (hashes, blocks) in [([1, 5, 1, 9], [0, 1, 2, 1]), ([1, 1, 5, 9], [2, 0, 1, 1]), ([1, 1, 5, 9], [0, 0, 1, 1]),
                                 ([9, 5, 1, 1], [1, 1, 0, 2])] as [([UInt64], [UInt32])] {
            var f = Self.validFooter()
            f.correlationHashes = hashes
            f.correlationBlocks = blocks
            #expect(throws: FormatError.self, "\(hashes) \(blocks)") { try decodeFooter(f.encode(version: 1)) }
        }
    }

    @Test func footerRejectsCorrelationBlockOutOfRange() {
        var f = Self.validFooter()
        f.correlationBlocks = [0, 2, 1, 3]
        f.correlationHashes = [1, 1, 5, 9]
        do { _ = try decodeFooter(f.encode(version: 1)); Issue.record("accepted") } catch { #expect(error.reason.contains("block 3 of 3")) }
        f.correlationBlocks = [0, 2, 1, .max]
        #expect(throws: FormatError.self) { try decodeFooter(f.encode(version: 1)) }
    }

    @Test func footerRejectsCountsThatDoNotAddUp() {
        var levels = Self.validFooter()
        levels.blocks[1].levelCounts = [0, 0, 1, 0, 0, 0, 0]
        #expect(throws: FormatError.self, "level counts below the record count") { try decodeFooter(levels.encode(version: 1)) }
        var levelsOver = Self.validFooter()
        levelsOver.blocks[1].levelCounts = [1, 0, 2, 0, 0, 0, 0]
        #expect(throws: FormatError.self, "level counts above the record count") { try decodeFooter(levelsOver.encode(version: 1)) }
        var sources = Self.validFooter()
        sources.blocks[0].sourceCounts = [.init(source: 0, count: 1)]
        #expect(throws: FormatError.self, "source counts") { try decodeFooter(sources.encode(version: 1)) }
        var badSource = Self.validFooter()
        badSource.blocks[0].sourceCounts = [.init(source: 2, count: 2)]
        #expect(throws: FormatError.self, "source index outside the dictionary") { try decodeFooter(badSource.encode(version: 1)) }
        var total = Self.validFooter()
        total.recordCount = 7
        do { _ = try decodeFooter(total.encode(version: 1)); Issue.record("accepted") } catch {
            #expect(error.reason.contains("footer says 7"))
            #expect(error.offset == 32)
        }
        var emptyBlock = Self.validFooter()
        emptyBlock.blocks[2] = Self.entry(offset: 304, records: 0, minTs: 20, maxTs: 30, levels: [0, 0, 0, 0, 0, 0, 0], sources: [])
        emptyBlock.recordCount = 4
        #expect(throws: FormatError.self, "a block holds at least one record") { try decodeFooter(emptyBlock.encode(version: 1)) }
        var ranges = Self.validFooter()
        ranges.blocks[0].minTimestamp = 11
        #expect(throws: FormatError.self, "min above max") { try decodeFooter(ranges.encode(version: 1)) }
    }

    @Test func footerRejectsBlocksOutOfOrder() {
        var overlap = Self.validFooter()
        overlap.blocks[1].offset = 183  // starts inside block 0 (64 + 120)
        #expect(throws: FormatError.self) { try decodeFooter(overlap.encode(version: 1)) }
        var time = Self.validFooter()
        time.blocks[2].minTimestamp = 19
        #expect(throws: FormatError.self) { try decodeFooter(time.encode(version: 1)) }
    }

    @Test func footerRejectsTruncationAndTrailingBytes() {
        let bytes = Self.validFooter().encode(version: 1)
        for n in 0..<bytes.count {
            #expect(throws: FormatError.self, "\(n) of \(bytes.count)") { try decodeFooter(Array(bytes[..<n])) }
        }
        #expect(throws: FormatError.self) { try decodeFooter(bytes + [0]) }
    }

    @Test func footerNeverCrashesOnGarbage() {
        var rng = SeededRandom(seed: 0xF00)
        let good = Self.validFooter().encode(version: 1)
        for _ in 0..<5_000 {
            var bad = good
            for _ in 0..<rng.int(1...3) {
                bad[rng.int(0..<bad.count)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? decodeFooter(bad)
        }
        for _ in 0..<2_000 { _ = try? decodeFooter(rng.bytes(rng.int(0...120)).map { $0 & 0x7F }) }
    }

    /// "Every read either succeeds or throws": a corrupt block offset near UInt64.max must not trap on
    /// `prev.offset + prev.diskLength` (SegmentFooter.decode's block order check).
    @Test func footerWithHugeBlockOffsetThrowsInsteadOfTrapping() async {
        await #expect(processExitsWith: .success) {
            var f = SegmentTests.validFooter()
            f.blocks[0].offset = UInt64.max - 10
            let bytes = f.encode(version: 1)
            _ = try? bytes.withBytes { (b) throws(FormatError) in try SegmentFooter.decode(b) }
        }
    }

    // MARK: trailer

    @Test func trailerRoundTrips() throws {
        let t = SegmentTrailer(footerOffset: 1_000, footerLength: 200, footerChecksum: 0x1234_5678, blockCount: 9)
        #expect(try decodeTrailer(t.encode(), fileSize: 1_232) == t)
    }

    @Test func trailerRejectsATruncatedFile() throws {
        var g = RecordGenerator(seed: 2)
        let (file, _, _) = segmentFile(g.sortedRecords(30), header: sampleSegmentHeader, rawBlockTarget: 300)
        _ = try readSegment(file)
        for cut in 1..<min(file.count, 200) {
            let truncated = Array(file[..<(file.count - cut)])
            #expect(throws: FormatError.self, "cut \(cut)") {
                try decodeTrailer(Array(truncated.suffix(32)), fileSize: truncated.count)
            }
            #expect(throws: FormatError.self, "cut \(cut)") { try readSegment(truncated) }
        }
        // A trailer read from a file of the wrong size does not end at the footer.
        let t = Array(file.suffix(32))
        #expect(throws: FormatError.self) { try decodeTrailer(t, fileSize: file.count + 1) }
        #expect(throws: FormatError.self) { try decodeTrailer(t, fileSize: file.count - 1) }
        #expect(throws: FormatError.self) { try decodeTrailer(Array(t.dropFirst()), fileSize: file.count) }
        // Footer offset inside the header.
        let inHeader = SegmentTrailer(footerOffset: 10, footerLength: 100, footerChecksum: 0, blockCount: 0)
        #expect(throws: FormatError.self) { try decodeTrailer(inHeader.encode(), fileSize: 142) }
        // Footer location that overflows.
        let huge = SegmentTrailer(footerOffset: .max, footerLength: .max, footerChecksum: 0, blockCount: 0)
        #expect(throws: FormatError.self) { try decodeTrailer(huge.encode(), fileSize: 1_000) }
    }

    @Test func trailerRejectsBadMagic() {
        let t = SegmentTrailer(footerOffset: 64, footerLength: 10, footerChecksum: 0, blockCount: 0).encode()
        for i in 24..<32 {
            var bad = t
            bad[i] ^= 0x01
            do { _ = try decodeTrailer(bad, fileSize: 106); Issue.record("accepted") } catch {
                #expect(error.reason.contains("magic"))
            }
        }
    }

    @Test func trailerRejectsUnknownVersionNamingBothVersions() {
        var t = SegmentTrailer(footerOffset: 64, footerLength: 10, footerChecksum: 0, blockCount: 0).encode()
        t[16] = 6
        do { _ = try decodeTrailer(t, fileSize: 106); Issue.record("accepted") } catch {
            #expect(error.reason.contains("version 6") && error.reason.contains("versions 1–5"))
            #expect(error.offset == 16)
        }
    }

    @Test func footerChecksumInTrailerCatchesFooterDamage() throws {
        var g = RecordGenerator(seed: 3)
        let (file, _, _) = segmentFile(g.sortedRecords(30), header: sampleSegmentHeader, rawBlockTarget: 300)
        let body = encodedFooterRange(file)
        for bit in stride(from: body.lowerBound * 8, to: body.upperBound * 8, by: 7) {
            #expect(throws: FormatError.self, "bit \(bit)") { try readSegment(file.flippingBit(bit)) }
        }
    }

    // MARK: header

    @Test func segmentHeaderRoundTrips() throws {
        #expect(try decodeHeader(sampleSegmentHeader.encode()) == sampleSegmentHeader)
        let extreme = SegmentHeader(segmentID: .max, flushID: .max, groupSize: .max, groupIndex: .max - 1,
                                    windowStart: .min, windowSpan: .max, createdAt: .min)
        #expect(try decodeHeader(extreme.encode()) == extreme)
    }

    @Test func segmentHeaderRejectsBadChecksum() {
        let good = sampleSegmentHeader.encode()
        for bit in 64..<(64 * 8) {
            do { _ = try decodeHeader(good.flippingBit(bit)); Issue.record("bit \(bit) accepted") } catch {
                #expect(error.reason.contains("checksum"), "bit \(bit)")
            }
        }
    }

    @Test func segmentHeaderRejectsBadMagicAndShortInput() {
        var bad = sampleSegmentHeader.encode()
        bad[0] = 0x6C
        do { _ = try decodeHeader(bad); Issue.record("accepted") } catch { #expect(error.reason.contains("magic")) }
        let good = sampleSegmentHeader.encode()
        for n in 0..<64 { #expect(throws: FormatError.self) { try decodeHeader(Array(good[..<n])) } }
        // A WAL file is not a segment.
        #expect(throws: FormatError.self) { try decodeHeader(WALHeader(fileNumber: 1, firstSequence: 1).encode() + [UInt8](repeating: 0, count: 32)) }
    }

    static func recrc(_ h: [UInt8]) -> [UInt8] {
        var h = h
        h.replaceSubrange(60..<64, with: le(CRC32C.checksum(h, range: 0..<60)))
        return h
    }

    @Test func segmentHeaderRejectsUnknownVersionNamingBothVersions() {
        var h = sampleSegmentHeader.encode()
        h[8] = 6
        do { _ = try decodeHeader(Self.recrc(h)); Issue.record("accepted") } catch {
            #expect(error.reason.contains("version 6") && error.reason.contains("versions 1–5"))
            #expect(error.offset == 8)
        }
    }

    @Test func segmentHeaderRejectsInconsistentFields() {
        var zeroSpan = sampleSegmentHeader
        zeroSpan.windowSpan = 0
        #expect(throws: FormatError.self) { try decodeHeader(zeroSpan.encode()) }
        var negativeSpan = sampleSegmentHeader
        negativeSpan.windowSpan = -1
        #expect(throws: FormatError.self) { try decodeHeader(negativeSpan.encode()) }
        var index = sampleSegmentHeader
        index.groupIndex = index.groupSize
        #expect(throws: FormatError.self) { try decodeHeader(index.encode()) }
    }

    // MARK: encoder properties

    @Test func blockSplittingFollowsTheRawTarget() {
        var g = RecordGenerator(seed: 4)
        let recs = g.sortedRecords(400)
        for target in [1, 100, 1_000, 10_000, 1 << 20] {
            let (_, footer, blocks) = segmentFile(recs, header: sampleSegmentHeader, rawBlockTarget: target)
            #expect(footer.blocks.reduce(0) { $0 + Int($1.recordCount) } == recs.count)
            if target == 1 { #expect(blocks.count == recs.count) }
            if target == 1 << 20 { #expect(blocks.count == 1) }
        }
    }

    @Test func incompressibleBlocksAreStoredRaw() throws {
        // One tiny record per block: LZ4 cannot win, so the codec is raw and stored == raw.
        // (Sequences and timestamps without zero runs: an 8-byte run of zeros is already a 4-byte LZ4 match.)
        let recs = (0..<5).map { LogRecord(timestamp: GoldenFormatTests.t0 + Int64($0) * 7_919, level: .info, source: "s",
                                           message: "q\($0)", sequence: GoldenFormatTests.s0 + UInt64($0)) }
        let (file, footer, blocks) = segmentFile(recs, header: sampleSegmentHeader, rawBlockTarget: 1)
        for (b, bytes) in zip(footer.blocks, blocks) {
            let h = try bytes.withBytes { (b) throws(FormatError) in try SectionedBlockHeader.decode(b) }
            #expect(h.sections.allSatisfy { $0.codec == BlockFormat.codecRaw && $0.storedLength == $0.rawLength })
            #expect(b.storedLength == b.rawLength)
        }
        _ = try readSegment(file)
        // A repetitive block is compressed, section by section.
        let rep = (0..<200).map { LogRecord(timestamp: 1, level: .info, source: "s", message: "same message again", sequence: UInt64($0 + 1)) }
        let (_, f2, b2) = segmentFile(rep, header: sampleSegmentHeader)
        let h2 = try b2[0].withBytes { (b) throws(FormatError) in try SectionedBlockHeader.decode(b) }
        #expect(h2.sections.allSatisfy { $0.codec == BlockFormat.codecLZ4 && $0.storedLength < $0.rawLength })
        #expect(f2.blocks[0].storedLength < f2.blocks[0].rawLength)
    }

    @Test func estimatedRawSizeIsCheap() {
        let r = LogRecord(timestamp: 0, level: .info, source: "s", correlationID: "x", message: "abc",
                          attributes: [Attribute("k", .string("vv")), Attribute("n", .int(1))])
        #expect(SegmentEncoder.estimatedRawSize(r) == 6 + 3 + 17 + (2 + 3) + (2 + 4))
    }

    /// Identical records must give identical segment bytes in every process. The segment source dictionary is
    /// built by iterating `BlockSummary.sourceCounts`, a `Dictionary`, whose order depends on the per-process hash
    /// seed; a child process (own seed) must still produce the same bytes.
    @Test func segmentBytesDoNotDependOnTheHashSeed() async {
        let expected = Self.manySourcesSegment()
        await #expect(processExitsWith: .success) { [expected = expected as [UInt8]] in
            if SegmentTests.manySourcesSegment() != expected { exit(1) }
        }
    }

    static func manySourcesSegment() -> [UInt8] {
        let names = ["zeta", "alpha", "mid", "api", "db", "web", "queue", "cron", "auth", "mail", "cache", "search"]
        let recs = names.enumerated().map { LogRecord(timestamp: 1, level: .info, source: $1, message: "m", sequence: UInt64($0 + 1)) }
        return segmentFile(recs, header: sampleSegmentHeader).file
    }

    /// FORMAT.md 3.3 caps a record at 8 MiB so that any record a writer may accept fits in one block
    /// (5.2 caps a block's raw length at 16 MiB): the largest legal record must be readable.
    @Test func largestAllowedRecordFitsInABlock() throws {
        let rowOverhead = 64
        let message = String(repeating: "0123456789abcdef", count: (RecordLimits.maxRecordBytesCeiling - rowOverhead) / 16)
        let rec = LogRecord(timestamp: 1, level: .info, source: "s", message: message, sequence: 1)
        var row = ByteWriter()
        RowCodec.encode(rec, into: &row)
        #expect(row.count <= RecordLimits.maxRecordBytesCeiling)
        var enc = SegmentEncoder(header: sampleSegmentHeader)
        let block = enc.block([rec][...])
        let (header, sections) = try block.withBytes { (b) throws(FormatError) in try BlockReader.openSections(b) }
        #expect(header.sections.reduce(0) { $0 + $1.rawLength } <= BlockFormat.maxRawLength)
        #expect(try DecodedBlock(sections).record(0).message.utf8.count == message.utf8.count)
    }
}
