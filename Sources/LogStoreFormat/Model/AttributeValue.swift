/// The value of one record attribute.
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)

    /// The value as a number, if it is an integer or a double.
    public var numericValue: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let v): v
        case .string, .bool: nil
        }
    }

    public var description: String {
        switch self {
        case .string(let s): s
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .bool(let v): v ? "true" : "false"
        }
    }

    /// Equality that treats doubles by bit pattern, so NaN round-trips compare equal.
    public func isIdentical(to other: AttributeValue) -> Bool {
        switch (self, other) {
        case (.double(let a), .double(let b)): a.bitPattern == b.bitPattern
        default: self == other
        }
    }
}

/// One key/value pair of a record. Attributes keep the order in which they were given.
public struct Attribute: Sendable, Hashable {
    public var key: String
    public var value: AttributeValue

    public init(_ key: String, _ value: AttributeValue) {
        self.key = key
        self.value = value
    }
}
