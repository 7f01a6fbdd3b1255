import LogStoreFormat

/// Where ``RecordParser`` delivers the record of one line: the parser decides what the record holds
/// (scanning, key mapping and priority, demotion, flattening, escapes, errors); a sink only decides
/// what the record becomes: a `LogRecord` (``LogRecordSink``) or row bytes (``RowSink``).
///
/// Every byte buffer handed to a sink is valid only during the call and holds validated UTF-8; a sink
/// copies what it keeps. For one line the parser calls, in this order:
///
/// 1. ``beginLine()``;
/// 2. during the pass, for each attribute in input order, ``attributeKey(_:)`` then one value call
///    (``stringValue(_:)``, ``intValue(_:)``, ``doubleValue(_:)`` or ``boolValue(_:)``), and
///    ``moveAttributes(from:to:)`` to put demoted members back at their input position;
/// 3. after the pass, ``header(timestamp:level:)`` and ``text(_:_:)`` for `.source`,
///    `.correlationID` (empty means none) and `.message`, in that order;
/// 4. ``endLine()`` when the line became a record. A line that fails stops anywhere before step 4;
///    the next ``beginLine()`` drops whatever it left.
protocol RecordSink {
    /// Starts a line, dropping anything left by a line that failed.
    mutating func beginLine()

    /// How many attributes the current line has so far.
    var attributeCount: Int { get }

    /// Starts an attribute with the full (flattened, decoded) key.
    mutating func attributeKey(_ key: UnsafeBufferPointer<UInt8>)
    /// Completes the started attribute with a string value.
    mutating func stringValue(_ value: UnsafeBufferPointer<UInt8>)
    /// Completes the started attribute with an integer value.
    mutating func intValue(_ value: Int64)
    /// Completes the started attribute with a double value.
    mutating func doubleValue(_ value: Double)
    /// Completes the started attribute with a boolean value.
    mutating func boolValue(_ value: Bool)

    /// Moves the attributes `mark..<attributeCount` so that they start at index `index` (≤ `mark`),
    /// keeping their order and that of the attributes they move past.
    mutating func moveAttributes(from mark: Int, to index: Int)

    /// The resolved timestamp and level.
    mutating func header(timestamp: Int64, level: LogLevel)
    /// The resolved text of `.source`, `.correlationID` (at most 255 bytes; empty means none) or `.message`.
    mutating func text(_ field: MappedField, _ bytes: UnsafeBufferPointer<UInt8>)

    /// The line became a record.
    mutating func endLine()
}

extension UnsafeBufferPointer<UInt8> {
    /// An empty buffer, for absent text.
    static var empty: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }
}
