/// One structured log record.
///
/// A record is what a collector captured: when, how severe, who emitted it, which request or job it
/// belongs to, the message, and typed attributes. The store assigns `sequence` when it accepts the record.
public struct LogRecord: Sendable, Hashable {
    /// Nanoseconds since the Unix epoch, UTC.
    public var timestamp: Int64
    /// Severity.
    public var level: LogLevel
    /// The emitting service or worker (for example `"api-worker"`).
    public var source: String
    /// Ties the records of one request or job together; at most 255 UTF-8 bytes.
    public var correlationID: String?
    /// The human-readable message.
    public var message: String
    /// Ordered key/value attributes (method, path, status, latency, stack traces, …).
    public var attributes: [Attribute]
    /// The store-assigned sequence number: unique, increasing in acceptance order, starting at 1.
    /// Ignored on append; 0 for a record that has not been stored.
    public var sequence: UInt64
    /// Optional: an append drops this record when the store accepted a record with the same key within
    /// its idempotency window (``IdempotencyKey``). Not stored with the record: queries return nil.
    public var idempotencyKey: IdempotencyKey?

    public init(
        timestamp: Int64,
        level: LogLevel,
        source: String,
        correlationID: String? = nil,
        message: String,
        attributes: [Attribute] = [],
        sequence: UInt64 = 0
    ) {
        self.timestamp = timestamp
        self.level = level
        self.source = source
        self.correlationID = correlationID
        self.message = message
        self.attributes = attributes
        self.sequence = sequence
        self.idempotencyKey = nil
    }

    /// A record with an idempotency key: an append drops it when a record with the same key was
    /// accepted within the store's window.
    public init(timestamp: Int64, level: LogLevel, source: String, correlationID: String? = nil, message: String,
                attributes: [Attribute] = [], idempotencyKey: IdempotencyKey?) {
        self.init(timestamp: timestamp, level: level, source: source, correlationID: correlationID, message: message,
                  attributes: attributes)
        self.idempotencyKey = idempotencyKey
    }

    /// The value of the first attribute named `key`, if any.
    public func attribute(_ key: String) -> AttributeValue? {
        attributes.first(where: { $0.key == key })?.value
    }

    /// Field-by-field equality that compares doubles by bit pattern (so NaN equals NaN).
    public func isIdentical(to other: LogRecord) -> Bool {
        guard timestamp == other.timestamp, level == other.level, source == other.source,
              correlationID == other.correlationID, message == other.message, sequence == other.sequence,
              attributes.count == other.attributes.count else { return false }
        for (a, b) in zip(attributes, other.attributes) where a.key != b.key || !a.value.isIdentical(to: b.value) {
            return false
        }
        return true
    }
}

/// Limits every writer enforces and every reader may rely on (docs/FORMAT.md, "Limits").
public enum RecordLimits {
    /// Longest correlation ID in UTF-8 bytes.
    public static let maxCorrelationIDBytes = 255
    /// Default largest encoded record in bytes.
    public static let defaultMaxRecordBytes = 1 << 20
    /// The largest record any writer may accept: a record must fit in one block (16 MiB raw).
    public static let maxRecordBytesCeiling = 8 << 20
}
