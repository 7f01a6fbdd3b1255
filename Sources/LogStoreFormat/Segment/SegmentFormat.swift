/// Constants, header and trailer of segment files (docs/FORMAT.md, section 5).
public enum SegmentFormat {
    public static let magic: [UInt8] = Array("LOGSTSEG".utf8)
    public static let trailerMagic: [UInt8] = Array("LOGSTEND".utf8)
    /// The version this build writes for flushed segments: version 2 blocks, the correlation index
    /// paged (FORMAT.md 5.6).
    public static let version: UInt16 = 4
    /// The version this build writes for compacted segments (FORMAT.md 10): version 4 plus `replaces`.
    public static let compactedVersion: UInt16 = 5
    /// The versions this build reads.
    public static let readableVersions: ClosedRange<UInt16> = 1...5

    /// Whether a segment of `version` was written by compaction: its footer ends with `replaces`
    /// (versions 3 and 5).
    public static func isCompacted(_ version: UInt16) -> Bool { version == 3 || version == 5 }
    /// Whether a segment of `version` keeps its correlation index in pages (5.6; versions 4 and 5).
    public static func hasPagedIndex(_ version: UInt16) -> Bool { version >= 4 }
    public static let headerSize = 64
    public static let trailerSize = 32

    /// The segment file name for an id: 16 lowercase hex digits and `.seg`.
    public static func fileName(_ id: UInt64) -> String { hex16(id) + ".seg" }
    /// The id in a segment file name, or nil.
    public static func segmentID(_ name: String) -> UInt64? { parseHex16(name, suffix: ".seg") }
}

/// The 64-byte segment header (5.1).
public struct SegmentHeader: Sendable, Equatable {
    public var segmentID: UInt64
    public var flushID: UInt64
    public var groupSize: UInt32
    public var groupIndex: UInt32
    public var windowStart: Int64
    public var windowSpan: Int64
    public var createdAt: Int64
    /// The file's format version: decides the block and footer layouts.
    public var version: UInt16

    public init(segmentID: UInt64, flushID: UInt64, groupSize: UInt32, groupIndex: UInt32,
                windowStart: Int64, windowSpan: Int64, createdAt: Int64, version: UInt16 = SegmentFormat.version) {
        self.version = version
        self.segmentID = segmentID
        self.flushID = flushID
        self.groupSize = groupSize
        self.groupIndex = groupIndex
        self.windowStart = windowStart
        self.windowSpan = windowSpan
        self.createdAt = createdAt
    }

    public func encode() -> [UInt8] {
        var w = ByteWriter(capacity: SegmentFormat.headerSize)
        w.raw(SegmentFormat.magic)
        w.u16(version)
        w.u16(0)
        w.u64(segmentID)
        w.u64(flushID)
        w.u32(groupSize)
        w.u32(groupIndex)
        w.i64(windowStart)
        w.i64(windowSpan)
        w.i64(createdAt)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> SegmentHeader {
        guard buffer.count >= SegmentFormat.headerSize else {
            throw FormatError("segment header is \(buffer.count) bytes, expected \(SegmentFormat.headerSize)", at: 0)
        }
        guard buffer.prefix(8).elementsEqual(SegmentFormat.magic) else {
            throw FormatError("not a LogStore segment file (bad magic)", at: 0)
        }
        var r = ByteReader(buffer, offset: 8)
        let version = try r.u16()
        let stored = buffer.loadUnaligned(fromByteOffset: 60, as: UInt32.self).littleEndian
        let intact = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<60])) == stored
        guard SegmentFormat.readableVersions.contains(version) else {
            // An intact header of another version is a newer format; a broken one may be either.
            throw intact ? FormatError.unsupportedVersion("segment format version \(version) is not supported (this build reads versions \(SegmentFormat.readableVersions.lowerBound)–\(SegmentFormat.readableVersions.upperBound))", at: 8)
                : FormatError("segment header checksum mismatch (its version field reads \(version): damage, or a format newer than version \(SegmentFormat.version))", at: 8)
        }
        guard intact else { throw FormatError("segment header checksum mismatch", at: 60) }
        _ = try r.u16()
        let h = SegmentHeader(segmentID: try r.u64(), flushID: try r.u64(), groupSize: try r.u32(),
                              groupIndex: try r.u32(), windowStart: try r.i64(), windowSpan: try r.i64(),
                              createdAt: try r.i64(), version: version)
        guard h.windowSpan > 0 else { throw FormatError("segment window span \(h.windowSpan) is not positive", at: 44) }
        guard h.groupIndex < h.groupSize else {
            throw FormatError("flush group index \(h.groupIndex) outside a group of \(h.groupSize)", at: 32)
        }
        return h
    }
}

/// The 32-byte trailer at the end of a segment (5.4).
public struct SegmentTrailer: Sendable, Equatable {
    public var footerOffset: UInt64
    public var footerLength: UInt32
    public var footerChecksum: UInt32
    public var blockCount: UInt32
    public var version: UInt16

    public init(footerOffset: UInt64, footerLength: UInt32, footerChecksum: UInt32, blockCount: UInt32,
                version: UInt16 = SegmentFormat.version) {
        self.version = version
        self.footerOffset = footerOffset
        self.footerLength = footerLength
        self.footerChecksum = footerChecksum
        self.blockCount = blockCount
    }

    public func encode() -> [UInt8] {
        var w = ByteWriter(capacity: SegmentFormat.trailerSize)
        w.u64(footerOffset)
        w.u32(footerLength)
        w.u32(footerChecksum)
        w.u16(version)
        w.u16(0)
        w.u32(blockCount)
        w.raw(SegmentFormat.trailerMagic)
        return w.bytes
    }

    /// Decodes the trailer from the last 32 bytes of a file of `fileSize` bytes.
    public static func decode(_ buffer: UnsafeRawBufferPointer, fileSize: Int) throws(FormatError) -> SegmentTrailer {
        guard buffer.count == SegmentFormat.trailerSize else {
            throw FormatError("segment trailer is \(buffer.count) bytes, expected \(SegmentFormat.trailerSize)", at: 0)
        }
        guard buffer[24..<32].elementsEqual(SegmentFormat.trailerMagic) else {
            throw FormatError("segment trailer magic missing: the file is truncated or was never finished", at: 24)
        }
        var r = ByteReader(buffer)
        let t = SegmentTrailer(footerOffset: try r.u64(), footerLength: try r.u32(), footerChecksum: try r.u32(), blockCount: 0)
        let version = try r.u16()
        guard SegmentFormat.readableVersions.contains(version) else {
            throw FormatError.unsupportedVersion("segment format version \(version) is not supported (this build reads versions \(SegmentFormat.readableVersions.lowerBound)–\(SegmentFormat.readableVersions.upperBound))", at: 16)
        }
        _ = try r.u16()
        var trailer = t
        trailer.version = version
        trailer.blockCount = try r.u32()
        let footerEnd = Int(clamping: trailer.footerOffset) &+ Int(trailer.footerLength)
        guard trailer.footerOffset >= UInt64(SegmentFormat.headerSize),
              footerEnd == fileSize - SegmentFormat.trailerSize else {
            throw FormatError("footer location \(trailer.footerOffset)+\(trailer.footerLength) does not end at the trailer", at: 0)
        }
        return trailer
    }
}
