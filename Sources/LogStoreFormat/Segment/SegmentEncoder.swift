/// Turns sorted records into the bytes of one segment file, block by block (docs/FORMAT.md, 5).
///
/// Pure: the caller writes each returned chunk to the file in order. Usage: `header()`, then
/// `block(_:)` for each run of records, then `finish()`.
public struct SegmentEncoder {
    public let header: SegmentHeader
    public let rawBlockTarget: Int
    public let acceleration: Int32
    private var encoder = BlockEncoder()
    private var offset = UInt64(SegmentFormat.headerSize)
    private var blocks: [BlockEntry] = []
    private var sourceIndex: [ExactString: UInt32] = [:]
    private var sources: [String] = []
    private var pairs: [(UInt64, UInt32)] = []
    private var minTs = Int64.max
    private var maxTs = Int64.min
    private var minSeq = UInt64.max
    private var maxSeq: UInt64 = 0
    private var records: UInt64 = 0
    /// Versions 3 and 5 only: the ids of the segments a compacted segment replaces, ascending (FORMAT.md 10).
    public var replaces: [UInt64] = []

    public init(header: SegmentHeader, rawBlockTarget: Int = BlockFormat.defaultRawTarget, acceleration: Int32 = 1) {
        self.header = header
        self.rawBlockTarget = rawBlockTarget
        self.acceleration = acceleration
    }

    /// The 64 header bytes that open the file.
    public func headerBytes() -> [UInt8] { header.encode() }

    /// Encodes `records` (sorted, and sorting after every record given before) as one block and
    /// returns its bytes (header and stored bytes).
    public mutating func block(_ slice: ArraySlice<LogRecord>) -> [UInt8] {
        // Rows written from Strings are well-formed; encoding them cannot fail.
        RowBatch.withRows(of: slice) { rows in (try? block(rows: rows)) ?? [] }
    }

    /// Encodes rows (sorted, and sorting after every row given before) as one block and returns its bytes.
    public mutating func block(rows: ArraySlice<RowRef>) throws(FormatError) -> [UInt8] {
        if header.version < 2 {
            let (sections, summary) = try encoder.encodeSections(rows: rows)
            return appendBlock(raw: sections.raw, summary: summary)
        }
        let (descriptors, stored, summary) = try encoder.encodeStored(rows: rows, acceleration: acceleration)
        return appendBlock(descriptors: descriptors, stored: stored, summary: summary)
    }

    /// A version 2 block: header, then each section compressed on its own.
    private mutating func appendBlock(descriptors: [SectionDescriptor], stored: [[UInt8]], summary: BlockSummary) -> [UInt8] {
        let (head, crc) = SectionedBlockHeader.encode(recordCount: summary.recordCount, sections: descriptors)
        let extents = descriptors.map { BlockEntry.SectionExtent(rawLength: UInt32($0.rawLength), storedLength: UInt32($0.storedLength)) }
        blocks.append(BlockEntry(offset: offset, headerChecksum: crc, sections: extents,
                                 recordCount: UInt32(summary.recordCount), minTimestamp: summary.minTimestamp,
                                 maxTimestamp: summary.maxTimestamp, minSequence: summary.minSequence,
                                 maxSequence: summary.maxSequence, levelCounts: summary.levelCounts.map { UInt32($0) },
                                 sourceCounts: sourceCounts(summary)))
        record(summary)
        var out = head
        out.reserveCapacity(head.count + stored.reduce(0) { $0 + $1.count })
        for bytes in stored { out.append(contentsOf: bytes) }
        offset += UInt64(out.count)
        return out
    }

    /// A version 1 block (for compatibility tests and tools): one payload compressed as a whole.
    private mutating func appendBlock(raw: [UInt8], summary: BlockSummary) -> [UInt8] {
        var codec = BlockFormat.codecLZ4
        var stored = raw.withUnsafeBytes { LZ4.compress($0, acceleration: acceleration) } ?? raw
        if stored.count >= raw.count {
            codec = BlockFormat.codecRaw
            stored = raw
        }
        let (head, crc) = stored.withUnsafeBytes { BlockHeader.encode(codec: codec, rawLength: raw.count, stored: $0) }
        blocks.append(BlockEntry(offset: offset, storedLength: UInt32(stored.count), rawLength: UInt32(raw.count),
                                 checksum: crc, codec: codec, recordCount: UInt32(summary.recordCount),
                                 minTimestamp: summary.minTimestamp, maxTimestamp: summary.maxTimestamp,
                                 minSequence: summary.minSequence, maxSequence: summary.maxSequence,
                                 levelCounts: summary.levelCounts.map { UInt32($0) }, sourceCounts: sourceCounts(summary)))
        record(summary)
        var out = head
        out.append(contentsOf: stored)
        offset += UInt64(out.count)
        return out
    }

