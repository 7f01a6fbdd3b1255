/// A token of the filter language, with the 1-based column where it starts.
struct FilterToken: Equatable {
    enum Kind: Equatable {
        case open, close, comma
        /// `=`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `~`.
        case op(String)
        /// A quoted string, unescaped.
        case string(String)
        /// A bare word: field names, keywords, numbers, levels, durations, unquoted text.
        case word(String)
        case end
    }
    var kind: Kind
    var column: Int
    /// The token's length in characters (for the caret).
    var length: Int
}

/// Splits an expression into tokens. Bare words run until whitespace or one of `()=!<>~,"'`.
///
/// Works on Unicode scalars, not Characters: a combining mark after a quote or a backslash would
/// otherwise fuse with it into one Character and hide it (found by FuzzFilter). Columns count scalars.
enum FilterLexer {
    static func tokens(_ text: String) throws(FilterSyntaxError) -> [FilterToken] {
        let chars = Array(text.unicodeScalars)
        var out: [FilterToken] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c.properties.isWhitespace { i += 1; continue }
            switch c {
            case "(": out.append(FilterToken(kind: .open, column: column, length: 1)); i += 1
            case ")": out.append(FilterToken(kind: .close, column: column, length: 1)); i += 1
            case ",": out.append(FilterToken(kind: .comma, column: column, length: 1)); i += 1
            case "~": out.append(FilterToken(kind: .op("~"), column: column, length: 1)); i += 1
            case "=", "<", ">", "!":
                let two = i + 1 < chars.count && chars[i + 1] == "="
                if c == "!" && !two {
                    throw FilterSyntaxError(column: column, "'!' must be followed by '=' (write 'not' to negate)")
                }
                var op = String(Character(c)) + (two ? "=" : "")
                if op == "==" { op = "=" }
                out.append(FilterToken(kind: .op(op), column: column, length: two ? 2 : 1))
                i += two ? 2 : 1
            case "\"", "'":
                var s = ""
                var j = i + 1
                var closed = false
                while j < chars.count {
                    let d = chars[j]
                    if d == c { closed = true; j += 1; break }
                    if d == "\\" {
                        guard j + 1 < chars.count else { break }
                        let e = chars[j + 1]
                        switch e {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "r": s.append("\r")
                        case "\\", "\"", "'": s.unicodeScalars.append(e)
                        default: throw FilterSyntaxError(column: j + 1, "unknown escape '\\\(e)' (use \\\\, \\\", \\', \\n, \\t or \\r)")
                        }
                        j += 2
                        continue
                    }
                    s.unicodeScalars.append(d)
                    j += 1
                }
                guard closed else { throw FilterSyntaxError(column: column, "unterminated string: no closing \(c)") }
                out.append(FilterToken(kind: .string(s), column: column, length: j - i))
                i = j
            default:
                var j = i
                while j < chars.count, !chars[j].properties.isWhitespace, !"()=!<>~,\"'".unicodeScalars.contains(chars[j]) { j += 1 }
                var word = ""
                word.unicodeScalars.append(contentsOf: chars[i..<j])
                out.append(FilterToken(kind: .word(word), column: column, length: j - i))
                i = j
            }
        }
        out.append(FilterToken(kind: .end, column: chars.count + 1, length: 1))
        return out
    }
}
