/// A JSON string in the line: the bytes between its quotes, `start..<end`, and whether any escape occurs.
struct StringToken {
    var start: Int
    var end: Int
    var hasEscapes: Bool
}

/// A JSON number in the line, `start..<end`; `isInteger` when it has neither fraction nor exponent.
struct NumberToken {
    var start: Int
    var end: Int
    var isInteger: Bool
}

/// A scanned (validated but not yet converted) JSON value.
enum ValueToken {
    case string(StringToken)
    case number(NumberToken)
    case bool(Bool)
    case null
    /// An object or array spanning `start..<end`.
    case compound(start: Int, end: Int)
}
