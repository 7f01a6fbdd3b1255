/// One block's entry in the segment footer (5.3).
public struct BlockEntry: Sendable, Equatable {
    public var offset: UInt64
    /// Version 2: the block header's checksum. Version 1: the block checksum.
    public var checksum: UInt32
    /// Version 1 only: the payload codec (version 2 keeps a codec per section in the block header).
    public var codec: UInt8
    /// Version 2: the core, messages and attributes sections. Version 1: one extent for the payload.
    public var sections: [SectionExtent]
    public var recordCount: UInt32
    public var minTimestamp: Int64
    public var maxTimestamp: Int64
    public var minSequence: UInt64
    public var maxSequence: UInt64
    /// Records per level byte 0…6.
    public var levelCounts: [UInt32]
    /// (segment source index, records) pairs.
    public var sourceCounts: [SourceCount]

    /// Where one section (or a version 1 payload) lies: its decoded and stored sizes.
    public struct SectionExtent: Sendable, Equatable {
        public var rawLength: UInt32
        public var storedLength: UInt32
        public init(rawLength: UInt32, storedLength: UInt32) {
            self.rawLength = rawLength
            self.storedLength = storedLength
        }
    }

    public struct SourceCount: Sendable, Equatable {
        public var source: UInt32
        public var count: UInt32
        public init(source: UInt32, count: UInt32) {
            self.source = source
            self.count = count
        }
    }

    /// An entry for a version 2 block of three sections.
    public init(offset: UInt64, headerChecksum: UInt32, sections: [SectionExtent],
                recordCount: UInt32, minTimestamp: Int64, maxTimestamp: Int64, minSequence: UInt64,
                maxSequence: UInt64, levelCounts: [UInt32], sourceCounts: [SourceCount]) {
        self.offset = offset
        self.checksum = headerChecksum
        self.codec = 0
        self.sections = sections
        self.recordCount = recordCount
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
        self.minSequence = minSequence
        self.maxSequence = maxSequence
        self.levelCounts = levelCounts
        self.sourceCounts = sourceCounts
    }

    /// An entry for a version 1 block (one payload).
    public init(offset: UInt64, storedLength: UInt32, rawLength: UInt32, checksum: UInt32, codec: UInt8,
                recordCount: UInt32, minTimestamp: Int64, maxTimestamp: Int64, minSequence: UInt64,
                maxSequence: UInt64, levelCounts: [UInt32], sourceCounts: [SourceCount]) {
        self.offset = offset
        self.checksum = checksum
        self.codec = codec
        self.sections = [SectionExtent(rawLength: rawLength, storedLength: storedLength)]
        self.recordCount = recordCount
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
        self.minSequence = minSequence
        self.maxSequence = maxSequence
        self.levelCounts = levelCounts
        self.sourceCounts = sourceCounts
    }

    /// Whether the block has the version 2 layout (three sections).
    public var isSectioned: Bool { sections.count == SectionedBlockHeader.sectionCount }

    /// Stored bytes after the block header, all sections together.
    public var storedLength: Int { sections.reduce(0) { $0 + Int($1.storedLength) } }

    /// Decoded bytes, all sections together.
    public var rawLength: Int { sections.reduce(0) { $0 + Int($1.rawLength) } }

    /// Size of the block header.
    public var headerLength: Int { isSectioned ? SectionedBlockHeader.size : BlockFormat.headerSize }

    /// Offset of `section`'s stored bytes from the block's start (version 2 blocks).
    public func sectionOffset(_ section: BlockSection) -> Int {
        var o = headerLength
        for s in 0..<min(section.rawValue, sections.count) { o += Int(sections[s].storedLength) }
        return o
    }

    /// Bit `l` set when the block holds a record of level byte `l`.
    public var levelMask: UInt8 {
        var m: UInt8 = 0
        for (l, c) in levelCounts.enumerated() where c > 0 { m |= 1 << UInt8(l) }
        return m
    }

    /// Size of the block on disk, header included.
    public var diskLength: Int { headerLength + storedLength }
}

/// The segment footer body (5.3): summaries, block table and correlation index.
public struct SegmentFooter: Sendable, Equatable {
    public var minTimestamp: Int64
    public var maxTimestamp: Int64
    public var minSequence: UInt64
    public var maxSequence: UInt64
    public var recordCount: UInt64
    public var sources: [String]
    public var blocks: [BlockEntry]
    /// Sorted by hash, then block. Versions 1–3 only: versions 4 and 5 keep the pairs in pages
    /// (``correlationFence``), read when a lookup needs them.
    public var correlationHashes: [UInt64]
    public var correlationBlocks: [UInt32]
    /// Versions 4 and 5 (FORMAT.md 5.6): where the correlation index pages lie; nil in versions 1–3.
    public var correlationFence: CorrelationPages.Fence?
    /// Version 3 (a compacted segment, FORMAT.md 10): the ids of every segment this one replaces,
    /// ascending. Empty in versions 1 and 2.
    public var replaces: [UInt64] = []

