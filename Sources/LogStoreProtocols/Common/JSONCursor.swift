/// Thrown by ``JSONCursor`` (and the readers built on it) at anything its fast path does not handle:
/// a syntax error, invalid UTF-8, an escape in a member name, nesting too deep. The caller then reads
/// the body with ``JSONTreeParser``, which gives the answer (or the error, naming the byte) for every input.
struct JSONFastPathDeclined: Error {}

/// A string token of the body: its bytes when it has no escape (validated UTF-8), else its decoded text.
enum JSONStringToken {
    case raw(Range<Int>)
    case decoded(String)
}

/// A forward reader over a JSON body that validates as it goes (the grammar, UTF-8 in strings, the
/// nesting limit of ``JSONTreeParser``) without building values; for single-pass readers that write
/// what they read straight into rows.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    /// The nesting limit of ``JSONTreeParser/parse(_:maxDepth:)``'s default.
    static let maxDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var current: UInt8 { pos < bytes.count ? bytes[pos] : 0 }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < bytes.count {
            let c = bytes[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    /// Skips whitespace and expects `c`, consuming it.
    @inline(__always)
    mutating func expect(_ c: UInt8) throws(JSONFastPathDeclined) {
        skipWhitespace()
        guard current == c else { throw JSONFastPathDeclined() }
        pos += 1
    }

    /// After whitespace: true (consuming it) when the next byte is `c`.
    @inline(__always)
    mutating func consume(_ c: UInt8) -> Bool {
        skipWhitespace()
        if current == c { pos += 1; return true }
        return false
    }

    /// Walks the members of the object at `pos` (at depth `depth`); `member` is called with the
    /// member name's bytes (no escapes) and the cursor on the value, and must consume the value.
    mutating func object(depth: Int, _ member: (inout JSONCursor, UnsafeBufferPointer<UInt8>) throws(JSONFastPathDeclined) -> Void) throws(JSONFastPathDeclined) {
        guard depth <= Self.maxDepth else { throw JSONFastPathDeclined() }
        try expect(UInt8(ascii: "{"))
        if consume(UInt8(ascii: "}")) { return }
        while true {
            skipWhitespace()
            let key = try name()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"): pos += 1; return
            default: throw JSONFastPathDeclined()
            }
        }
    }

    /// Walks the elements of the array at `pos` (at depth `depth`); `element` gets the cursor on each
    /// element and must consume it.
    mutating func array(depth: Int, _ element: (inout JSONCursor) throws(JSONFastPathDeclined) -> Void) throws(JSONFastPathDeclined) {
        guard depth <= Self.maxDepth else { throw JSONFastPathDeclined() }
        try expect(UInt8(ascii: "["))
        if consume(UInt8(ascii: "]")) { return }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): pos += 1; return
            default: throw JSONFastPathDeclined()
            }
        }
    }

    /// A member name without escapes.
    mutating func name() throws(JSONFastPathDeclined) -> UnsafeBufferPointer<UInt8> {
        guard case .raw(let range) = try string() else { throw JSONFastPathDeclined() }
        return UnsafeBufferPointer(rebasing: bytes[range])
    }

    /// The string token at `pos`.
    mutating func string() throws(JSONFastPathDeclined) -> JSONStringToken {
        guard current == UInt8(ascii: "\"") else { throw JSONFastPathDeclined() }
        let open = pos
        var scan = pos + 1
        var ascii = true
        // Eight bytes at a time while none of them ends the plain run (a quote, a backslash, a control
        // character); a byte ≥ 0x80 only means the run is checked as UTF-8 at the end.
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while scan + 8 <= bytes.count {
                let x = raw.loadUnaligned(fromByteOffset: scan, as: UInt64.self)
                if Self.endsPlainRun(x) { break }
                if x & Self.highBits != 0 { ascii = false }
                scan += 8
            }
        }
        while scan < bytes.count {
            let c = bytes[scan]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
            if c >= 0x80 { ascii = false }
            scan += 1
        }
        guard scan < bytes.count else { throw JSONFastPathDeclined() }
        if bytes[scan] == UInt8(ascii: "\"") {
            let range = (open + 1)..<scan
            if !ascii, String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) == nil {
                throw JSONFastPathDeclined()
            }
            pos = scan + 1
            return .raw(range)
        }
        // An escape (or a control character, which the tree parser refuses): find the closing quote and
        // let the tree parser decode and check the token.
        while scan < bytes.count, bytes[scan] != UInt8(ascii: "\"") {
            scan += bytes[scan] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard scan < bytes.count else { throw JSONFastPathDeclined() }
        pos = scan + 1
        guard case .string(let text)? = try? JSONTreeParser.parse(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[open..<pos]))) else {
            throw JSONFastPathDeclined()
        }
        return .decoded(text)
    }

    static let lowBits: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// True when one of the eight bytes of `x` is a quote, a backslash or below 0x20 (exact: the
    /// borrows of the subtractions can only set high bits above a byte that matched).
    @inline(__always)
    static func endsPlainRun(_ x: UInt64) -> Bool {
        @inline(__always) func hasLess(_ v: UInt64, _ n: UInt64) -> UInt64 { (v &- lowBits &* n) & ~v & highBits }
        let quote = x ^ (lowBits &* 0x22), backslash = x ^ (lowBits &* 0x5C)
        return (hasLess(quote, 1) | hasLess(backslash, 1) | hasLess(x, 0x20)) != 0
    }

    /// The number token at `pos`, as written.
    mutating func number() throws(JSONFastPathDeclined) -> Range<Int> {
        let start = pos
        @inline(__always) func digits() -> Int {
            let s = pos
            while pos < bytes.count, bytes[pos] >= 0x30, bytes[pos] <= 0x39 { pos += 1 }
            return pos - s
        }
        if current == UInt8(ascii: "-") { pos += 1 }
        if current == UInt8(ascii: "0") { pos += 1 } else if digits() == 0 { throw JSONFastPathDeclined() }
        if current == UInt8(ascii: ".") {
            pos += 1
            guard digits() > 0 else { throw JSONFastPathDeclined() }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            pos += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { pos += 1 }
            guard digits() > 0 else { throw JSONFastPathDeclined() }
        }
        return start..<pos
    }

    /// `true`, `false` or `null` at `pos`, consumed; nil (consuming nothing) when another value is there.
    mutating func literal() throws(JSONFastPathDeclined) -> JSONValue? {
        func word(_ w: StaticString, _ value: JSONValue) throws(JSONFastPathDeclined) -> JSONValue {
            let n = w.utf8CodeUnitCount
            guard pos + n <= bytes.count else { throw JSONFastPathDeclined() }
            for i in 0..<n where bytes[pos + i] != w.utf8Start[i] { throw JSONFastPathDeclined() }
            pos += n
            return value
        }
        switch current {
        case UInt8(ascii: "t"): return try word("true", .bool(true))
        case UInt8(ascii: "f"): return try word("false", .bool(false))
        case UInt8(ascii: "n"): return try word("null", .null)
        default: return nil
        }
    }

    /// True (consuming it) when the value at `pos` is `null`.
    mutating func null() throws(JSONFastPathDeclined) -> Bool {
        guard current == UInt8(ascii: "n") else { return false }
        _ = try literal()
        return true
    }

    /// Skips the value at `pos` (at depth `depth`), validating it.
    mutating func skipValue(depth: Int) throws(JSONFastPathDeclined) {
        switch current {
        case UInt8(ascii: "{"): try object(depth: depth) { (c, _) throws(JSONFastPathDeclined) in try c.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try array(depth: depth) { (c) throws(JSONFastPathDeclined) in try c.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number()
        default: guard try literal() != nil else { throw JSONFastPathDeclined() }
        }
    }

    /// Skips the value at `pos` (at depth `depth`) and parses it as a tree, as ``JSONTreeParser`` would
    /// have inside the whole body: for the rare values a fast reader leaves to the general code.
    mutating func tree(depth: Int) throws(JSONFastPathDeclined) -> JSONValue {
        let start = pos
        try skipValue(depth: depth)
        guard let value = try? JSONTreeParser.parse(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<pos])),
                                                    maxDepth: Self.maxDepth - depth + 1) else {
            throw JSONFastPathDeclined()
        }
        return value
    }

    /// The text of a string token.
    func text(_ token: JSONStringToken) -> String {
        switch token {
        case .raw(let range): String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .decoded(let s): s
        }
    }

    /// The text of the bytes in `range` (a number token).
    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// True when the bytes equal the ASCII of `s`.
    @inline(__always)
    func equals(_ s: StaticString) -> Bool {
        guard count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for i in 0..<count where self[i] != p[i] { return false }
        return true
    }
}
