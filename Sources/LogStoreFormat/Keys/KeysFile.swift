/// The `KEYS` file (docs/FORMAT.md, 8.2): the idempotency keys of recently flushed records.
public enum KeysFile {
    public static let fileName = "KEYS"
    public static let magic: [UInt8] = Array("LOGSTKEY".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = ChecksummedFile.headerSize

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
        return ChecksummedFile.encode(magic: magic, version: version, body: body)
    }

    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> [Entry] {
        let body = try ChecksummedFile.body(of: buffer, label: "KEYS", magic: magic, version: version)
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
