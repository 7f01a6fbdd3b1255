import LogStoreFormat

/// Finds the level of a plain-text log line from the tokens near its start.
///
/// Looks at the words (runs of ASCII letters and digits) of the first 8 space-separated fields within
/// 160 bytes of `start` (the end of the timestamp when there is one):
///
/// - an upper-case or capitalised level word: `ERROR`, `Warn`, `INFO`, `FATAL`, `SEVERE`, …;
/// - a lower-case one only when marked as a level: `[info]`, `<warn>`, `level=error`, `error:`;
/// - Android's single letters `V D I W E F`, either as `E/Tag` or as a lone token after only numbers
///   (`1702  2395 D WindowManager: …`).
///
/// Anything else leaves the level undetected (the record gets `info`).
enum TextLevel {
    static func detect(_ p: UnsafePointer<UInt8>, count n: Int, from start: Int) -> LogLevel? {
        let limit = min(n, start + 160)
        var i = start
        var fields = 0
        var onlyNumbers = true
        var previous: UInt8 = 0x20
        while i < limit {
            let c = p[i]
            guard isWordByte(c) else {
                previous = c
                i += 1
                continue
            }
            if previous == 0x20 || previous == 0x09 || i == start {
                fields += 1
                if fields > 8 { break }
            }
            let begin = i
            var letters = true
            while i < n, isWordByte(p[i]) {
                if p[i] &- 0x30 <= 9 { letters = false }
                i += 1
            }
            let before: UInt8 = begin > 0 ? p[begin - 1] : 0
            let after: UInt8 = i < n ? p[i] : 0
            if letters, let level = word(p + begin, i - begin, before: before, after: after, onlyNumbers: onlyNumbers) {
                return level
            }
            if !(p[begin] &- 0x30 <= 9) { onlyNumbers = false }
            previous = p[i - 1]
        }
        return nil
    }

    @inline(__always)
    static func isWordByte(_ c: UInt8) -> Bool {
        c &- 0x30 <= 9 || (c | 0x20) &- 0x61 <= 25
    }

    static func word(_ p: UnsafePointer<UInt8>, _ n: Int, before: UInt8, after: UInt8, onlyNumbers: Bool) -> LogLevel? {
        if n == 1 {
            guard after == UInt8(ascii: "/") || (onlyNumbers && after == 0x20 && (before == 0x20 || before == 0)) else { return nil }
            switch p[0] {
            case UInt8(ascii: "V"): return .trace
            case UInt8(ascii: "D"): return .debug
            case UInt8(ascii: "I"): return .info
            case UInt8(ascii: "W"): return .warning
            case UInt8(ascii: "E"): return .error
            case UInt8(ascii: "F"): return .critical
            default: return nil
            }
        }
        guard n >= 3, n <= 11 else { return nil }
        let upper = (0..<n).allSatisfy { p[$0] &- 0x41 <= 25 }
        let capitalised = p[0] &- 0x41 <= 25 && (1..<n).allSatisfy { p[$0] &- 0x61 <= 25 }
        let marked = (before == UInt8(ascii: "[") && after == UInt8(ascii: "]"))
            || (before == UInt8(ascii: "<") && after == UInt8(ascii: ">"))
            || before == UInt8(ascii: "=") || after == UInt8(ascii: ":")
        guard upper || capitalised || marked else { return nil }
        guard let level = name(p, n) else { return nil }
        // Short aliases count only in capitals or when marked: "Err" and "Crit" in prose are words.
        if n <= 4, !upper, !marked, level != .info, level != .warning { return nil }
        return level
    }

    /// The level a word names, ignoring case.
    static func name(_ p: UnsafePointer<UInt8>, _ n: Int) -> LogLevel? {
        @inline(__always) func eq(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == n else { return false }
            let q = literal.utf8Start
            for k in 0..<n where p[k] | 0x20 != q[k] { return false }
            return true
        }
        if eq("info") || eq("inf") || eq("information") { return .info }
        if eq("warn") || eq("warning") || eq("wrn") { return .warning }
        if eq("error") || eq("err") { return .error }
        if eq("debug") || eq("dbg") { return .debug }
        if eq("trace") || eq("trc") || eq("verbose") { return .trace }
        if eq("notice") { return .notice }
        if eq("fatal") || eq("critical") || eq("crit") || eq("severe") || eq("panic") || eq("emerg") || eq("alert") {
            return .critical
        }
        return nil
    }
}
