/// Parses human-written durations such as `90s`, `15m`, `1h30m`, `1.5h`, `500ms` or `7d` into nanoseconds.
public enum DurationParser {
    /// Parses a duration into nanoseconds.
    ///
    /// The input is one or more `number unit` terms with no separators; the terms are summed (`1h30m`).
    /// A number is digits with an optional fraction (`1.5`). Units: `ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`,
    /// `d` (24 h) and `w` (7 d). Fractions below a nanosecond are truncated.
    ///
    /// Returns nil for an empty string, a sign, whitespace, a missing or unknown unit, or a total that does
    /// not fit in `Int64`.
    public static func parse(_ string: String) -> Int64? {
        var string = string
        return string.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, !utf8.isEmpty else { return nil }
            return parse(base, count: utf8.count)
        }
    }

    private static func parse(_ p: UnsafePointer<UInt8>, count n: Int) -> Int64? {
        var total: Int64 = 0
        var i = 0
        while i < n {
            // Integer part.
            let integerStart = i
            var integer: Int64 = 0
            while i < n, p[i] &- UInt8(ascii: "0") <= 9 {
                let (m, o1) = integer.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(p[i] &- UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                integer = a
                i += 1
            }
            guard i > integerStart else { return nil }
            // Optional fraction: keep up to 18 digits as numerator / 10^digits.
            var fraction: Int64 = 0
            var fractionDigits = 0
            if i < n, p[i] == UInt8(ascii: ".") {
                i += 1
                let fractionStart = i
                while i < n, p[i] &- UInt8(ascii: "0") <= 9 {
                    if fractionDigits < 18 {
                        fraction = fraction * 10 + Int64(p[i] &- UInt8(ascii: "0"))
                        fractionDigits += 1
                    }
                    i += 1
                }
                guard i > fractionStart else { return nil }
            }
            // Unit: the run of bytes up to the next digit.
            let unitStart = i
            while i < n, p[i] &- UInt8(ascii: "0") > 9, p[i] != UInt8(ascii: ".") { i += 1 }
            guard let unit = unitNanoseconds(p + unitStart, count: i - unitStart) else { return nil }

            let (whole, o1) = integer.multipliedReportingOverflow(by: unit)
            guard !o1 else { return nil }
            var term = whole
            if fractionDigits > 0 {
                var divisor: Int64 = 1
                for _ in 0..<fractionDigits { divisor *= 10 }
                // fraction * unit can exceed 64 bits; divide the full-width product.
                let product = fraction.multipliedFullWidth(by: unit)
                let (quotient, _) = divisor.dividingFullWidth(product)
                let (sum, o2) = term.addingReportingOverflow(quotient)
                guard !o2 else { return nil }
                term = sum
            }
            let (sum, o3) = total.addingReportingOverflow(term)
            guard !o3 else { return nil }
            total = sum
        }
        return total
    }

    /// Nanoseconds per unit for the unit spelled by `n` bytes at `p`, or nil if unknown.
    private static func unitNanoseconds(_ p: UnsafePointer<UInt8>, count n: Int) -> Int64? {
        switch n {
        case 1:
            switch p[0] {
            case UInt8(ascii: "s"): return 1_000_000_000
            case UInt8(ascii: "m"): return 60_000_000_000
            case UInt8(ascii: "h"): return 3_600_000_000_000
            case UInt8(ascii: "d"): return 86_400_000_000_000
            case UInt8(ascii: "w"): return 604_800_000_000_000
            default: return nil
            }
        case 2:
            guard p[1] == UInt8(ascii: "s") else { return nil }
            switch p[0] {
            case UInt8(ascii: "n"): return 1
            case UInt8(ascii: "u"): return 1_000
            case UInt8(ascii: "m"): return 1_000_000
            default: return nil
            }
        case 3:
            // "µs" (U+00B5 MICRO SIGN) or "μs" (U+03BC GREEK SMALL LETTER MU).
            guard p[2] == UInt8(ascii: "s") else { return nil }
            if p[0] == 0xC2 && p[1] == 0xB5 { return 1_000 }
            if p[0] == 0xCE && p[1] == 0xBC { return 1_000 }
            return nil
        default:
            return nil
        }
    }
}