    /// The block's source counts, against the segment's source dictionary (extended as needed).
    private mutating func sourceCounts(_ summary: BlockSummary) -> [BlockEntry.SourceCount] {
        var sc: [BlockEntry.SourceCount] = []
        sc.reserveCapacity(summary.sourceCounts.count)
        for (name, count) in summary.sourceCounts {
            let si: UInt32
            if let known = sourceIndex[ExactString(name)] { si = known } else {
                si = UInt32(sources.count)
                sourceIndex[ExactString(name)] = si
                sources.append(name)
            }
            sc.append(.init(source: si, count: UInt32(count)))
        }
        sc.sort { $0.source < $1.source }
        return sc
    }

    /// Adds a block just appended to `blocks` to the segment's index and ranges.
    private mutating func record(_ summary: BlockSummary) {
        let index = UInt32(blocks.count - 1)
        for h in summary.correlationHashes { pairs.append((h, index)) }
        minTs = min(minTs, summary.minTimestamp)
        maxTs = max(maxTs, summary.maxTimestamp)
        minSeq = min(minSeq, summary.minSequence)
        maxSeq = max(maxSeq, summary.maxSequence)
        records += UInt64(summary.recordCount)
    }

    /// Splits sorted `records` into blocks of about `rawBlockTarget` raw bytes and encodes them all.
    public mutating func blocks(_ records: ArraySlice<LogRecord>, emit: ([UInt8]) throws -> Void) rethrows {
        var start = records.startIndex
        var estimate = 0
        var i = start
        while i < records.endIndex {
            estimate += Self.estimatedRawSize(records[i])
            i += 1
            if estimate >= rawBlockTarget {
                try emit(block(records[start..<i]))
                start = i
                estimate = 0
            }
        }
        if start < records.endIndex { try emit(block(records[start..<records.endIndex])) }
    }

    /// The bytes that close the file (versions 4 and 5: the correlation pages, then the footer body;
    /// versions 1–3: the footer body) and the trailer, and the decoded footer.
    public mutating func finish() -> (bytes: [UInt8], footer: SegmentFooter) {
        pairs.sort { $0 < $1 }
        let paged = SegmentFormat.hasPagedIndex(header.version)
        var footer = SegmentFooter(minTimestamp: minTs, maxTimestamp: maxTs, minSequence: minSeq, maxSequence: maxSeq,
                                   recordCount: records, sources: sources, blocks: blocks,
                                   correlationHashes: paged ? [] : pairs.map(\.0),
                                   correlationBlocks: paged ? [] : pairs.map(\.1))
        if SegmentFormat.isCompacted(header.version) { footer.replaces = replaces }
        var out: [UInt8] = []
        var footerOffset = offset
        if paged {
            let (pages, fence) = CorrelationPages.encode(pairs, at: offset)
            footer.correlationFence = fence
            out = pages
            footerOffset = fence.end
        }
        let body = footer.encode(version: header.version)
        let trailer = SegmentTrailer(footerOffset: footerOffset, footerLength: UInt32(body.count),
                                     footerChecksum: CRC32C.checksum(body), blockCount: UInt32(blocks.count),
                                     version: header.version)
        out.append(contentsOf: body)
        out.append(contentsOf: trailer.encode())
        return (out, footer)
    }

    /// Splits sorted rows into blocks of about `rawBlockTarget` raw bytes and encodes them all.
    public mutating func blocks(rows: ArraySlice<RowRef>, emit: ([UInt8]) throws -> Void) throws {
        var start = rows.startIndex
        var estimate = 0
        var i = start
        while i < rows.endIndex {
            estimate += Int(rows[i].length)
            i += 1
            if estimate >= rawBlockTarget {
                try emit(try block(rows: rows[start..<i]))
                start = i
                estimate = 0
            }
        }
        if start < rows.endIndex { try emit(try block(rows: rows[start..<rows.endIndex])) }
    }

    /// A cheap estimate of a record's share of a raw block.
    @inline(__always)
    public static func estimatedRawSize(_ r: LogRecord) -> Int {
        var n = 6 + r.message.utf8.count + (r.correlationID == nil ? 0 : 17)
        for a in r.attributes {
            n += 2
            if case .string(let s) = a.value { n += s.utf8.count + 1 } else { n += 4 }
        }
        return n
    }
}
