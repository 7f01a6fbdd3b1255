/// The 24-byte header shared by `KEYS` and `CHECKPOINTS` (docs/FORMAT.md, 8.2 and 9.2): magic,
/// version, body length and checksum, header checksum; the body follows.
enum ChecksummedFile {
    static let headerSize = 24

    static func encode(magic: [UInt8], version: UInt16, body: ByteWriter) -> [UInt8] {
        var w = ByteWriter(capacity: headerSize + body.count)
        w.raw(magic)
        w.u16(version)
        w.u16(0)
        w.u32(UInt32(body.count))
        w.u32(body.withBytes { CRC32C.checksum($0) })
        w.u32(w.withBytes { CRC32C.checksum($0) })
        w.raw(body.bytes)
        return w.take()
    }

    /// Checks the header and body checksum of a file called `label` and returns its body.
    static func body(of buffer: UnsafeRawBufferPointer, label: String, magic: [UInt8],
                     version: UInt16) throws(FormatError) -> UnsafeRawBufferPointer {
        try body(of: buffer, label: label, magic: magic, versions: version...version).body
    }

    /// Checks the header and body checksum of a file called `label` written in any of `versions`;
    /// returns its version and body.
    static func body(of buffer: UnsafeRawBufferPointer, label: String, magic: [UInt8],
                     versions: ClosedRange<UInt16>) throws(FormatError) -> (version: UInt16, body: UnsafeRawBufferPointer) {
        guard buffer.count >= headerSize else { throw FormatError("\(label) header is \(buffer.count) bytes, expected \(headerSize)", at: 0) }
        guard buffer.prefix(8).elementsEqual(magic) else { throw FormatError("not a LogStore \(label) file (bad magic)", at: 0) }
        var r = ByteReader(buffer, offset: 8)
        let v = try r.u16("version")
        _ = try r.u16("reserved")
        let length = Int(try r.u32("body length"))
        let bodyCRC = try r.u32("body checksum")
        let headerCRC = try r.u32("header checksum")
        let intact = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<20])) == headerCRC
        guard versions.contains(v) else {
            let readable = versions.count == 1 ? "version \(versions.lowerBound)" : "versions \(versions.lowerBound)–\(versions.upperBound)"
            throw intact ? FormatError.unsupportedVersion("\(label) version \(v) is not supported (this build reads \(readable))", at: 8)
                : FormatError("\(label) header checksum mismatch (its version field reads \(v): damage, or a newer format)", at: 8)
        }
        guard intact else { throw FormatError("\(label) header checksum mismatch", at: 20) }
        guard length == buffer.count - headerSize else {
            throw FormatError("\(label) body is \(buffer.count - headerSize) bytes, the header says \(length)", at: 12)
        }
        let body = UnsafeRawBufferPointer(rebasing: buffer[headerSize...])
        guard CRC32C.checksum(body) == bodyCRC else { throw FormatError("\(label) body checksum mismatch", at: headerSize) }
        return (v, body)
    }
}
