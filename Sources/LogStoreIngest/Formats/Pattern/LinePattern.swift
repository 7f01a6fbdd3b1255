/// A user's pattern for lines of their own format (`--pattern`): a regular expression with named
/// captures, and optionally the layout of its timestamp.
///
/// Captures named `timestamp`, `level`, `message`, `source` and `correlation` (or `correlation_id`,
/// `trace_id`, `request_id`) give those fields; every other named capture becomes an attribute
/// (integers and decimal numbers typed as such, everything else a string). Unnamed groups are ignored.
///
/// ```swift
/// var options = LineParserOptions()
/// options.pattern = try LinePattern(#"^(?<timestamp>\S+ \S+) (?<level>\w+) \[(?<thread>[^\]]+)\] (?<message>.*)$"#,
///                                   timestampLayout: "%Y-%m-%d %H:%M:%S")
/// var stream = LineRecordStream(format: .pattern, options: options)
/// ```
public struct LinePattern: @unchecked Sendable {
    // `Regex<AnyRegexOutput>` is immutable after construction; Swift's `Regex` is documented as safe to
    // share between threads but `AnyRegexOutput` does not declare `Sendable` on every toolchain.
    let regex: Regex<AnyRegexOutput>
    /// The pattern as given.
    public let source: String
    /// The layout of the `timestamp` capture; nil reads it as the text format detects timestamps.
    public let timestampLayout: TimestampLayout?

    /// Compiles `pattern`; throws a ``LinePatternError`` saying what is wrong with it (or with the layout).
    public init(_ pattern: String, timestampLayout: String? = nil) throws(LinePatternError) {
        do {
            regex = try Regex(pattern)
        } catch {
            throw LinePatternError("--pattern '\(pattern)' is not a regular expression: \(error)")
        }
        source = pattern
        self.timestampLayout = try timestampLayout.map { layout throws(LinePatternError) in try TimestampLayout(layout) }
        guard !regex_names().isEmpty else {
            throw LinePatternError("--pattern '\(pattern)' has no named capture such as (?<message>.*)")
        }
    }

    private func regex_names() -> [String] {
        // The names are only known from a match's output; compile-time inspection is not public API.
        // Any pattern text containing "(?<" with a name passes; the check is a helpful early error.
        var names: [String] = []
        var rest = source[...]
        while let r = rest.firstRange(of: "(?<") {
            let after = rest[r.upperBound...]
            guard let close = after.firstIndex(of: ">") else { break }
            let name = after[..<close]
            if !name.isEmpty, !name.hasPrefix("="), !name.hasPrefix("!") { names.append(String(name)) }
            rest = after[close...]
        }
        return names
    }
}

/// Why a `--pattern` or `--timestamp-layout` cannot be used.
public struct LinePatternError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
