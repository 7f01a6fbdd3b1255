/// Converts scanned JSON number tokens to `Int64` and `Double` without going through `String` on the
/// common path.
enum JSONNumberParsing {
    /// The integer literal at `p[0..<n]` (`-?digits`) if it fits in `Int64`, else nil.
    @inline(__always)
    static func int64(_ p: UnsafePointer<UInt8>, count n: Int) -> Int64? {
        var i = 0
        let negative = p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        let digitCount = n - i
        if digitCount <= 18 {
            // At most 18 digits cannot overflow.
            var value: Int64 = 0
            while i < n {
                value = value &* 10 &+ Int64(p[i] &- UInt8(ascii: "0"))
                i += 1
            }
            return negative ? -value : value
        }
        // Accumulate negatively so that Int64.min is representable.
        var value: Int64 = 0
        while i < n {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(p[i] &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = s
            i += 1
        }
        if negative { return value }
        return value == Int64.min ? nil : -value
    }

    /// Exact powers of ten representable as `Double`.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The correctly rounded `Double` of the JSON number at `p[0..<n]`.
    ///
    /// Uses Clinger's fast path (a significand below 2^53 and a power of ten up to 1e22 are both exact,
    /// so one multiplication or division rounds correctly); anything else goes through the standard library.
    static func double(_ p: UnsafePointer<UInt8>, count n: Int) -> Double {
        var i = 0
        let negative = p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var significand: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var sawNonZero = false
        while i < n, p[i] &- UInt8(ascii: "0") <= 9 {
            let d = p[i] &- UInt8(ascii: "0")
            if d != 0 || sawNonZero {
                sawNonZero = true
                significand = significand &* 10 &+ UInt64(d)
                significantDigits += 1
            }
            i += 1
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, p[i] &- UInt8(ascii: "0") <= 9 {
                let d = p[i] &- UInt8(ascii: "0")
                if d != 0 || sawNonZero {
                    sawNonZero = true
                    significand = significand &* 10 &+ UInt64(d)
                    significantDigits += 1
                }
                exponent -= 1
                i += 1
            }
        }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if p[i] == UInt8(ascii: "+") { i += 1 } else if p[i] == UInt8(ascii: "-") { exponentNegative = true; i += 1 }
            var e = 0
            while i < n, p[i] &- UInt8(ascii: "0") <= 9 {
                if e < 100_000 { e = e * 10 + Int(p[i] &- UInt8(ascii: "0")) }
                i += 1
            }
            exponent += exponentNegative ? -e : e
        }
        if significand == 0 && significantDigits == 0 { return negative ? -0.0 : 0.0 }
        if significantDigits <= 15, significand < (1 << 53), exponent >= -22, exponent <= 22 {
            var value = Double(significand)
            if exponent >= 0 { value *= powersOfTen[exponent] } else { value /= powersOfTen[-exponent] }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        return Double(text) ?? .nan
    }
}
