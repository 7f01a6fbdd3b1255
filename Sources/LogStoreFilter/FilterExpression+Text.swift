import LogStore
import LogStoreIngest

extension FilterExpression: CustomStringConvertible {
    /// Canonical text that parses back to an equal expression (fully parenthesized, strings quoted,
    /// times in RFC 3339).
    public var description: String {
        switch self {
        case .condition(let c): c.description
        case .not(let e): "not (\(e))"
        case .and(let a, let b): "(\(a) and \(b))"
        case .or(let a, let b): "(\(a) or \(b))"
        }
    }
}

extension FilterCondition: CustomStringConvertible {
    public var description: String {
        switch self {
        case .time(let op, let t): "time \(op.rawValue) \(TimestampParser.formatRFC3339(t))"
        case .level(let op, let l): "level \(op.rawValue) \(l.name)"
        case .levelIn(let ls): "level in (\(ls.map(\.name).joined(separator: ", ")))"
        case .text(let f, let op, let s): "\(f.rawValue) \(op.rawValue) \(Self.quote(s))"
        case .textIn(let f, let ss): "\(f.rawValue) in (\(ss.map(Self.quote).joined(separator: ", ")))"
        case .attribute(let k, let op, let v): "attr.\(k) \(op.rawValue) \(Self.literal(v))"
        case .attributeContains(let k, let s): "attr.\(k) ~ \(Self.quote(s))"
        case .attributeIn(let k, let vs): "attr.\(k) in (\(vs.map(Self.literal).joined(separator: ", ")))"
        }
    }

    static func quote(_ s: String) -> String {
        // Scalar by scalar, as the lexer reads (a Character can fuse a quote or backslash with a mark).
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static func literal(_ v: AttributeValue) -> String {
        switch v {
        case .string(let s): quote(s)
        case .int(let i): String(i)
        case .double(let d): "\(d)"
        case .bool(let b): b ? "true" : "false"
        }
    }
}
