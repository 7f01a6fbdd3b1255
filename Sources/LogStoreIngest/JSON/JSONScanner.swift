/// A validating cursor over one line of JSON bytes.
///
/// The scanner finds token boundaries and checks the grammar; it never allocates except to build an
/// error message. Reading past the end yields the sentinel byte 0, which no valid token accepts.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos: Int = 0
    let maxDepth: Int

    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.base = base
        self.end = count
        self.maxDepth = maxDepth
    }

    /// The byte at `pos`, or 0 at the end of the line.
    @inline(__always)
    var current: UInt8 { pos < end ? base[pos] : 0 }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    /// A failure at `offset` (default: the current position) naming what was expected and what was found.
    func failure(_ reason: String, at offset: Int? = nil) -> SyntaxFailure {
        SyntaxFailure(offset: offset ?? pos, reason: reason)
    }

    /// A failure "expected X" that also says what was found instead.
    func unexpected(_ expectation: String) -> SyntaxFailure {
        guard pos < end else { return failure("\(expectation), found end of line") }
        let c = base[pos]
        if c >= 0x20 && c < 0x7F {
            return failure("\(expectation), found '\(Character(Unicode.Scalar(c)))'")
        }
        return failure("\(expectation), found byte 0x\(hex2(c))")
    }

    /// Consumes `byte` or fails with "expected …".
    @inline(__always)
    mutating func expect(_ byte: UInt8, _ expectation: @autoclosure () -> String) throws(SyntaxFailure) {
        guard pos < end, base[pos] == byte else { throw unexpected(expectation()) }
        pos += 1
    }

    // MARK: Strings

    /// Scans the string starting at the opening quote at `pos`; leaves `pos` after the closing quote.
    /// Checks escapes (including surrogate pairing) and rejects unescaped control characters.
    @inline(__always)
    mutating func scanString() throws(SyntaxFailure) -> StringToken {
        let open = pos
        var i = pos + 1
        var hasEscapes = false
        while true {
            // Eight bytes at a time while none is a quote, a backslash or a control character; then
            // straight to the first byte that is.
            while i &+ 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let mask = Self.attentionMask(word)
                if mask != 0 {
                    i &+= mask.trailingZeroBitCount &>> 3
                    break
                }
                i &+= 8
            }
            guard i < end else { throw failure("unterminated string", at: open) }
            let c = base[i]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                hasEscapes = true
                i = try validateEscape(at: i)
                continue
            }
            if c < 0x20 {
                throw failure("control character U+00\(hex2(c)) in string must be escaped", at: i)
            }
            i &+= 1
        }
        pos = i + 1
        return StringToken(start: open + 1, end: i, hasEscapes: hasEscapes)
    }

    /// A mask with the high bit set in bytes of `word` (loaded little-endian) that are `"`, `\` or
    /// below 0x20. Bytes above the first such byte may be flagged falsely (borrows propagate upwards),
    /// but the lowest flagged byte is exact, and the mask is zero exactly when no byte qualifies.
    @inline(__always)
    static func attentionMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl) & highs
    }

    /// Validates the escape sequence whose backslash is at `i`; returns the index just after it.
    private func validateEscape(at i: Int) throws(SyntaxFailure) -> Int {
        guard i + 1 < end else { throw failure("unterminated escape sequence", at: i) }
        switch base[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i + 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: i + 2, escapeAt: i)
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw failure("lone low surrogate \\u\(hex4String(unit)) in string", at: i)
            }
            guard unit >= 0xD800 && unit <= 0xDBFF else { return i + 6 }
            guard i + 7 < end, base[i + 6] == UInt8(ascii: "\\"), base[i + 7] == UInt8(ascii: "u") else {
                throw failure("lone high surrogate \\u\(hex4String(unit)) in string", at: i)
            }
            let low = try hex4(at: i + 8, escapeAt: i + 6)
            guard low >= 0xDC00 && low <= 0xDFFF else {
                throw failure("lone high surrogate \\u\(hex4String(unit)) in string", at: i)
            }
            return i + 12
        default:
            let c = base[i + 1]
            let shown = c >= 0x20 && c < 0x7F ? "\\\(Character(Unicode.Scalar(c)))" : "\\ followed by byte 0x\(hex2(c))"
            throw failure("invalid escape sequence '\(shown)'", at: i)
        }
    }

    /// The value of the four hex digits at `i` (part of the `\u` escape at `escapeAt`).
    func hex4(at i: Int, escapeAt: Int) throws(SyntaxFailure) -> UInt32 {
        guard i + 4 <= end else { throw failure("incomplete \\u escape", at: escapeAt) }
        var value: UInt32 = 0
        for k in i..<(i + 4) {
            let c = base[k]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape: expected four hex digits", at: escapeAt)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    // MARK: Numbers and literals

    /// Scans a number at `pos` following the JSON grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    @inline(__always)
    mutating func scanNumber() throws(SyntaxFailure) -> NumberToken {
        let start = pos
        var i = pos
        if i < end, base[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end, base[i] &- UInt8(ascii: "0") <= 9 else {
            throw failure("invalid number: expected a digit", at: i)
        }
        if base[i] == UInt8(ascii: "0") {
            i += 1
            if i < end, base[i] &- UInt8(ascii: "0") <= 9 {
                throw failure("invalid number: leading zero", at: start)
            }
        } else {
            while i < end, base[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
        }
        var isInteger = true
        if i < end, base[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < end, base[i] &- UInt8(ascii: "0") <= 9 else {
                throw failure("invalid number: expected a digit after '.'", at: i)
            }
            while i < end, base[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
        }
        if i < end, base[i] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            if i < end, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") { i += 1 }
            guard i < end, base[i] &- UInt8(ascii: "0") <= 9 else {
                throw failure("invalid number: expected a digit in the exponent", at: i)
            }
            while i < end, base[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
        }
        pos = i
        return NumberToken(start: start, end: i, isInteger: isInteger)
    }

    /// Consumes the literal `true`, `false` or `null` starting at `pos`.
    mutating func scanLiteral() throws(SyntaxFailure) -> ValueToken {
        @inline(__always) func matches(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard pos + n <= end else { return false }
            let q = literal.utf8Start
            for k in 0..<n where base[pos + k] != q[k] { return false }
            return true
        }
        if matches("true") { pos += 4; return .bool(true) }
        if matches("false") { pos += 5; return .bool(false) }
        if matches("null") { pos += 4; return .null }
        throw unexpected("expected a value")
    }

    // MARK: Whole values

    /// Scans any value at `pos` (which must not be whitespace). `depth` is the nesting depth of the
    /// container holding the value; objects and arrays are validated and returned as spans.
    mutating func scanValue(depth: Int) throws(SyntaxFailure) -> ValueToken {
        switch current {
        case UInt8(ascii: "\""): return .string(try scanString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try scanNumber())
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = pos
            try skipContainer(depth: depth + 1)
            return .compound(start: start, end: pos)
        default: return try scanLiteral()
        }
    }

    /// Fails if a container opening at `pos` would be nested deeper than allowed.
    @inline(__always)
    func checkDepth(_ depth: Int) throws(SyntaxFailure) {
        if depth > maxDepth { throw failure("nesting deeper than \(maxDepth) levels") }
    }

    /// Validates and skips the object or array opening at `pos`, which sits at nesting depth `depth`.
    mutating func skipContainer(depth: Int) throws(SyntaxFailure) {
        try checkDepth(depth)
        let isObject = current == UInt8(ascii: "{")
        pos += 1
        skipWhitespace()
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        if current == close {
            pos += 1
            return
        }
        while true {
            if isObject {
                guard current == UInt8(ascii: "\"") else { throw unexpected("expected a string key") }
                _ = try scanString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "expected ':' after object key")
                skipWhitespace()
            }
            _ = try scanValue(depth: depth)
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                pos += 1
                skipWhitespace()
                continue
            }
            if current == close {
                pos += 1
                return
            }
            throw unexpected(isObject ? "expected ',' or '}' after object member" : "expected ',' or ']' after array element")
        }
    }
}

/// Two uppercase hex digits.
func hex2(_ byte: UInt8) -> String {
    let digits: StaticString = "0123456789ABCDEF"
    let p = digits.utf8Start
    return String(decoding: [p[Int(byte >> 4)], p[Int(byte & 15)]], as: UTF8.self)
}

/// Four uppercase hex digits.
func hex4String(_ value: UInt32) -> String {
    hex2(UInt8(truncatingIfNeeded: value >> 8)) + hex2(UInt8(truncatingIfNeeded: value))
}
