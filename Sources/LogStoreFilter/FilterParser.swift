import LogStore
import LogStoreIngest

/// Parses the filter language of docs/QUERY.md:
///
///     expr       := term ("or" term)*
///     term       := factor ("and" factor)*
///     factor     := "not" factor | "(" expr ")" | condition
///     condition  := FIELD OP VALUE | FIELD ["not"] "in" "(" VALUE ("," VALUE)* ")"
///     FIELD      := time | level | source | correlation | message | attr.KEY
///     OP         := = | != | < | <= | > | >= | ~
///
/// Values are typed by their field when parsed, so a bad level or time is reported at its column.
public struct FilterParser {
    /// Deepest nesting of parentheses and `not` accepted (bounds the parser's recursion).
    public static let maxDepth = 64

    /// Current time in nanoseconds since the epoch, for durations: `time >= 15m` means the last 15 minutes.
    public var now: Int64

    public init(now: Int64) { self.now = now }

    /// Parses `text`, or throws a ``FilterSyntaxError`` with the column of the problem.
    public func parse(_ text: String) throws(FilterSyntaxError) -> FilterExpression {
        var state = State(tokens: try FilterLexer.tokens(text), now: now)
        if case .end = state.peek.kind { throw FilterSyntaxError(column: 1, "empty expression; write a condition such as level >= warning") }
        let e = try state.expression(depth: 0)
        if case .end = state.peek.kind { return e }
        let t = state.peek
        if case .close = t.kind { throw FilterSyntaxError(column: t.column, "')' without a matching '('") }
        throw FilterSyntaxError(column: t.column, "expected 'and', 'or' or the end after a complete condition, found \(State.describe(t))")
    }
}

private struct State {
    var tokens: [FilterToken]
    var position = 0
    let now: Int64

    init(tokens: [FilterToken], now: Int64) {
        self.tokens = tokens
        self.now = now
    }

    var peek: FilterToken { tokens[min(position, tokens.count - 1)] }
    mutating func advance() -> FilterToken { let t = peek; position += 1; return t }

    func isKeyword(_ t: FilterToken, _ k: String) -> Bool {
        if case .word(let w) = t.kind { return w.lowercased() == k }
        return false
    }

    static func describe(_ t: FilterToken) -> String {
        switch t.kind {
        case .open: "'('"
        case .close: "')'"
        case .comma: "','"
        case .op(let o): "'\(o)'"
        case .string(let s): "the string \"\(s)\""
        case .word(let w): "'\(w)'"
        case .end: "the end of the expression"
        }
    }

    mutating func expression(depth: Int) throws(FilterSyntaxError) -> FilterExpression {
        var e = try term(depth: depth)
        while isKeyword(peek, "or") {
            _ = advance()
            e = .or(e, try term(depth: depth))
        }
        return e
    }

    mutating func term(depth: Int) throws(FilterSyntaxError) -> FilterExpression {
        var e = try factor(depth: depth)
        while isKeyword(peek, "and") {
            _ = advance()
            e = .and(e, try factor(depth: depth))
        }
        return e
    }

    mutating func factor(depth: Int) throws(FilterSyntaxError) -> FilterExpression {
        let t = peek
        guard depth < FilterParser.maxDepth else {
            throw FilterSyntaxError(column: t.column, "nested more than \(FilterParser.maxDepth) levels deep")
        }
        if isKeyword(t, "not") {
            _ = advance()
            return .not(try factor(depth: depth + 1))
        }
        if case .open = t.kind {
            _ = advance()
            let e = try expression(depth: depth + 1)
            guard case .close = peek.kind else {
                throw FilterSyntaxError(column: peek.column, "expected ')' to close the '(' at column \(t.column), found \(Self.describe(peek))")
            }
            _ = advance()
            return e
        }
        return try condition()
    }

    mutating func condition() throws(FilterSyntaxError) -> FilterExpression {
        let t = advance()
        guard case .word(let name) = t.kind, !["and", "or", "in"].contains(name.lowercased()) else {
            throw FilterSyntaxError(column: t.column, "expected a field (time, level, source, correlation, message or attr.KEY), found \(Self.describe(t))")
        }
        let field = try Field(name, column: t.column)
        let opToken = advance()
        var negated = false
        var opText: String
        switch opToken.kind {
        case .op(let o): opText = o
        case .word(let w) where w.lowercased() == "in": opText = "in"
        case .word(let w) where w.lowercased() == "not" && isKeyword(peek, "in"):
            _ = advance()
            negated = true
            opText = "in"
        default:
            throw FilterSyntaxError(column: opToken.column, "expected an operator (=, !=, <, <=, >, >=, ~ or in) after '\(name)', found \(Self.describe(opToken))")
        }
        if opText == "in" {
            let values = try list()
            let c = FilterExpression.condition(try field.inCondition(values, opColumn: opToken.column))
            return negated ? .not(c) : c
        }
        let v = advance()
        let value: Value
        switch v.kind {
        case .string(let s): value = Value(text: s, quoted: true, column: v.column)
        case .word(let w) where !["and", "or", "not", "in"].contains(w.lowercased()): value = Value(text: w, quoted: false, column: v.column)
        default: throw FilterSyntaxError(column: v.column, "expected a value after '\(opText)', found \(Self.describe(v))")
        }
        return .condition(try field.condition(opText, value, opColumn: opToken.column, now: now))
    }

    mutating func list() throws(FilterSyntaxError) -> [Value] {
        let open = advance()
        guard case .open = open.kind else { throw FilterSyntaxError(column: open.column, "expected '(' after 'in', found \(Self.describe(open))") }
        var values: [Value] = []
        while true {
            let v = advance()
            switch v.kind {
            case .string(let s): values.append(Value(text: s, quoted: true, column: v.column))
            case .word(let w): values.append(Value(text: w, quoted: false, column: v.column))
            default: throw FilterSyntaxError(column: v.column, "expected a value in the list, found \(Self.describe(v))")
            }
            let sep = advance()
            if case .close = sep.kind { return values }
            guard case .comma = sep.kind else {
                throw FilterSyntaxError(column: sep.column, "expected ',' or ')' in the list opened at column \(open.column), found \(Self.describe(sep))")
            }
        }
    }
}

/// A value as written, typed later by its field.
struct Value {
    var text: String
    var quoted: Bool
    var column: Int
}
