/// Block header constants (docs/FORMAT.md, 5.2).
public enum BlockFormat {
    /// `LSBK` as bytes 4C 53 42 4B.
    public static let magic: UInt32 = 0x4B42_534C
    public static let headerSize = 20
    public static let codecRaw: UInt8 = 0
    public static let codecLZ4: UInt8 = 1
    public static let maxRawLength = 16 << 20
    public static let defaultRawTarget = 64 << 10
}

/// The 20-byte header in front of a block's stored bytes.
public struct BlockHeader: Sendable, Equatable {
    public var codec: UInt8
    public var rawLength: Int
    public var storedLength: Int
    public var checksum: UInt32

    /// Encodes the header for `stored` bytes, computing the checksum over header and payload.
    public static func encode(codec: UInt8, rawLength: Int, stored: UnsafeRawBufferPointer) -> (bytes: [UInt8], checksum: UInt32) {
        var w = ByteWriter(capacity: BlockFormat.headerSize)
        w.u32(BlockFormat.magic)
        w.u8(codec)
        w.u8(0); w.u8(0); w.u8(0)
        w.u32(UInt32(rawLength))
        w.u32(UInt32(stored.count))
        let crc = CRC32C.checksum(stored, continuing: CRC32C.checksum(w.bytes))
        w.u32(crc)
        return (w.bytes, crc)
    }

    /// Decodes a header; does not check the payload checksum (see ``verifyPayload(_:)``).
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> BlockHeader {
        var r = ByteReader(buffer)
        guard try r.u32("block magic") == BlockFormat.magic else { throw FormatError("bad block magic", at: 0) }
        let codec = try r.u8("block codec")
        guard codec == BlockFormat.codecRaw || codec == BlockFormat.codecLZ4 else {
            throw FormatError("unknown block codec \(codec)", at: 4)
        }
        _ = try r.bytes(3, "reserved")
        let raw = Int(try r.u32("raw length"))
        let stored = Int(try r.u32("stored length"))
        let crc = try r.u32("block checksum")
        guard raw <= BlockFormat.maxRawLength else { throw FormatError("block raw length \(raw) exceeds \(BlockFormat.maxRawLength)", at: 8) }
        return BlockHeader(codec: codec, rawLength: raw, storedLength: stored, checksum: crc)
    }

    /// Checks the checksum over `header ++ stored`, where `full` holds both.
    public func verify(_ full: UnsafeRawBufferPointer) -> Bool {
        guard full.count == BlockFormat.headerSize + storedLength else { return false }
        let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: full[0..<16]))
        return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: full[BlockFormat.headerSize...]), continuing: head) == checksum
    }

    /// Checks and decodes a whole block (header and stored bytes) into raw bytes.
    public static func open(_ full: UnsafeRawBufferPointer) throws(FormatError) -> [UInt8] {
        let h = try decode(full)
        guard full.count == BlockFormat.headerSize + h.storedLength else {
            throw FormatError("block holds \(full.count - BlockFormat.headerSize) stored bytes, header says \(h.storedLength)", at: 12)
        }
        guard h.verify(full) else { throw FormatError("block checksum mismatch", at: 16) }
        let stored = UnsafeRawBufferPointer(rebasing: full[BlockFormat.headerSize...])
        if h.codec == BlockFormat.codecRaw {
            guard h.rawLength == h.storedLength else { throw FormatError("raw block length mismatch", at: 8) }
            return Array(stored)
        }
        do {
            return try LZ4.decompress(stored, rawLength: h.rawLength)
        } catch {
            throw error.shifted(by: BlockFormat.headerSize)
        }
    }
}
