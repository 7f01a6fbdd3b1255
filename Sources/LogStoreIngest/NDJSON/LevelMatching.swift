import LogStoreFormat

/// Level names and numbers as they appear in JSON input.
enum LevelMatching {
    /// The level named by `p[0..<n]`, matched case-insensitively with the aliases of `LogLevel(name:)`.
    /// Common spellings are matched on the bytes; anything else falls back to `LogLevel(name:)`.
    @inline(__always)
    static func level(_ p: UnsafePointer<UInt8>, count n: Int) -> LogLevel? {
        @inline(__always) func eq(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == n else { return false }
            let q = literal.utf8Start
            // Literals are lowercase letters, so OR-ing 0x20 compares ASCII letters case-insensitively.
            for k in 0..<n where p[k] | 0x20 != q[k] { return false }
            return true
        }
        if eq("info") { return .info }
        if eq("debug") { return .debug }
        if eq("error") { return .error }
        if eq("warn") || eq("warning") { return .warning }
        if eq("trace") { return .trace }
        if eq("notice") { return .notice }
        if eq("critical") || eq("fatal") { return .critical }
        return LogLevel(name: String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
    }

    /// The level of a syslog severity number: 0–2 (emergency, alert, critical) → critical, 3 → error,
    /// 4 → warning, 5 → notice, 6 → info, 7 → debug. Other numbers give nil.
    static func syslogLevel(_ severity: Int64) -> LogLevel? {
        switch severity {
        case 0, 1, 2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        case 7: .debug
        default: nil
        }
    }
}
