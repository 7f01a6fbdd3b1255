import LogStoreFormat

/// A ``RecordSink`` that builds a `LogRecord` per line and appends it to ``records``.
struct LogRecordSink: RecordSink {
    /// The records of the lines completed so far, in input order.
    var records: [LogRecord]

    private var attributes: [Attribute] = []
    private var pendingKey = ""
    private var timestamp: Int64 = 0
    private var level = LogLevel.info
    private var source = ""
    private var correlationID: String?
    private var message = ""

    init(records: [LogRecord] = []) {
        self.records = records
    }

    @inline(__always)
    private static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    mutating func beginLine() {
        // A fresh array per record: the record keeps it. Typical records carry a handful of attributes.
        attributes = []
        attributes.reserveCapacity(8)
    }

    var attributeCount: Int { attributes.count }

    mutating func attributeKey(_ key: UnsafeBufferPointer<UInt8>) { pendingKey = Self.string(key) }

    mutating func stringValue(_ value: UnsafeBufferPointer<UInt8>) {
        attributes.append(Attribute(pendingKey, .string(Self.string(value))))
    }

    mutating func intValue(_ value: Int64) { attributes.append(Attribute(pendingKey, .int(value))) }

    mutating func doubleValue(_ value: Double) { attributes.append(Attribute(pendingKey, .double(value))) }

    mutating func boolValue(_ value: Bool) { attributes.append(Attribute(pendingKey, .bool(value))) }

    mutating func moveAttributes(from mark: Int, to index: Int) {
        guard index < mark, mark < attributes.count else { return }
        let moved = attributes[mark...]
        attributes.insert(contentsOf: moved, at: index)
        attributes.removeSubrange((attributes.count - moved.count)...)
    }

    mutating func header(timestamp: Int64, level: LogLevel) {
        self.timestamp = timestamp
        self.level = level
    }

    mutating func text(_ field: MappedField, _ bytes: UnsafeBufferPointer<UInt8>) {
        switch field {
        case .source: source = Self.string(bytes)
        case .correlationID: correlationID = bytes.isEmpty ? nil : Self.string(bytes)
        case .message: message = Self.string(bytes)
        case .timestamp, .level: break
        }
    }

    mutating func endLine() {
        records.append(LogRecord(timestamp: timestamp, level: level, source: source, correlationID: correlationID,
                                 message: message, attributes: attributes))
        attributes = []
        source = ""
        correlationID = nil
        message = ""
    }
}
