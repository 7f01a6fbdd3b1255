/// The `KEYS` file (docs/FORMAT.md, 8.2): the idempotency keys of recently flushed records.
public enum KeysFile {
    public static let fileName = "KEYS"
    public static let magic: [UInt8] = Array("LOGSTKEY".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = 24

    /// One remembered key.
    public struct Entry: Sendable, Equatable {
        public var sequence: UInt64
        public var acceptedAt: Int64
        public var key: IdempotencyKey

        public init(sequence: UInt64, acceptedAt: Int64, key: IdempotencyKey) {
            self.sequence = sequence
            self.acceptedAt = acceptedAt
            self.key = key
        }
    }

    public static func encode(_ entries: [Entry]) -> [UInt8] {
        var body = ByteWriter(capacity: 16 + entries.count * 48)
        body.varint(entries.count)
        for e in entries {
            body.u64(e.sequence)
            body.i64(e.acceptedAt)
            body.varint(e.key.bytes.count)
            body.raw(e.key.bytes)
        }
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

    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> [Entry] {
        guard buffer.count >= headerSize else { throw FormatError("KEYS header is \(buffer.count) bytes, expected \(headerSize)", at: 0) }
        guard buffer.prefix(8).elementsEqual(magic) else { throw FormatError("not a LogStore KEYS file (bad magic)", at: 0) }
        var r = ByteReader(buffer, offset: 8)
        let v = try r.u16("version")
        _ = try r.u16("reserved")
        let length = Int(try r.u32("body length"))
        let bodyCRC = try r.u32("body checksum")
        let headerCRC = try r.u32("header checksum")
        let intact = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<20])) == headerCRC
        guard v == version else {
            throw intact ? FormatError.unsupportedVersion("KEYS version \(v) is not supported (this build reads version \(version))", at: 8)
                : FormatError("KEYS header checksum mismatch (its version field reads \(v): damage, or a newer format)", at: 8)
        }
        guard intact else { throw FormatError("KEYS header checksum mismatch", at: 20) }
        guard length == buffer.count - headerSize else {
            throw FormatError("KEYS body is \(buffer.count - headerSize) bytes, the header says \(length)", at: 12)
        }
        let body = UnsafeRawBufferPointer(rebasing: buffer[headerSize...])
        guard CRC32C.checksum(body) == bodyCRC else { throw FormatError("KEYS body checksum mismatch", at: headerSize) }
        var b = ByteReader(body)
        let count = try b.count("key count", max: b.remaining / 18)
        var out: [Entry] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let sequence = try b.u64("sequence")
            let at = try b.i64("accepted_at")
            let n = try b.count("key length", max: IdempotencyKey.maxBytes)
            guard n > 0 else { throw FormatError("empty idempotency key", at: headerSize + b.offset) }
            out.append(Entry(sequence: sequence, acceptedAt: at, key: IdempotencyKey(bytes: Array(try b.bytes(n, "key")))))
        }
        guard b.isAtEnd else { throw FormatError("\(b.remaining) bytes left after the last key", at: headerSize + b.offset) }
        return out
    }
}
