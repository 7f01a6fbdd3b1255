/// Constants and the file header of the write-ahead log (docs/FORMAT.md, section 4).
public enum WALFormat {
    public static let magic: [UInt8] = Array("LOGSTWAL".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = 32
    /// Frame header: length u32, checksum u32, type u8.
    public static let frameHeaderSize = 9
    public static let maxFramePayload = 256 << 20
    public static let recordsFrameType: UInt8 = 1
    /// Idempotency keys of the records frames before it (section 8.1).
    public static let keysFrameType: UInt8 = 2
    /// Records followed by checkpoints, one checksum over both (section 9.1).
    public static let checkpointsFrameType: UInt8 = 3
    /// What a query needs to know of the records frames of the append before it (section 4.4).
    public static let summaryFrameType: UInt8 = 4

    /// Whether frames of `type` hold records (types 1 and 3).
    @inline(__always)
    public static func holdsRecords(_ type: UInt8) -> Bool { type == recordsFrameType || type == checkpointsFrameType }

    /// The WAL file name for a file number: 16 lowercase hex digits and `.wal`.
    public static func fileName(_ number: UInt64) -> String { hex16(number) + ".wal" }

    /// The number in a WAL file name, or nil when the name is not one.
    public static func fileNumber(_ name: String) -> UInt64? { parseHex16(name, suffix: ".wal") }
}

/// The 32-byte WAL file header.
public struct WALHeader: Sendable, Equatable {
    public var fileNumber: UInt64
    public var firstSequence: UInt64

    public init(fileNumber: UInt64, firstSequence: UInt64) {
        self.fileNumber = fileNumber
        self.firstSequence = firstSequence
    }

    public func encode() -> [UInt8] {
        var w = ByteWriter(capacity: WALFormat.headerSize)
        w.raw(WALFormat.magic)
        w.u16(WALFormat.version)
        w.u16(0)
        w.u64(fileNumber)
        w.u64(firstSequence)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> WALHeader {
        guard buffer.count >= WALFormat.headerSize else {
            throw FormatError("WAL header is \(buffer.count) bytes, expected \(WALFormat.headerSize)", at: 0)
        }
        guard buffer.prefix(8).elementsEqual(WALFormat.magic) else {
            throw FormatError("not a LogStore WAL file (bad magic)", at: 0)
        }
        var r = ByteReader(buffer, offset: 8)
        let version = try r.u16()
        let stored = buffer.loadUnaligned(fromByteOffset: 28, as: UInt32.self).littleEndian
        let intact = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<28])) == stored
        guard version == WALFormat.version else {
            // An intact header of another version is a newer format; a broken one may be either.
            throw intact ? FormatError.unsupportedVersion("WAL format version \(version) is not supported (this build reads version \(WALFormat.version))", at: 8)
                : FormatError("WAL header checksum mismatch (its version field reads \(version): damage, or a format newer than version \(WALFormat.version))", at: 8)
        }
        guard intact else { throw FormatError("WAL header checksum mismatch", at: 28) }
        _ = try r.u16()
        let number = try r.u64()
        let first = try r.u64()
        return WALHeader(fileNumber: number, firstSequence: first)
    }
}

@inline(__always)
func hex16(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 16 - s.count)) + s
}

func parseHex16(_ name: String, suffix: String) -> UInt64? {
    guard name.hasSuffix(suffix) else { return nil }
    let stem = name.dropLast(suffix.count)
    guard stem.count == 16, stem.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
    return UInt64(stem, radix: 16)
}
