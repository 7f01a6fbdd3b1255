import LogStore
import LogStoreIngest

/// A field name of the filter language and how values written after it are typed.
enum Field {
    case time
    case level
    case text(TextField)
    case attribute(String)

    init(_ name: String, column: Int) throws(FilterSyntaxError) {
        let lower = name.lowercased()
        switch lower {
        case "time", "timestamp", "ts": self = .time
        case "level", "severity": self = .level
        case "source", "service": self = .text(.source)
        case "correlation", "correlation_id", "trace_id", "id": self = .text(.correlation)
        case "message", "msg": self = .text(.message)
        default:
            for prefix in ["attr.", "attrs.", "attributes."] where lower.hasPrefix(prefix) {
                let key = String(name.dropFirst(prefix.count))
                guard !key.isEmpty else { throw FilterSyntaxError(column: column + prefix.count, "expected an attribute name after '\(prefix)'") }
                self = .attribute(key)
                return
            }
            throw FilterSyntaxError(column: column, "unknown field '\(name)'; fields are time, level, source, correlation, message and attr.KEY (write attr.\(name) for an attribute)")
        }
    }

    var name: String {
        switch self {
        case .time: "time"
        case .level: "level"
        case .text(let f): f.rawValue
        case .attribute(let k): "attr." + k
        }
    }

    func condition(_ op: String, _ v: Value, opColumn: Int, now: Int64) throws(FilterSyntaxError) -> FilterCondition {
        switch self {
        case .time:
            guard let cmp = AttributeFilter.Comparison(rawValue: op) else { throw unsupported(op, opColumn, "=, !=, <, <=, > and >=") }
            return .time(cmp, try Self.time(v, now: now))
        case .level:
            guard let cmp = AttributeFilter.Comparison(rawValue: op) else { throw unsupported(op, opColumn, "=, !=, <, <=, >, >= and in") }
            return .level(cmp, try Self.level(v))
        case .text(let f):
            guard let cmp = TextComparison(rawValue: op) else { throw unsupported(op, opColumn, "=, !=, ~ and in") }
            return .text(f, cmp, v.text)
        case .attribute(let key):
            if op == "~" {
                return .attributeContains(key, v.text)
            }
            guard let cmp = AttributeFilter.Comparison(rawValue: op) else { throw unsupported(op, opColumn, "=, !=, <, <=, >, >=, ~ and in") }
            let value = Self.attributeValue(v)
            if case .string = value, cmp != .equal && cmp != .notEqual, !v.quoted {
                throw FilterSyntaxError(column: v.column, "'\(v.text)' is not a number; quote it to compare text (\(name) \(op) \"\(v.text)\")")
            }
            return .attribute(key, cmp, value)
        }
    }

    func inCondition(_ values: [Value], opColumn: Int) throws(FilterSyntaxError) -> FilterCondition {
        switch self {
        case .time: throw unsupported("in", opColumn, "=, !=, <, <=, > and >=")
        case .level:
            var levels: [LogLevel] = []
            for v in values { levels.append(try Self.level(v)) }
            return .levelIn(levels)
        case .text(let f): return .textIn(f, values.map(\.text))
        case .attribute(let key): return .attributeIn(key, values.map(Self.attributeValue))
        }
    }

    private func unsupported(_ op: String, _ column: Int, _ allowed: String) -> FilterSyntaxError {
        FilterSyntaxError(column: column, "'\(op)' does not apply to \(name); use \(allowed)")
    }

    static func level(_ v: Value) throws(FilterSyntaxError) -> LogLevel {
        guard let l = LogLevel(name: v.text) else {
            throw FilterSyntaxError(column: v.column, "unknown level '\(v.text)'; levels are \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
        }
        return l
    }

    static func time(_ v: Value, now: Int64) throws(FilterSyntaxError) -> Int64 {
        if let d = DurationParser.parse(v.text) { return now &- d }
        if let t = TimestampParser.parseRFC3339(v.text) { return t }
        throw FilterSyntaxError(column: v.column, "'\(v.text)' is neither an RFC 3339 time (2026-11-22T10:00:00Z) nor a duration back from now (90s, 15m, 2h, 7d)")
    }

    /// A quoted value is a string; a bare one is an integer, a finite number, true/false, or else a string.
    static func attributeValue(_ v: Value) -> AttributeValue {
        if v.quoted { return .string(v.text) }
        if let i = Int64(v.text) { return .int(i) }
        if let first = v.text.first, first.isNumber || first == "-" || first == "+" || first == ".",
           let d = Double(v.text), d.isFinite { return .double(d) }
        if v.text == "true" || v.text == "false" { return .bool(v.text == "true") }
        return .string(v.text)
    }
}
