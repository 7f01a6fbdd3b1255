/// The row encoding of one record (docs/FORMAT.md, 3.4), used inside WAL frames.
public enum RowCodec {
    /// Appends the row encoding of `record` (its sequence number is not part of the row).
    @inline(__always)
    public static func encode(_ record: LogRecord, into w: inout ByteWriter) {
        w.i64(record.timestamp)
        w.u8(record.level.rawValue)
        w.string(record.source)
        if let id = record.correlationID, !id.isEmpty {
            w.u8(1)
            w.string(id)
        } else {
            w.u8(0)
        }
        w.string(record.message)
        w.varint(record.attributes.count)
        for a in record.attributes {
            w.string(a.key)
            encodeValue(a.value, into: &w)
        }
    }

    @inline(__always)
    package static func encodeValue(_ v: AttributeValue, into w: inout ByteWriter) {
        switch v {
        case .string(let s):
            w.u8(AttributeType.string)
            w.string(s)
        case .int(let i):
            w.u8(AttributeType.int)
            w.zigzag(i)
        case .double(let d):
            w.u8(AttributeType.double)
            w.u64(d.bitPattern)
        case .bool(let b):
            w.u8(AttributeType.bool)
            w.u8(b ? 1 : 0)
        }
    }

    /// Decodes one row at the reader's position.
    public static func decode(_ r: inout ByteReader, sequence: UInt64) throws(FormatError) -> LogRecord {
        let ts = try r.i64("timestamp")
        let levelOffset = r.offset
        guard let level = LogLevel(rawValue: try r.u8("level")) else {
            throw FormatError("unknown level byte \(r.buffer[levelOffset])", at: levelOffset)
        }
        let source = try r.string("source")
        let flagOffset = r.offset
        let hasID = try r.u8("correlation flag")
        var id: String?
        switch hasID {
        case 0: id = nil
        case 1:
            let idOffset = r.offset
            let s = try r.string("correlation ID")
            guard !s.isEmpty else { throw FormatError("empty correlation ID (an empty ID is stored as no ID)", at: idOffset) }
            guard s.utf8.count <= RecordLimits.maxCorrelationIDBytes else {
                throw FormatError("correlation ID longer than \(RecordLimits.maxCorrelationIDBytes) bytes", at: idOffset)
            }
            id = s
        default: throw FormatError("correlation flag is \(hasID), expected 0 or 1", at: flagOffset)
        }
        let message = try r.string("message")
        // Each attribute takes at least 3 bytes (empty key, type, smallest value).
        let n = try r.count("attribute count", max: r.remaining / 3)
        var attrs: [Attribute] = []
        attrs.reserveCapacity(n)
        for _ in 0..<n {
            let key = try r.string("attribute key")
            attrs.append(Attribute(key, try decodeValue(&r)))
        }
        return LogRecord(timestamp: ts, level: level, source: source, correlationID: id,
                         message: message, attributes: attrs, sequence: sequence)
    }

    @inline(__always)
    static func decodeValue(_ r: inout ByteReader) throws(FormatError) -> AttributeValue {
        let typeOffset = r.offset
        switch try r.u8("attribute type") {
        case AttributeType.string: return .string(try r.string("attribute value"))
        case AttributeType.int: return .int(try r.zigzag("integer attribute"))
        case AttributeType.double: return .double(Double(bitPattern: try r.u64("double attribute")))
        case AttributeType.bool:
            let off = r.offset
            let b = try r.u8("bool attribute")
            guard b <= 1 else { throw FormatError("bool attribute is \(b), expected 0 or 1", at: off) }
            return .bool(b == 1)
        case let t: throw FormatError("unknown attribute type \(t)", at: typeOffset)
        }
    }
}

/// Attribute type bytes (docs/FORMAT.md, 3.2).
public enum AttributeType {
    public static let string: UInt8 = 0
    public static let int: UInt8 = 1
    public static let double: UInt8 = 2
    public static let bool: UInt8 = 3
}
