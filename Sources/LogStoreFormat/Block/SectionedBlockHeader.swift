/// The three sections of a block's columns (docs/FORMAT.md, 5.2), in file order.
public enum BlockSection: Int, Sendable, CaseIterable, Comparable {
    /// Times, sequences, levels, sources and correlation IDs.
    case core = 0
    /// Message lengths and bytes.
    case messages = 1
    /// Attribute counts, keys, types and values.
    case attributes = 2

    public static func < (a: BlockSection, b: BlockSection) -> Bool { a.rawValue < b.rawValue }
}

/// One section's entry in a version 2 block header: how it is stored and its checksum.
public struct SectionDescriptor: Sendable, Equatable {
    public var codec: UInt8
    public var rawLength: Int
    public var storedLength: Int
    public var checksum: UInt32

    public init(codec: UInt8, rawLength: Int, storedLength: Int, checksum: UInt32) {
        self.codec = codec
        self.rawLength = rawLength
        self.storedLength = storedLength
        self.checksum = checksum
    }
}

/// The 64-byte header of a version 2 block, in front of its three stored sections (5.2).
public struct SectionedBlockHeader: Sendable, Equatable {
    public static let magic: UInt32 = 0x3242_534C  // "LSB2"
    public static let size = 64
    public static let sectionCount = 3

    public var recordCount: Int
    public var sections: [SectionDescriptor]
    /// CRC32C of the header's first 60 bytes.
    public var checksum: UInt32

    /// Byte offset of `section`'s stored bytes from the start of the block header.
    public func offset(of section: BlockSection) -> Int {
        var o = Self.size
        for s in 0..<section.rawValue { o += sections[s].storedLength }
        return o
    }

    /// Total stored bytes of all sections.
    public var storedLength: Int { sections.reduce(0) { $0 + $1.storedLength } }

    /// Encodes the header for three sections, computing its checksum.
    public static func encode(recordCount: Int, sections: [SectionDescriptor]) -> (bytes: [UInt8], checksum: UInt32) {
        var w = ByteWriter(capacity: size)
        w.u32(magic)
        w.u32(UInt32(recordCount))
        w.u8(UInt8(sections.count))
        w.u8(0); w.u8(0); w.u8(0)
        for s in sections {
            w.u8(s.codec)
            w.u8(0); w.u8(0); w.u8(0)
            w.u32(UInt32(s.rawLength))
            w.u32(UInt32(s.storedLength))
            w.u32(s.checksum)
        }
        let crc = CRC32C.checksum(w.bytes)
        w.u32(crc)
        return (w.bytes, crc)
    }

    /// Decodes and checks the header (magic, checksum, counts, codecs, length limits).
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> SectionedBlockHeader {
        guard buffer.count >= size else { throw FormatError("block header is \(buffer.count) bytes, expected \(size)", at: 0) }
        var r = ByteReader(buffer)
        guard try r.u32("block magic") == magic else { throw FormatError("bad block magic (expected LSB2)", at: 0) }
        let stored = buffer.loadUnaligned(fromByteOffset: 60, as: UInt32.self).littleEndian
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<60])) == stored else {
            throw FormatError("block header checksum mismatch", at: 60)
        }
        let n = Int(try r.u32("block record count"))
        guard n >= 1 else { throw FormatError("block holds no records", at: 4) }
        let count = try r.u8("section count")
        guard Int(count) == sectionCount else { throw FormatError("block has \(count) sections, expected \(sectionCount)", at: 8) }
        _ = try r.bytes(3, "reserved")
        var sections: [SectionDescriptor] = []
        var total = 0
        for i in 0..<sectionCount {
            let at = r.offset
            let codec = try r.u8("section codec")
            guard codec == BlockFormat.codecRaw || codec == BlockFormat.codecLZ4 else {
                throw FormatError("section \(i): unknown codec \(codec)", at: at)
            }
            _ = try r.bytes(3, "reserved")
            let raw = Int(try r.u32("section raw length"))
            let storedLength = Int(try r.u32("section stored length"))
            let crc = try r.u32("section checksum")
            guard codec == BlockFormat.codecLZ4 || raw == storedLength else {
                throw FormatError("section \(i) is stored raw but its lengths differ (\(raw) and \(storedLength))", at: at + 4)
            }
            total += raw
            guard total <= BlockFormat.maxRawLength else {
                throw FormatError("block raw length exceeds \(BlockFormat.maxRawLength)", at: at + 4)
            }
            sections.append(SectionDescriptor(codec: codec, rawLength: raw, storedLength: storedLength, checksum: crc))
        }
        // Every record takes at least 5 decoded bytes (FORMAT.md 5.2), as the footer also requires.
        guard n <= total / 5 else { throw FormatError("block claims \(n) records in \(total) decoded bytes", at: 4) }
        return SectionedBlockHeader(recordCount: n, sections: sections, checksum: stored)
    }

    /// Checks and decodes one section from its stored bytes. Offsets in errors are relative to the
    /// section's stored bytes.
    public func open(_ section: BlockSection, stored: UnsafeRawBufferPointer) throws(FormatError) -> [UInt8] {
        let d = sections[section.rawValue]
        guard stored.count == d.storedLength else {
            throw FormatError("\(section) section holds \(stored.count) bytes, its header says \(d.storedLength)", at: 0)
        }
        guard CRC32C.checksum(stored) == d.checksum else { throw FormatError("\(section) section checksum mismatch", at: 0) }
        if d.codec == BlockFormat.codecRaw { return Array(stored) }
        return try LZ4.decompress(stored, rawLength: d.rawLength)
    }

    /// Compresses a section's raw bytes (or keeps them raw when LZ4 does not shrink them).
    public static func store(_ raw: [UInt8], acceleration: Int32 = 1) -> (descriptor: SectionDescriptor, stored: [UInt8]) {
        raw.withUnsafeBytes { store($0, acceleration: acceleration) }
    }

    /// Compresses a section's raw bytes (or keeps them raw when LZ4 does not shrink them).
    public static func store(_ raw: UnsafeRawBufferPointer, acceleration: Int32 = 1) -> (descriptor: SectionDescriptor, stored: [UInt8]) {
        var codec = BlockFormat.codecLZ4
        var stored = raw.isEmpty ? [] : (LZ4.compress(raw, acceleration: acceleration) ?? Array(raw))
        if stored.count >= raw.count {
            codec = BlockFormat.codecRaw
            stored = Array(raw)
        }
        return (SectionDescriptor(codec: codec, rawLength: raw.count, storedLength: stored.count,
                                  checksum: CRC32C.checksum(stored)), stored)
    }
}
