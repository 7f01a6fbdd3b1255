extension TimestampParser {
    /// How an epoch number's magnitude selects its unit: the nanoseconds per unit and how many
    /// fractional digits of that unit still resolve to whole nanoseconds.
    @inline(__always)
    static func epochUnit(forMagnitude magnitude: UInt64) -> (scale: Int64, fractionDigits: Int) {
        if magnitude < 100_000_000_000 { return (1_000_000_000, 9) }        // seconds
        if magnitude < 100_000_000_000_000 { return (1_000_000, 6) }        // milliseconds
        if magnitude < 100_000_000_000_000_000 { return (1_000, 3) }        // microseconds
        return (1, 0)                                                       // nanoseconds
    }

    /// Converts an integer epoch value to nanoseconds, telling its unit apart by magnitude:
    /// |v| < 1e11 → seconds, < 1e14 → milliseconds, < 1e17 → microseconds, otherwise nanoseconds.
    ///
    /// Exact integer arithmetic throughout; returns nil when the result does not fit in `Int64`.
    public static func epochToNanoseconds(_ value: Int64) -> Int64? {
        let unit = epochUnit(forMagnitude: value.magnitude)
        let (ns, overflow) = value.multipliedReportingOverflow(by: unit.scale)
        return overflow ? nil : ns
    }

    /// Converts a floating-point epoch value to nanoseconds, telling its unit apart by magnitude as
    /// ``epochToNanoseconds(_:)-(Int64)`` does. Fractions of the unit are kept, rounded to the nearest
    /// nanosecond. Returns nil for NaN, infinities and results that do not fit in `Int64`.
    public static func epochToNanoseconds(_ value: Double) -> Int64? {
        guard value.isFinite else { return nil }
        let magnitude = value.magnitude
        let scale: Int64
        if magnitude < 1e11 { scale = 1_000_000_000 } else if magnitude < 1e14 { scale = 1_000_000 }
        else if magnitude < 1e17 { scale = 1_000 } else { scale = 1 }
        let whole = value.rounded(.towardZero)
        // Int64 holds up to 9.22e18; reject anything whose whole part cannot be converted or scaled.
        guard whole.magnitude * Double(scale) < 9.2e18 else { return nil }
        let fractionNanos = Int64(((value - whole) * Double(scale)).rounded())
        let (scaled, overflow1) = Int64(whole).multipliedReportingOverflow(by: scale)
        let (ns, overflow2) = scaled.addingReportingOverflow(fractionNanos)
        return overflow1 || overflow2 ? nil : ns
    }

    /// Parses a numeric epoch (`-?digits(.digits)?([eE][+-]?digits)?`) over `n` bytes at `p`.
    ///
    /// Numbers without an exponent are converted exactly (integer part and fraction digits separately, extra
    /// digits below a nanosecond truncated); numbers with an exponent go through `Double`.
    static func parseNumericEpoch(_ p: UnsafePointer<UInt8>, count n: Int) -> Int64? {
        var i = 0
        let negative = n > 0 && p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        let integerStart = i
        var integer: UInt64 = 0
        var integerOverflow = false
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            guard d <= 9 else { break }
            let (m, o1) = integer.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            integer = a
            integerOverflow = integerOverflow || o1 || o2
            i += 1
        }
        guard i > integerStart else { return nil }
        var fractionStart = i
        var fractionEnd = i
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            fractionStart = i
            while i < n, p[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
            fractionEnd = i
            guard fractionEnd > fractionStart else { return nil }
        }
        if i < n, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            let exponentStart = i
            while i < n, p[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
            guard i > exponentStart, i == n else { return nil }
            let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
            guard let value = Double(text) else { return nil }
            return epochToNanoseconds(value)
        }
        guard i == n, !integerOverflow else { return nil }

        let unit = epochUnit(forMagnitude: integer)
        var fraction: Int64 = 0
        var used = 0
        var k = fractionStart
        while used < unit.fractionDigits {
            fraction *= 10
            if k < fractionEnd {
                fraction += Int64(p[k] &- UInt8(ascii: "0"))
                k += 1
            }
            used += 1
        }
        guard integer <= UInt64(Int64.max) else { return nil }
        let (scaled, overflow1) = Int64(integer).multipliedReportingOverflow(by: unit.scale)
        let (magnitude, overflow2) = scaled.addingReportingOverflow(fraction)
        guard !overflow1, !overflow2 else { return nil }
        return negative ? -magnitude : magnitude
    }
}
