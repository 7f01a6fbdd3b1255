/// What to read from a store. Every field narrows the result; the default query returns everything
/// in chronological order.
public struct LogQuery: Sendable {
    /// Inclusive lower bound, nanoseconds since the epoch.
    public var since: Int64?
    /// Exclusive upper bound, nanoseconds since the epoch.
    public var until: Int64?
    /// Levels to include; nil for all.
    public var levels: Set<LogLevel>?
    /// Sources to include (any of); empty for all.
    public var sources: [String] = []
    /// Only the records of this correlation ID (an empty string means no filter, as records never store an empty ID).
    public var correlationID: String?
    /// Only records whose message contains this text.
    public var messageContains: String?
    /// Compare ``messageContains`` ignoring case.
    public var caseInsensitive = false
    /// Attribute conditions, all of which must hold.
    public var attributes: [AttributeFilter] = []
    /// At most this many records.
    public var limit: Int?
    /// Chronological (default) or newest first.
    public var order: Order = .ascending
    /// Resume strictly after this record (in the query's order).
    public var after: QueryCursor?

    /// Result order: by `(timestamp, sequence)`, or its reverse.
    public enum Order: Sendable {
        case ascending
        case descending
    }

    /// A query; every parameter defaults to "no condition".
    public init(since: Int64? = nil, until: Int64? = nil, levels: Set<LogLevel>? = nil, sources: [String] = [],
                correlationID: String? = nil, messageContains: String? = nil, caseInsensitive: Bool = false,
                attributes: [AttributeFilter] = [], limit: Int? = nil, order: Order = .ascending,
                after: QueryCursor? = nil) {
        self.since = since
        self.until = until
        self.levels = levels
        self.sources = sources
        self.correlationID = correlationID
        self.messageContains = messageContains
        self.caseInsensitive = caseInsensitive
        self.attributes = attributes
        self.limit = limit
        self.order = order
        self.after = after
    }

    /// Sets ``levels`` to `level` and every more severe level.
    public var minimumLevel: LogLevel? {
        get { levels.flatMap { $0.min() } }
        set { levels = newValue.map { min in Set(LogLevel.allCases.filter { $0 >= min }) } }
    }
}

/// A condition on one attribute.
public struct AttributeFilter: Sendable {
    /// How the attribute is compared with ``value``.
    public enum Comparison: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    /// The attribute name (exact).
    public var key: String
    /// The comparison.
    public var comparison: Comparison
    /// The value compared against.
    public var value: AttributeValue

    /// A condition `key comparison value`, e.g. `AttributeFilter("status", .greaterOrEqual, .int(500))`.
    public init(_ key: String, _ comparison: Comparison, _ value: AttributeValue) {
        self.key = key
        self.comparison = comparison
        self.value = value
    }

    /// Whether `actual` satisfies the condition. Numbers compare numerically across integer and double;
    /// strings compare by bytes; booleans support only equality. A missing attribute never matches.
    public func matches(_ actual: AttributeValue) -> Bool {
        if let a = actual.numericValue, let b = value.numericValue {
            if case .int(let x) = actual, case .int(let y) = value { return compare(x, y) }
            return compare(a, b)
        }
        switch (actual, value) {
        case (.string(let a), .string(let b)): return compare(a, b)
        case (.bool(let a), .bool(let b)):
            switch comparison {
            case .equal: return a == b
            case .notEqual: return a != b
            default: return false
            }
        default: return comparison == .notEqual
        }
    }

    @inline(__always)
    private func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { comparison.holds(a, b) }
}

extension AttributeFilter.Comparison {
    /// Whether `a OP b` holds (the one place the six comparisons are spelled out; the filter language
    /// uses it too).
    @inline(__always)
    package func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        }
    }
}

/// A position in a query's result: the `(timestamp, sequence)` of a record. Its text form is
/// `TIMESTAMP:SEQUENCE` and round-trips through ``init(_:)-(String)``.
public struct QueryCursor: Sendable, Hashable, Comparable, LosslessStringConvertible {
    /// The record's timestamp (ns since the epoch).
    public var timestamp: Int64
    /// The record's sequence number.
    public var sequence: UInt64

    /// The position of the record with this timestamp and sequence.
    public init(timestamp: Int64, sequence: UInt64) {
        self.timestamp = timestamp
        self.sequence = sequence
    }

    /// The cursor of `record`.
    public init(_ record: LogRecord) {
        self.init(timestamp: record.timestamp, sequence: record.sequence)
    }

    /// Parses the text form `TIMESTAMP:SEQUENCE`.
    public init?(_ description: String) {
        let parts = description.split(separator: ":")
        guard parts.count == 2, let t = Int64(parts[0]), let s = UInt64(parts[1]) else { return nil }
        self.init(timestamp: t, sequence: s)
    }

    /// The text form `TIMESTAMP:SEQUENCE`.
    public var description: String { "\(timestamp):\(sequence)" }

    /// Store order: timestamp, then sequence.
    public static func < (a: QueryCursor, b: QueryCursor) -> Bool {
        a.timestamp < b.timestamp || (a.timestamp == b.timestamp && a.sequence < b.sequence)
    }
}
