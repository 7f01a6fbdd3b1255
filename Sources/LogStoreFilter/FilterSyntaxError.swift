/// A `--where` expression that does not parse: the 1-based column and the reason.
public struct FilterSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based column, in Unicode scalars, where the problem starts (one past the end for "unexpected end").
    public var column: Int
    /// What is wrong, as a sentence fragment.
    public var message: String

    public init(column: Int, _ message: String) {
        self.column = column
        self.message = message
    }

    /// `column N: message`.
    public var description: String { "column \(column): \(message)" }

    /// Three lines for people: `--where:1:COLUMN: message`, the expression, and a caret under the column.
    public func rendered(_ expression: String, label: String = "--where") -> String {
        let line = expression.map { $0 == "\n" || $0 == "\t" ? " " : $0 }
        let pad = String(repeating: " ", count: max(0, column - 1))
        return "\(label):1:\(column): \(message)\n  \(String(line))\n  \(pad)^"
    }
}
