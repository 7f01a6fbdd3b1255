import LogStore
import LogStoreFormat

/// A ``RecordSink`` that appends each record to ``rows`` in the row encoding (docs/FORMAT.md, 3.4),
/// byte for byte what `RowCodec.encode` writes for the `LogRecord` that ``LogRecordSink`` would build,
/// without creating a `String` per field or a `LogRecord`.
///
/// Attributes are encoded into a scratch buffer during the pass; the fixed fields, which the parser
/// resolves after the pass, go into a second one; ``endLine()`` copies both into ``rows``.
struct RowSink: RecordSink {
    /// The rows of the lines completed so far, in input order.
    var rows: EncodedRows

    /// `record` up to and including the message (everything before the attribute count).
    private var head = RowBuffer(capacity: 1024)
    /// The encoded attributes of the current line.
    private var attributes = RowBuffer(capacity: 4096)
    private(set) var attributeCount = 0

    /// A sink appending to `rows`. Call ``release()`` when done with it.
    init(rows: consuming EncodedRows) {
        self.rows = rows
    }

    /// Frees the scratch buffers; the sink must not be used afterwards.
    func release() {
        head.deallocate()
        attributes.deallocate()
    }

    mutating func beginLine() {
        head.removeAll()
        attributes.removeAll()
        attributeCount = 0
    }

    @inline(__always)
    mutating func attributeKey(_ key: UnsafeBufferPointer<UInt8>) {
        attributeCount += 1
        attributes.appendString(key)
    }

    @inline(__always)
    mutating func stringValue(_ value: UnsafeBufferPointer<UInt8>) {
        attributes.append(AttributeType.string)
        attributes.appendString(value)
    }

    @inline(__always)
    mutating func intValue(_ value: Int64) {
        attributes.append(AttributeType.int)
        attributes.appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    @inline(__always)
    mutating func doubleValue(_ value: Double) {
        attributes.append(AttributeType.double)
        attributes.appendLittleEndian(value.bitPattern)
    }

    @inline(__always)
    mutating func boolValue(_ value: Bool) {
        attributes.append(AttributeType.bool)
        attributes.append(value ? 1 : 0)
    }

    mutating func moveAttributes(from mark: Int, to index: Int) {
        guard index < mark, mark < attributeCount else { return }
        attributes.rotateTail(from: offset(ofAttribute: mark), to: offset(ofAttribute: index))
    }

    /// Where attribute number `index` starts in `attributes`, found by walking the encodings before it
    /// (only demotions need this, so no offsets are kept).
    private func offset(ofAttribute index: Int) -> Int {
        let p = attributes.base
        var at = 0
        @inline(__always) func skipVarint() -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = p[at]
                at += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        for _ in 0..<index {
            at += Int(skipVarint())                     // key
            let type = p[at]
            at += 1
            switch type {
            case AttributeType.string: at += Int(skipVarint())
            case AttributeType.int: _ = skipVarint()
            case AttributeType.double: at += 8
            default: at += 1                            // bool
            }
        }
        return at
    }

    @inline(__always)
    mutating func header(timestamp: Int64, level: LogLevel) {
        head.appendLittleEndian(UInt64(bitPattern: timestamp))
        head.append(level.rawValue)
    }

    @inline(__always)
    mutating func text(_ field: MappedField, _ bytes: UnsafeBufferPointer<UInt8>) {
        if field == .correlationID {
            // An empty ID is stored as no ID.
            guard !bytes.isEmpty else {
                head.append(0)
                return
            }
            head.append(1)
        }
        head.appendString(bytes)
    }

    mutating func endLine() {
        head.appendVarint(UInt64(attributeCount))
        rows.bytes.raw(head.bytes)
        rows.bytes.raw(attributes.bytes)
        rows.endRow()
    }
}
