/// The summary frame (WAL frame type 4, docs/FORMAT.md, 4.4): what a query needs to know of the records
/// frames of one append, so that a reader that only queries can skip them without decoding their rows.
///
/// `summary := covered_length:u32 count:u32 min_timestamp:i64 max_timestamp:i64 level_mask:u8
///             probes:u8 words:u32 word:u64*words`
public struct WALSummary: Sendable, Equatable {
    /// Appends with fewer records get no summary (its bytes would outweigh what it saves).
    public static let minimumRecords = 8

    /// Byte length of the frames it describes, ending where the summary frame starts.
    public var coveredLength: Int
    /// Records in the records frames it describes.
    public var count: Int
    public var minTimestamp: Int64
    public var maxTimestamp: Int64
    /// Bit `l` set when a record of level `l` is among them.
    public var levelMask: UInt8
    /// Their distinct correlation hashes (FORMAT.md 11.2; empty when none has an ID).
    public var filter: CorrelationFilter

    public init(coveredLength: Int, count: Int, minTimestamp: Int64, maxTimestamp: Int64, levelMask: UInt8,
                filter: CorrelationFilter) {
        self.coveredLength = coveredLength
        self.count = count
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
        self.levelMask = levelMask
        self.filter = filter
    }

    /// Bytes of payload before the filter's words.
    static let fixedSize = 4 + 4 + 8 + 8 + 1 + 1 + 4
}

extension WALFrame {
    /// Appends a complete, checksummed summary frame.
    public static func appendSummaryFrame(_ summary: WALSummary, into w: inout ByteWriter) {
        let start = w.count
        w.u32(UInt32(WALSummary.fixedSize + summary.filter.words.count * 8))
        w.u32(0)  // checksum, patched below
        w.u8(WALFormat.summaryFrameType)
        w.u32(UInt32(summary.coveredLength))
        w.u32(UInt32(summary.count))
        w.i64(summary.minTimestamp)
        w.i64(summary.maxTimestamp)
        w.u8(summary.levelMask)
        w.u8(summary.filter.probes)
        w.u32(UInt32(summary.filter.words.count))
        for word in summary.filter.words { w.u64(word) }
        let crc = w.withBytes { all -> UInt32 in
            let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[start..<(start + 4)]))
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[(start + 8)...]), continuing: lengthCRC)
        }
        w.patchU32(crc, at: start + 4)
    }

    /// Decodes a summary-frame payload (every field in range, nothing left over).
    public static func decodeSummary(_ payload: UnsafeRawBufferPointer) throws(FormatError) -> WALSummary {
        var r = ByteReader(payload)
        let covered = Int(try r.u32("covered length"))
        let count = Int(try r.u32("record count"))
        let minTimestamp = try r.i64("min timestamp")
        let maxTimestamp = try r.i64("max timestamp")
        let levelMask = try r.u8("level mask")
        let probes = try r.u8("probes")
        let words = Int(try r.u32("filter words"))
        guard count > 0 else { throw FormatError("summary of no records", at: 4) }
        guard covered >= WALFormat.frameHeaderSize + 13 else { throw FormatError("covered length \(covered) holds no records frame", at: 0) }
        guard minTimestamp <= maxTimestamp else { throw FormatError("min timestamp after max timestamp", at: 8) }
        guard probes >= 1 && probes <= CorrelationFilter.maxProbes else { throw FormatError("probe count \(probes) out of range", at: 25) }
        guard words * 8 == r.remaining else {
            throw FormatError("\(words) filter words in \(r.remaining) bytes", at: 26)
        }
        var filter: [UInt64] = []
        filter.reserveCapacity(words)
        for _ in 0..<words { filter.append(try r.u64("filter word")) }
        return WALSummary(coveredLength: covered, count: count, minTimestamp: minTimestamp, maxTimestamp: maxTimestamp,
                          levelMask: levelMask, filter: CorrelationFilter(words: filter, probes: probes))
    }
}
