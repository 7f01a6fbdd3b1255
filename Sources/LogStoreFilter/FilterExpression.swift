import LogStore

/// A parsed `--where` expression (docs/QUERY.md): conditions joined by `and`, `or` and `not`.
public indirect enum FilterExpression: Sendable, Equatable {
    case condition(FilterCondition)
    case not(FilterExpression)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)

    /// Whether `record` satisfies the expression.
    public func matches(_ record: LogRecord) -> Bool {
        switch self {
        case .condition(let c): c.matches(record)
        case .not(let e): !e.matches(record)
        case .and(let a, let b): a.matches(record) && b.matches(record)
        case .or(let a, let b): a.matches(record) || b.matches(record)
        }
    }

    /// The operands of a chain of `and`s, left to right (the expression itself when it is no `and`).
    public var conjuncts: [FilterExpression] {
        if case .and(let a, let b) = self { return a.conjuncts + b.conjuncts }
        return [self]
    }

    /// The `and` of `parts`, nil when there are none.
    public static func all(_ parts: [FilterExpression]) -> FilterExpression? {
        guard var result = parts.first else { return nil }
        for p in parts.dropFirst() { result = .and(result, p) }
        return result
    }
}

/// A record field compared as text.
public enum TextField: String, Sendable, Equatable {
    case source
    case correlation
    case message

    func value(_ r: LogRecord) -> String {
        switch self {
        case .source: r.source
        case .correlation: r.correlationID ?? ""
        case .message: r.message
        }
    }
}

/// How a text field is compared: equality or substring (`~`).
public enum TextComparison: String, Sendable, Equatable {
    case equal = "="
    case notEqual = "!="
    case contains = "~"
}

/// One comparison of a record field with a value; values are typed when parsed.
public enum FilterCondition: Sendable, Equatable {
    /// `time OP T`, T in nanoseconds since the epoch.
    case time(AttributeFilter.Comparison, Int64)
    /// `level OP L`: levels are ordered trace < debug < info < notice < warning < error < critical.
    case level(AttributeFilter.Comparison, LogLevel)
    /// `level in (…)`.
    case levelIn([LogLevel])
    /// `source|correlation|message =|!=|~ TEXT`. A record without a correlation ID has the ID "".
    case text(TextField, TextComparison, String)
    /// `source|correlation|message in (…)`.
    case textIn(TextField, [String])
    /// `attr.KEY OP VALUE`, with ``AttributeFilter/matches(_:)``'s rules: a missing attribute never matches.
    case attribute(String, AttributeFilter.Comparison, AttributeValue)
    /// `attr.KEY ~ TEXT`: a string attribute containing TEXT.
    case attributeContains(String, String)
    /// `attr.KEY in (…)`: equal to one of the values.
    case attributeIn(String, [AttributeValue])

    /// Whether `r` satisfies the condition.
    public func matches(_ r: LogRecord) -> Bool {
        switch self {
        case .time(let op, let t): return Self.compare(r.timestamp, op, t)
        case .level(let op, let l): return Self.compare(r.level, op, l)
        case .levelIn(let ls): return ls.contains(r.level)
        case .text(let field, let op, let text):
            let v = field.value(r)
            switch op {
            case .equal: return v == text
            case .notEqual: return v != text
            case .contains: return text.isEmpty || v.utf8Contains(text)
            }
        case .textIn(let field, let texts): return texts.contains(field.value(r))
        case .attribute(let key, let op, let value):
            guard let a = r.attributes.first(where: { $0.key == key }) else { return false }
            return AttributeFilter(key, op, value).matches(a.value)
        case .attributeContains(let key, let text):
            guard let a = r.attributes.first(where: { $0.key == key }), case .string(let s) = a.value else { return false }
            return text.isEmpty || s.utf8Contains(text)
        case .attributeIn(let key, let values):
            guard let a = r.attributes.first(where: { $0.key == key }) else { return false }
            return values.contains { AttributeFilter(key, .equal, $0).matches(a.value) }
        }
    }

    static func compare<T: Comparable>(_ a: T, _ op: AttributeFilter.Comparison, _ b: T) -> Bool { op.holds(a, b) }
}

extension String {
    /// Byte-wise substring test (the engine's `messageContains` compares bytes too).
    func utf8Contains(_ needle: String) -> Bool {
        let h = Array(utf8), n = Array(needle.utf8)
        guard !n.isEmpty else { return true }
        guard h.count >= n.count else { return false }
        var i = 0
        while i <= h.count - n.count {
            if h[i] == n[0] && h[i..<(i + n.count)].elementsEqual(n) { return true }
            i += 1
        }
        return false
    }
}
