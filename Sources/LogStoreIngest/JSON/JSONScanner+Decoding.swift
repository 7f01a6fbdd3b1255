extension JSONScanner {
    /// The bytes `start..<end` of the line as a buffer.
    @inline(__always)
    func bytes(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + start, count: end - start)
    }

    /// The raw text `start..<end` as a `String` (the line has been validated as UTF-8 beforehand).
    @inline(__always)
    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes(start, end), as: UTF8.self)
    }

    /// The decoded value of a scanned string. Unescaped strings are built straight from the line's bytes;
    /// escaped ones are decoded into `scratch` first.
    @inline(__always)
    func string(_ token: StringToken, scratch: inout [UInt8]) -> String {
        if !token.hasEscapes { return text(token.start, token.end) }
        scratch.removeAll(keepingCapacity: true)
        appendDecoded(token, to: &scratch)
        return scratch.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends the decoded UTF-8 bytes of a scanned (hence already validated) string to `out`.
    func appendDecoded(_ token: StringToken, to out: inout [UInt8]) {
        guard token.hasEscapes else {
            out.append(contentsOf: bytes(token.start, token.end))
            return
        }
        var i = token.start
        while i < token.end {
            var j = i
            while j < token.end && base[j] != UInt8(ascii: "\\") { j += 1 }
            if j > i { out.append(contentsOf: bytes(i, j)) }
            guard j < token.end, j + 1 < token.end else { return }
            switch base[j + 1] {
            case UInt8(ascii: "n"): out.append(0x0A); i = j + 2
            case UInt8(ascii: "t"): out.append(0x09); i = j + 2
            case UInt8(ascii: "r"): out.append(0x0D); i = j + 2
            case UInt8(ascii: "b"): out.append(0x08); i = j + 2
            case UInt8(ascii: "f"): out.append(0x0C); i = j + 2
            case UInt8(ascii: "u"):
                // The scanner checked the digits and the surrogate pairing; failures cannot happen here.
                var scalar = (try? hex4(at: j + 2, escapeAt: j)) ?? 0xFFFD
                i = j + 6
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = (try? hex4(at: j + 8, escapeAt: j + 6)) ?? 0xDC00
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i = j + 12
                }
                appendUTF8(scalar, to: &out)
            default: out.append(base[j + 1]); i = j + 2   // \" \\ \/
            }
        }
    }

    /// Appends the UTF-8 encoding of `scalar` (a valid Unicode scalar value).
    @inline(__always)
    func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18 & 0x07))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
