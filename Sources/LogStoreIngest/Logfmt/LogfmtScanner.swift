/// Splits one logfmt line into `key=value` pairs: `ts=2026-11-22T20:02:33Z level=info msg="a \"b\"" ok`.
///
/// Keys are runs of bytes other than space, tab, `=` and `"`. A value is either quoted (with the escapes
/// `\"`, `\\`, `\n`, `\r`, `\t`, `\/` and `\uXXXX`) or runs to the next space. A key without `=` is a
/// flag (a boolean `true`); `key=` has the empty string as value.
struct LogfmtScanner {
    struct Pair {
        var key: String
        /// The decoded value; nil for a bare flag.
        var value: String?
        var quoted: Bool
        /// 0-based offset of the value (or of the key for a flag), for errors.
        var column: Int
    }

    let p: UnsafePointer<UInt8>
    let n: Int

    /// Every pair of the line, or the first syntax problem as (offset, reason).
    func pairs() -> Result<[Pair], SyntaxFailure> {
        var result: [Pair] = []
        var i = 0
        while true {
            while i < n, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
            guard i < n else { return .success(result) }
            let keyStart = i
            while i < n, p[i] != 0x20, p[i] != 0x09, p[i] != UInt8(ascii: "="), p[i] != UInt8(ascii: "\"") { i += 1 }
            if i == keyStart {
                let what = p[i] == UInt8(ascii: "=") ? "expected a key before '='" : "a key cannot be quoted"
                return .failure(SyntaxFailure(offset: i, reason: what))
            }
            let key = text(keyStart, i)
            guard i < n, p[i] == UInt8(ascii: "=") else {
                if i < n, p[i] == UInt8(ascii: "\"") {
                    return .failure(SyntaxFailure(offset: i, reason: "unexpected '\"' after key '\(key)'; expected '='"))
                }
                result.append(Pair(key: key, value: nil, quoted: false, column: keyStart))
                continue
            }
            i += 1
            let valueStart = i
            if i < n, p[i] == UInt8(ascii: "\"") {
                switch quoted(from: i) {
                case .failure(let failure): return .failure(failure)
                case .success(let (value, end)):
                    i = end
                    result.append(Pair(key: key, value: value, quoted: true, column: valueStart))
                }
                if i < n, p[i] != 0x20, p[i] != 0x09 {
                    return .failure(SyntaxFailure(offset: i, reason: "expected a space after the quoted value of '\(key)'"))
                }
            } else {
                while i < n, p[i] != 0x20, p[i] != 0x09 {
                    if p[i] == UInt8(ascii: "\"") {
                        return .failure(SyntaxFailure(offset: i, reason: "unexpected '\"' inside the unquoted value of '\(key)'; quote the whole value"))
                    }
                    i += 1
                }
                result.append(Pair(key: key, value: text(valueStart, i), quoted: false, column: valueStart))
            }
        }
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self)
    }

    /// The quoted string starting at `open` (the `"`), decoded, and the offset after its closing quote.
    private func quoted(from open: Int) -> Result<(String, Int), SyntaxFailure> {
        var bytes: [UInt8] = []
        var i = open + 1
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") { return .success((String(decoding: bytes, as: UTF8.self), i + 1)) }
            if c != UInt8(ascii: "\\") {
                bytes.append(c)
                i += 1
                continue
            }
            guard i + 1 < n else { break }
            switch p[i + 1] {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): bytes.append(UInt8(ascii: "/"))
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                guard i + 6 <= n, let code = hex4(i + 2), let scalar = Unicode.Scalar(code) else {
                    return .failure(SyntaxFailure(offset: i, reason: "invalid \\u escape; expected four hex digits of a Unicode scalar"))
                }
                bytes.append(contentsOf: String(Character(scalar)).utf8)
                i += 6
                continue
            default:
                return .failure(SyntaxFailure(offset: i, reason: "unknown escape '\\\(Character(Unicode.Scalar(p[i + 1])))' in a quoted value"))
            }
            i += 2
        }
        return .failure(SyntaxFailure(offset: open, reason: "unterminated quoted value: no closing '\"'"))
    }

    private func hex4(_ at: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[at + k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