    public init(minTimestamp: Int64, maxTimestamp: Int64, minSequence: UInt64, maxSequence: UInt64,
                recordCount: UInt64, sources: [String], blocks: [BlockEntry],
                correlationHashes: [UInt64], correlationBlocks: [UInt32]) {
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
        self.minSequence = minSequence
        self.maxSequence = maxSequence
        self.recordCount = recordCount
        self.sources = sources
        self.blocks = blocks
        self.correlationHashes = correlationHashes
        self.correlationBlocks = correlationBlocks
        self.correlationFence = nil
    }

    /// The correlation pairs this footer lists (versions 1–3) or whose pages it finds (4 and 5).
    public var correlationPairCount: Int { correlationFence?.pairCount ?? correlationHashes.count }

    /// End of the last block, or of the header when there is none: where the footer (versions 1–3)
    /// or the correlation pages (versions 4 and 5) begin.
    public var blocksEnd: UInt64 {
        blocks.last.map { $0.offset + UInt64($0.diskLength) } ?? UInt64(SegmentFormat.headerSize)
    }

    /// The footer body in the layout of segment format `version` (1 or 2; every block entry must
    /// have that version's layout).
    public func encode(version: UInt16 = SegmentFormat.version) -> [UInt8] {
        var w = ByteWriter(capacity: 64 + blocks.count * 64 + correlationHashes.count * 12)
        w.i64(minTimestamp)
        w.i64(maxTimestamp)
        w.u64(minSequence)
        w.u64(maxSequence)
        w.u64(recordCount)
        w.varint(sources.count)
        for s in sources { w.string(s) }
        w.varint(blocks.count)
        for b in blocks {
            w.varint(b.offset)
            if version >= 2 {
                w.u32(b.checksum)
                w.varint(UInt64(b.recordCount))
                for e in b.sections {
                    w.varint(UInt64(e.rawLength))
                    w.varint(UInt64(e.storedLength))
                }
            } else {
                w.varint(UInt64(b.storedLength))
                w.varint(UInt64(b.rawLength))
                w.u32(b.checksum)
                w.u8(b.codec)
                w.varint(UInt64(b.recordCount))
            }
            w.i64(b.minTimestamp)
            w.i64(b.maxTimestamp)
            w.u64(b.minSequence)
            w.u64(b.maxSequence)
            for c in b.levelCounts { w.varint(UInt64(c)) }
            w.varint(b.sourceCounts.count)
            for sc in b.sourceCounts {
                w.varint(UInt64(sc.source))
                w.varint(UInt64(sc.count))
            }
        }
        if SegmentFormat.hasPagedIndex(version) {
            CorrelationPages.encodeFence(correlationFence ?? .init(indexOffset: blocksEnd, pages: [], pairCount: 0), into: &w)
        } else {
            w.varint(correlationHashes.count)
            for h in correlationHashes { w.u64(h) }
            for b in correlationBlocks { w.u32(b) }
        }
        if SegmentFormat.isCompacted(version) { Self.encodeReplaces(replaces, into: &w) }
        return w.bytes
    }

