/// Parses a whole JSON document into a ``JSONValue``, validating UTF-8, the grammar and a nesting limit.
/// Errors name the byte offset.
struct JSONTreeParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0
    private let maxDepth: Int

    /// Parses `bytes` as one JSON document (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(ProtocolDecodeError) -> JSONValue {
        var parser = JSONTreeParser(bytes: bytes.bindMemory(to: UInt8.self), maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 1)
        parser.skipWhitespace()
        guard parser.pos == parser.bytes.count else { throw parser.failure("unexpected bytes after the JSON value") }
        return value
    }

    static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(ProtocolDecodeError) -> JSONValue {
        var result: Result<JSONValue, ProtocolDecodeError> = .success(.null)
        bytes.withUnsafeBytes { raw in
            do throws(ProtocolDecodeError) { result = .success(try parse(raw, maxDepth: maxDepth)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private var current: UInt8 { pos < bytes.count ? bytes[pos] : 0 }

    private func failure(_ reason: String, at offset: Int? = nil) -> ProtocolDecodeError {
        ProtocolDecodeError(place: "byte \(offset ?? pos)", reason: reason)
    }

    private func unexpected(_ expectation: String) -> ProtocolDecodeError {
        guard pos < bytes.count else { return failure("\(expectation), found the end of the body") }
        let c = bytes[pos]
        if c >= 0x20 && c < 0x7F { return failure("\(expectation), found '\(Character(Unicode.Scalar(c)))'") }
        return failure("\(expectation), found byte 0x\(String(c, radix: 16))")
    }

    private mutating func skipWhitespace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 {
            pos += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(ProtocolDecodeError) -> JSONValue {
        switch current {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: throw unexpected("expected a JSON value")
        }
    }

    private mutating func literal(_ word: String) throws(ProtocolDecodeError) {
        for c in word.utf8 {
            guard current == c else { throw failure("expected \(word)") }
            pos += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(ProtocolDecodeError) -> JSONValue {
        guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth) levels") }
        pos += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { pos += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw unexpected("expected a member name in quotes") }
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw unexpected("expected ':' after a member name") }
            pos += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"): pos += 1; return .object(members)
            default: throw unexpected("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(ProtocolDecodeError) -> JSONValue {
        guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth) levels") }
        pos += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { pos += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): pos += 1; return .array(elements)
            default: throw unexpected("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func parseNumber() throws(ProtocolDecodeError) -> String {
        let start = pos
        if current == UInt8(ascii: "-") { pos += 1 }
        func digits(_ p: inout Int, _ b: UnsafeBufferPointer<UInt8>) -> Int {
            let s = p
            while p < b.count, b[p] >= 0x30, b[p] <= 0x39 { p += 1 }
            return p - s
        }
        if current == UInt8(ascii: "0") { pos += 1 } else if digits(&pos, bytes) == 0 { throw unexpected("expected a digit") }
        if current == UInt8(ascii: ".") {
            pos += 1
            guard digits(&pos, bytes) > 0 else { throw unexpected("expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            pos += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { pos += 1 }
            guard digits(&pos, bytes) > 0 else { throw unexpected("expected a digit in the exponent") }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
    }

    private mutating func parseString() throws(ProtocolDecodeError) -> String {
        let open = pos
        pos += 1
        // Fast path: no escape before the closing quote; the string is made straight from the bytes.
        var scan = pos
        while scan < bytes.count, bytes[scan] != UInt8(ascii: "\""), bytes[scan] != UInt8(ascii: "\\"), bytes[scan] >= 0x20 {
            scan += 1
        }
        if scan < bytes.count, bytes[scan] == UInt8(ascii: "\"") {
            guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[pos..<scan]), as: UTF8.self) else {
                throw failure("invalid UTF-8 in the string", at: open)
            }
            pos = scan + 1
            return text
        }
        var out: [UInt8] = []
        var runStart = pos
        while true {
            guard pos < bytes.count else { throw failure("unterminated string", at: open) }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw failure("control character 0x\(String(c, radix: 16)) in a string; escape it") }
            if c != UInt8(ascii: "\\") { pos += 1; continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<pos]))
            pos += 1
            switch current {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"): try appendUnicodeEscape(to: &out); pos -= 1
            default: throw unexpected("invalid escape")
            }
            pos += 1
            runStart = pos
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<pos]))
        pos += 1
        guard let text = String(validating: out, as: UTF8.self) else {
            throw failure("invalid UTF-8 in the string", at: open)
        }
        return text
    }

    /// Reads `uXXXX` (and a following low surrogate escape) at `pos`, leaving `pos` after it.
    private mutating func appendUnicodeEscape(to out: inout [UInt8]) throws(ProtocolDecodeError) {
        let escape = pos - 1
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard current == UInt8(ascii: "\\"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "u") else {
                throw failure("unpaired surrogate in \\u escape", at: escape)
            }
            pos += 1
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate in \\u escape", at: escape) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw failure("unpaired surrogate in \\u escape", at: escape)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape", at: escape) }
        out.append(contentsOf: String(Character(unicode)).utf8)
    }

    /// Reads `uXXXX` at `pos` (pointing at the `u`) and leaves `pos` after the four digits.
    private mutating func hex4() throws(ProtocolDecodeError) -> UInt32 {
        pos += 1
        guard pos + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexDigit(bytes[pos]) else { throw unexpected("expected a hex digit in \\u escape") }
            value = value << 4 | UInt32(digit)
            pos += 1
        }
        return value
    }
}

/// The value of one hex digit, either case.
func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}
