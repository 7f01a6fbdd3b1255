import LogStore

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
    private var head: [UInt8] = []
    /// The encoded attributes of the current line.
    private var attributes: [UInt8] = []
    /// Where each attribute of the current line starts in `attributes`.
    private var starts: [Int] = []

    init(rows: consuming EncodedRows) {
        self.rows = rows
        head.reserveCapacity(1024)
        attributes.reserveCapacity(4096)
        starts.reserveCapacity(64)
    }

    mutating func beginLine() {
        head.removeAll(keepingCapacity: true)
        attributes.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
    }

    var attributeCount: Int { starts.count }

    @inline(__always)
    mutating func attributeKey(_ key: UnsafeBufferPointer<UInt8>) {
        starts.append(attributes.count)
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
        guard index < mark, mark < starts.count else { return }
        let from = starts[mark], to = starts[index]
        let moved = Array(attributes[from...])
        attributes.removeSubrange(from...)
        attributes.insert(contentsOf: moved, at: to)
        var reordered = Array(starts[..<index])
        reordered.reserveCapacity(starts.count)
        for k in mark..<starts.count { reordered.append(starts[k] - from + to) }
        for k in index..<mark { reordered.append(starts[k] + moved.count) }
        starts = reordered
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
        head.appendVarint(UInt64(starts.count))
        head.withUnsafeBytes { rows.bytes.raw($0) }
        attributes.withUnsafeBytes { rows.bytes.raw($0) }
        rows.endRow()
    }
}

extension [UInt8] {
    /// Unsigned LEB128, as `ByteWriter.varint`.
    @inline(__always)
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// Eight bytes, little-endian.
    @inline(__always)
    mutating func appendLittleEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// A varint length followed by the bytes (a `string` of docs/FORMAT.md).
    @inline(__always)
    mutating func appendString(_ bytes: UnsafeBufferPointer<UInt8>) {
        appendVarint(UInt64(bytes.count))
        append(contentsOf: bytes)
    }
}
