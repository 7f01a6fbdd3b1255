/// Parses and formats the timestamps found in log input.
///
/// Every result is nanoseconds since the Unix epoch, UTC, as an `Int64` (which spans 1677-09-21 to 2262-04-11).
/// Inputs outside that span, or otherwise invalid, give `nil`. The byte-level entry points never allocate.
public enum TimestampParser {
    static let nanosPerSecond: Int64 = 1_000_000_000

    /// Parses an RFC 3339 timestamp into nanoseconds since the epoch, UTC.
    ///
    /// Accepted: `2026-11-22T20:02:33Z`, 1–9 fractional-second digits (further digits are truncated),
    /// zone offsets `+02:00`, `-0530`, `+02`, lowercase `t`/`z`, a space instead of `T`, and no zone at all
    /// (meaning UTC). Fields are range-checked (leap years included); second 60 is accepted and counts as
    /// the first second of the next minute.
    public static func parseRFC3339(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard let base = bytes.baseAddress else { return nil }
        return parseRFC3339(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    /// Parses an RFC 3339 timestamp held in a `String`; see ``parseRFC3339(_:)-(UnsafeRawBufferPointer)``.
    public static func parseRFC3339(_ string: String) -> Int64? {
        var string = string
        return string.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return nil }
            return parseRFC3339(base, count: utf8.count)
        }
    }

    /// Parses a timestamp string: RFC 3339 first, then a purely numeric epoch (`1732305753`,
    /// `1732305753123`, `1732305753.25`, …) whose unit is told apart by magnitude as in
    /// ``epochToNanoseconds(_:)-(Int64)``.
    public static func parseTimestamp(_ string: String) -> Int64? {
        var string = string
        return string.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return nil }
            return parseTimestamp(base, count: utf8.count)
        }
    }

    /// Byte-level form of ``parseTimestamp(_:)-(String)``.
    public static func parseTimestamp(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard let base = bytes.baseAddress else { return nil }
        return parseTimestamp(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    static func parseTimestamp(_ p: UnsafePointer<UInt8>, count n: Int) -> Int64? {
        if let ns = parseRFC3339(p, count: n) { return ns }
        return parseNumericEpoch(p, count: n)
    }

    /// The RFC 3339 parser proper, over `n` bytes at `p`.
    static func parseRFC3339(_ p: UnsafePointer<UInt8>, count n: Int) -> Int64? {
        guard n >= 19,
              p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
              p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":") else { return nil }
        let separator = p[10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ")
        else { return nil }
        guard let year = digits(p, 0, 4), let month = digits(p, 5, 2), let day = digits(p, 8, 2),
              let hour = digits(p, 11, 2), let minute = digits(p, 14, 2), let second = digits(p, 17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }

        var i = 19
        var fraction: Int64 = 0
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            var used = 0
            while i < n {
                let d = p[i] &- UInt8(ascii: "0")
                guard d <= 9 else { break }
                if used < 9 {
                    fraction = fraction * 10 + Int64(d)
                    used += 1
                }
                i += 1
            }
            guard used > 0 else { return nil }
            for _ in used..<9 { fraction *= 10 }
        }

        var offsetSeconds = 0
        if i < n {
            let c = p[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                guard i + 2 <= n, let offsetHours = digits(p, i, 2), offsetHours <= 23 else { return nil }
                i += 2
                var offsetMinutes = 0
                if i < n {
                    if p[i] == UInt8(ascii: ":") { i += 1 }
                    guard i + 2 <= n, let m = digits(p, i, 2), m <= 59 else { return nil }
                    offsetMinutes = m
                    i += 2
                }
                offsetSeconds = (offsetHours * 60 + offsetMinutes) * 60
                if c == UInt8(ascii: "-") { offsetSeconds = -offsetSeconds }
            } else {
                return nil
            }
        }
        guard i == n else { return nil }

        let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
        var seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        if seconds < 0 && fraction > 0 {
            // Borrow a second so that the earliest representable instants do not overflow on the way.
            seconds += 1
            fraction -= nanosPerSecond
        }
        let (scaled, overflow1) = seconds.multipliedReportingOverflow(by: nanosPerSecond)
        let (total, overflow2) = scaled.addingReportingOverflow(fraction)
        guard !overflow1, !overflow2 else { return nil }
        return total
    }

    /// The decimal value of `count` ASCII digits at `p[start...]`, or nil if any is not a digit.
    @inline(__always)
    private static func digits(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for k in start..<(start + count) {
            let d = p[k] &- UInt8(ascii: "0")
            guard d <= 9 else { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }
}