    /// Decodes and checks the footer's internal consistency (counts add up, blocks ordered,
    /// index sorted and pointing at real blocks).
    public static func decode(_ buffer: UnsafeRawBufferPointer, version: UInt16 = SegmentFormat.version) throws(FormatError) -> SegmentFooter {
        var r = ByteReader(buffer)
        let minTs = try r.i64("min timestamp")
        let maxTs = try r.i64("max timestamp")
        let minSeq = try r.u64("min sequence")
        let maxSeq = try r.u64("max sequence")
        let recordCount = try r.u64("record count")
        let s = try r.count("source count", max: r.remaining)
        var sources: [String] = []
        sources.reserveCapacity(s)
        for _ in 0..<s { sources.append(try r.string("source")) }
        // A block entry takes at least 47 bytes.
        let blockCount = try r.count("block count", max: r.remaining / 47)
        var blocks: [BlockEntry] = []
        blocks.reserveCapacity(blockCount)
        var total: UInt64 = 0
        for i in 0..<blockCount {
            let at = r.offset
            let offset = try r.varint("block offset")
            var extents: [BlockEntry.SectionExtent] = []
            let crc: UInt32
            var codec: UInt8 = 0
            let count: Int
            if version >= 2 {
                crc = try r.u32("block header checksum")
                count = try r.count("block record count", max: BlockFormat.maxRawLength / 5)
                var rawTotal = 0
                for _ in 0..<SectionedBlockHeader.sectionCount {
                    let raw = try r.count("section raw length", max: BlockFormat.maxRawLength)
                    let stored = try r.count("section stored length", max: Int(UInt32.max))
                    rawTotal += raw
                    extents.append(.init(rawLength: UInt32(raw), storedLength: UInt32(stored)))
                }
                guard rawTotal <= BlockFormat.maxRawLength, count <= rawTotal / 5 else {
                    throw FormatError("block \(i): \(count) records in \(rawTotal) raw bytes", at: at)
                }
            } else {
                let stored = try r.count("stored length", max: Int(UInt32.max))
                let rawLen = try r.count("raw length", max: BlockFormat.maxRawLength)
                crc = try r.u32("block checksum")
                codec = try r.u8("block codec")
                count = try r.count("block record count", max: rawLen / 5)
                extents.append(.init(rawLength: UInt32(rawLen), storedLength: UInt32(stored)))
            }
            let bMinTs = try r.i64("block min timestamp")
            let bMaxTs = try r.i64("block max timestamp")
            let bMinSeq = try r.u64("block min sequence")
            let bMaxSeq = try r.u64("block max sequence")
            var levels: [UInt32] = []
            levels.reserveCapacity(LogLevel.count)
            var levelSum = 0
            for _ in 0..<LogLevel.count {
                let c = try r.count("level count", max: count)
                levelSum += c
                levels.append(UInt32(c))
            }
            let n = try r.count("source count entries", max: min(count, sources.count))
            var sc: [BlockEntry.SourceCount] = []
            sc.reserveCapacity(n)
            var sourceSum = 0
            for _ in 0..<n {
                let si = try r.count("source index", max: max(0, sources.count - 1))
                let c = try r.count("source record count", max: count)
                sourceSum += c
                sc.append(.init(source: UInt32(si), count: UInt32(c)))
            }
            guard count >= 1, levelSum == count, sourceSum == count, bMinTs <= bMaxTs, bMinSeq <= bMaxSeq else {
                throw FormatError("block \(i): record count \(count) disagrees with its level/source counts or ranges", at: at)
            }
            if let prev = blocks.last {
                let (prevEnd, overflow) = prev.offset.addingReportingOverflow(UInt64(prev.diskLength))
                guard !overflow, offset >= prevEnd, bMinTs >= prev.maxTimestamp else {
                    throw FormatError("block \(i) is out of order", at: at)
                }
            } else if offset < UInt64(SegmentFormat.headerSize) {
                throw FormatError("block 0 starts inside the segment header", at: at)
            }
            guard offset <= UInt64(Int64.max) else { throw FormatError("block \(i) offset \(offset) out of range", at: at) }
            total += UInt64(count)
            var entry = BlockEntry(offset: offset, headerChecksum: crc, sections: extents, recordCount: UInt32(count),
                                   minTimestamp: bMinTs, maxTimestamp: bMaxTs, minSequence: bMinSeq,
                                   maxSequence: bMaxSeq, levelCounts: levels, sourceCounts: sc)
            entry.codec = codec
            blocks.append(entry)
        }
        guard total == recordCount else {
            throw FormatError("blocks hold \(total) records, footer says \(recordCount)", at: 32)
        }
        var fence: CorrelationPages.Fence?
        var hashes: [UInt64] = []
        var owners: [UInt32] = []
        if SegmentFormat.hasPagedIndex(version) {
            let end = blocks.last.map { $0.offset + UInt64($0.diskLength) } ?? UInt64(SegmentFormat.headerSize)
            fence = try CorrelationPages.decodeFence(&r, blocksEnd: end)
        } else {
            (hashes, owners) = try decodeInlineIndex(&r, blockCount: blockCount)
        }
        let replaces = SegmentFormat.isCompacted(version) ? try Self.decodeReplaces(&r) : []
        guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the footer", at: r.offset) }
        var footer = SegmentFooter(minTimestamp: minTs, maxTimestamp: maxTs, minSequence: minSeq, maxSequence: maxSeq,
                                   recordCount: recordCount, sources: sources, blocks: blocks,
                                   correlationHashes: hashes, correlationBlocks: owners)
        footer.correlationFence = fence
        footer.replaces = replaces
        return footer
    }

    /// The correlation index of versions 1–3, inside the footer: `P:varint hash:u64 ×P block:u32 ×P`.
    private static func decodeInlineIndex(_ r: inout ByteReader, blockCount: Int) throws(FormatError) -> ([UInt64], [UInt32]) {
        let indexAt = r.offset
        let pairs = try r.count("correlation index size", max: r.remaining / 12)
        var hashes: [UInt64] = []
        var owners: [UInt32] = []
        hashes.reserveCapacity(pairs)
        owners.reserveCapacity(pairs)
        let raw = try r.bytes(pairs * 12, "correlation index")
        for i in 0..<pairs { hashes.append(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) }
        for i in 0..<pairs {
            let b = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: pairs * 8 + i * 4, as: UInt32.self))
            guard Int(b) < blockCount else { throw FormatError("correlation index points at block \(b) of \(blockCount)", at: indexAt) }
            if i > 0 && (hashes[i - 1], owners[i - 1]) >= (hashes[i], b) {
                throw FormatError("correlation index is not sorted at entry \(i)", at: indexAt)
            }
            owners.append(b)
        }
        return (hashes, owners)
    }
}
