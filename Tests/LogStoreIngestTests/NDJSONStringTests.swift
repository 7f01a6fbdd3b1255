import Testing
import LogStoreFormat
import LogStoreIngest

@Suite("NDJSON strings and encoding")
struct NDJSONStringTests {
    /// The decoded message of `{"ts":…,"msg":"<body>"}`.
    func message(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try record(#"{\#(tsMember),"msg":"\#(body)"}"#, sourceLocation: sourceLocation).message
    }

    /// Column of the first byte of the message body in `{"ts":…,"msg":"<body>"}`.
    let bodyColumn = 1 + tsMember.utf8.count + 1 + 7 + 1

    @Test(arguments: [
        (#"a\nb"#, "a\nb"), (#"\t"#, "\t"), (#"\""#, "\""), (#"\\"#, "\\"), (#"\/"#, "/"), (#"\b"#, "\u{8}"),
        (#"\f"#, "\u{C}"), (#"\r"#, "\r"), (#"\u00e9"#, "é"), (#"\u00E9"#, "é"), (#"\u4e2d\u6587"#, "中文"),
        (#"\ud83d\ude00"#, "😀"), (#"\uD83D\uDE00x"#, "😀x"), (#"\u0000"#, "\u{0}"), (#"\u001f"#, "\u{1F}"),
        (#"\uffff"#, "\u{FFFF}"), (#"\udbff\udfff"#, "\u{10FFFF}"), (#"x\\\"y\\"#, #"x\"y\"#),
        ("plain ascii", "plain ascii"), ("raw é 中 😀", "raw é 中 😀"), ("", ""),
        (#"mixed é \u00e9 😀 \ud83d\ude00 end"#, "mixed é é 😀 😀 end"),
    ] as [(String, String)])
    func escapes(body: String, decoded: String) throws {
        #expect(try message(body) == decoded)
    }

    @Test func longStringsCrossTheWordAtATimeScan() throws {
        // Quotes, backslashes and control characters at every offset modulo 8 must still be seen.
        for offset in 0..<24 {
            let prefix = String(repeating: "x", count: offset)
            #expect(try message(prefix + #"\"tail"#) == prefix + "\"tail")
            #expect(try message(prefix + #"\\"#) == prefix + "\\")
            let e = try lineError(#"{\#(tsMember),"msg":"\#(prefix)"# + "\u{1}\"}")
            #expect(e.column == bodyColumn + offset)
        }
    }

    @Test(arguments: [
        (#"\ud83d"#, "lone high surrogate \\uD83D in string", 0),
        (#"\ud83dx"#, "lone high surrogate \\uD83D in string", 0),
        (#"\ud83d\u0041"#, "lone high surrogate \\uD83D in string", 0),
        (#"\ud83d\n"#, "lone high surrogate \\uD83D in string", 0),
        (#"\ude00"#, "lone low surrogate \\uDE00 in string", 0),
        (#"ab\x"#, "invalid escape sequence '\\x'", 2),
        (#"\U00e9"#, "invalid escape sequence '\\U'", 0),
        (#"\'"#, "invalid escape sequence '\\''", 0),
        (#"\u12"#, "invalid \\u escape: expected four hex digits", 0),
        (#"\u12g4"#, "invalid \\u escape: expected four hex digits", 0),
        (#"\ud83d\ude0"#, "invalid \\u escape: expected four hex digits", 6),   // the second escape is bad
    ] as [(String, String, Int)])
    func badEscapes(body: String, reason: String, offset: Int) throws {
        let e = try lineError(#"{\#(tsMember),"msg":"\#(body)"}"#)
        #expect(e.reason == reason)
        #expect(e.column == bodyColumn + offset)   // the backslash
    }

    @Test func escapeAtEndOfLine() throws {
        let e = try lineError(#"{"a":"\"#)
        #expect(e.reason == "unterminated escape sequence")
        #expect(e.column == 7)
        let u = try lineError(#"{"a":"\u00"#)
        #expect(u.reason == "incomplete \\u escape")
        #expect(u.column == 7)
    }

    @Test(arguments: [UInt8(0x00), 0x01, 0x09, 0x0A, 0x0D, 0x1F])
    func controlCharactersMustBeEscaped(byte: UInt8) throws {
        var bytes = Array(#"{\#(tsMember),"msg":"ab"#.utf8)
        bytes.append(byte)
        bytes += Array(#"cd"}"#.utf8)
        let e = try lineError(bytes: bytes)
        let hex = String(byte, radix: 16, uppercase: true)
        #expect(e.reason == "control character U+00\(hex.count == 1 ? "0" + hex : hex) in string must be escaped")
        #expect(e.column == bodyColumn + 2)
    }

    @Test func deleteAndNonASCIIAreFineUnescaped() throws {
        #expect(try message("\u{7F}\u{80}\u{2028}") == "\u{7F}\u{80}\u{2028}")
    }

    @Test(arguments: [
        ([0xFF], 0), ([0xC0, 0x80], 0), ([0xC1, 0xBF], 0), ([0xE0, 0x80, 0x80], 0), ([0xED, 0xA0, 0x80], 0),
        ([0xF4, 0x90, 0x80, 0x80], 0), ([0xF5, 0x80, 0x80, 0x80], 0), ([0x80], 0), ([0xC3], 0),
        ([0xE2, 0x82], 0), ([0x61, 0xC3, 0x28], 1), ([0xF0, 0x9F, 0x98], 0), ([0x61, 0x62, 0x63, 0xFE], 3),
    ] as [([UInt8], Int)])
    func invalidUTF8IsReportedWithItsColumn(bad: [UInt8], offsetInBad: Int) throws {
        let prefix = Array(#"{\#(tsMember),"msg":""#.utf8)
        let e = try lineError(bytes: prefix + bad + Array(#""}"#.utf8))
        let column = prefix.count + offsetInBad + 1
        #expect(e.column == column)
        #expect(e.reason == "invalid UTF-8 at column \(column)")
    }

    @Test func invalidUTF8OutsideStringsAndAfterLongASCII() throws {
        let padding = String(repeating: "p", count: 37)
        var bytes = Array(#"{\#(tsMember),"\#(padding)":1,"#.utf8)
        let column = bytes.count + 1
        bytes += [0xC3, 0xC3]
        let e = try lineError(bytes: bytes)
        #expect(e.column == column)
        #expect(e.reason == "invalid UTF-8 at column \(column)")
    }

    @Test func validMultibyteSequencesOfEveryLength() throws {
        let text = "é€😀߿ࠀ\u{FFFD}\u{10000}\u{10FFFF}\u{D7FF}\u{E000}"
        #expect(try message(text) == text)
    }
}
