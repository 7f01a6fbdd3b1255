/// Why one input line could not become a record.
///
/// `description` reads like `line 42, column 17: expected ':' after object key`.
public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line number in the input.
    public var line: Int
    /// The 1-based byte offset in the line where the problem was found.
    public var column: Int
    /// What is wrong, in words.
    public var reason: String

    public init(line: Int, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}
