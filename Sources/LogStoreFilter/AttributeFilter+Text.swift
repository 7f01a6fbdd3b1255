import LogStore

extension AttributeFilter {
    /// Reads the `--attr` / `attr=` shorthand shared by the CLI and the HTTP API: `KEY=VALUE`,
    /// `KEY!=VALUE`, `KEY>N`, `KEY>=N`, `KEY<N`, `KEY<=N`. The value is an integer, a double, `true` or
    /// `false` when it reads as one, else a string. Nil when `text` is none of these (an empty key, or an
    /// ordering comparison with nothing to compare with); callers name the place in their own error.
    public init?(shorthand text: String) {
        for op in ["!=", ">=", "<=", "=", ">", "<"] {
            guard let r = text.firstRange(of: op) else { continue }
            let key = String(text[..<r.lowerBound])
            let raw = String(text[r.upperBound...])
            guard !key.isEmpty else { return nil }
            let comparison = AttributeFilter.Comparison(rawValue: op) ?? .equal
            let value: AttributeValue
            if let i = Int64(raw) { value = .int(i) }
            else if let d = Double(raw) { value = .double(d) }
            else if raw == "true" || raw == "false" { value = .bool(raw == "true") }
            else {
                guard comparison == .equal || comparison == .notEqual || !raw.isEmpty else { return nil }
                value = .string(raw)
            }
            self.init(key, comparison, value)
            return
        }
        return nil
    }
}
