/// A forward-only cursor over the bytes of one line, for the format parsers.
///
/// Every `take` returns a range of offsets into the line and moves past what it took; on a mismatch it
/// returns nil and leaves the cursor where it was. The bytes are valid UTF-8 (the caller checked), and
/// every delimiter looked for is ASCII, so any range it returns cuts the line at character boundaries.
struct ByteCursor {
    let p: UnsafePointer<UInt8>
    let n: Int
    /// The offset of the next byte.
    var i: Int

    init(_ p: UnsafePointer<UInt8>, count n: Int, at i: Int = 0) {
        self.p = p
        self.n = n
        self.i = i
    }

    var atEnd: Bool { i >= n }

    /// The byte at the cursor, 0 at the end.
    var current: UInt8 { i < n ? p[i] : 0 }

    /// The byte `k` ahead of the cursor, 0 past the end.
    func peek(_ k: Int) -> UInt8 { i + k < n ? p[i + k] : 0 }

    /// Moves past `byte` when it is next.
    mutating func expect(_ byte: UInt8) -> Bool {
        guard i < n, p[i] == byte else { return false }
        i += 1
        return true
    }

    /// Moves past `literal` when it comes next.
    mutating func expect(_ literal: StaticString) -> Bool {
        let m = literal.utf8CodeUnitCount
        guard i + m <= n else { return false }
        let q = literal.utf8Start
        for k in 0..<m where p[i + k] != q[k] { return false }
        i += m
        return true
    }

    /// Skips spaces and tabs; returns how many.
    @discardableResult
    mutating func skipSpaces() -> Int {
        let from = i
        while i < n, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
        return i - from
    }

    /// The bytes up to (not including) the next `byte`, leaving the cursor on it; nil when it never comes.
    mutating func take(until byte: UInt8) -> Range<Int>? {
        var j = i
        while j < n, p[j] != byte { j += 1 }
        guard j < n else { return nil }
        defer { i = j }
        return i..<j
    }

    /// The bytes up to the next space or tab or the end (possibly empty).
    mutating func takeToken() -> Range<Int> {
        let from = i
        while i < n, p[i] != 0x20, p[i] != 0x09 { i += 1 }
        return from..<i
    }

    /// A `"`-quoted string whose `\` escapes any byte: the range between the quotes and whether it
    /// holds escapes. The cursor must be on the opening quote; nil when the closing one is missing.
    mutating func takeQuoted() -> (range: Range<Int>, escaped: Bool)? {
        guard current == UInt8(ascii: "\"") else { return nil }
        var j = i + 1
        var escaped = false
        while j < n {
            let c = p[j]
            if c == UInt8(ascii: "\\") { escaped = true; j += 2; continue }
            if c == UInt8(ascii: "\"") {
                defer { i = j + 1 }
                return (i + 1..<j, escaped)
            }
            j += 1
        }
        return nil
    }

    /// A decimal integer (optionally negative) that fits an `Int64`, ending at a non-digit.
    mutating func takeInt() -> Int64? {
        var j = i
        let negative = current == UInt8(ascii: "-")
        if negative { j += 1 }
        let digitsStart = j
        var value: Int64 = 0
        while j < n, p[j] &- 0x30 <= 9 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(p[j] &- 0x30))
            guard !o1, !o2 else { return nil }
            value = a
            j += 1
        }
        guard j > digitsStart else { return nil }
        i = j
        return negative ? -value : value
    }

    /// The rest of the line.
    mutating func takeRest() -> Range<Int> {
        defer { i = n }
        return i..<n
    }

    /// The text of `range`.
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(start: p + range.lowerBound, count: range.count), as: UTF8.self)
    }

    /// The bytes of `range`, valid while the line is.
    @inline(__always)
    func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: p + range.lowerBound, count: range.count)
    }

    /// Whether `byte` occurs in `range`.
    func contains(_ byte: UInt8, in range: Range<Int>) -> Bool {
        for k in range where p[k] == byte { return true }
        return false
    }

    /// The text of a quoted range with its escapes decoded (``unescapedBytes(_:)``).
    func unescaped(_ range: Range<Int>) -> String {
        String(decoding: unescapedBytes(range), as: UTF8.self)
    }

    /// The bytes of a quoted range with its escapes decoded: `\"`, `\\`, `\]` and any other escaped
    /// byte stand for that byte; `\n`, `\t`, `\r` for the control characters; `\xHH` for a byte (kept only
    /// when the result is valid UTF-8, as Apache writes non-printable request bytes: otherwise the
    /// invalid sequences become U+FFFD, as `String(decoding:as:)` does). The result is valid UTF-8.
    func unescapedBytes(_ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var j = range.lowerBound
        var decodedHex = false
        while j < range.upperBound {
            let c = p[j]
            guard c == UInt8(ascii: "\\"), j + 1 < range.upperBound else { out.append(c); j += 1; continue }
            let e = p[j + 1]
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A); j += 2
            case UInt8(ascii: "t"): out.append(0x09); j += 2
            case UInt8(ascii: "r"): out.append(0x0D); j += 2
            case UInt8(ascii: "x") where j + 3 < range.upperBound:
                if let h = Self.hex(p[j + 2]), let l = Self.hex(p[j + 3]) {
                    out.append(h << 4 | l); j += 4
                    decodedHex = true
                } else {
                    out.append(e); j += 2
                }
            default: out.append(e); j += 2
            }
        }
        guard decodedHex else { return out }
        let invalid = out.withUnsafeBufferPointer { b in
            b.baseAddress.map { UTF8Validation.firstInvalidOffset($0, count: b.count) != nil } ?? false
        }
        return invalid ? Array(String(decoding: out, as: UTF8.self).utf8) : out
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - 0x30
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - 0x61 + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - 0x41 + 10
        default: nil
        }
    }

    /// Whether `range` is exactly `-` (a missing field in access and syslog lines).
    func isDash(_ range: Range<Int>) -> Bool { range.count == 1 && p[range.lowerBound] == UInt8(ascii: "-") }

    /// Whether `range` holds only decimal digits (and is not empty).
    func isDigits(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        for k in range where p[k] &- 0x30 > 9 { return false }
        return true
    }

    /// A scanner for the timestamp matchers of the text format, over the same bytes.
    func scan(reference: Int64) -> Scan { Scan(p: p, n: n, reference: reference) }
}
