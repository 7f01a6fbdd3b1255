import Testing
@testable import LogStoreProtocols

/// `JSONCursor.string()` scans eight bytes at a time: every byte that ends a plain run (quote,
/// backslash, control character) or needs a UTF-8 check must be seen wherever it falls relative to
/// the eight-byte steps, and the token must be what the tree parser reads.
@Suite struct JSONCursorStringTests {
    /// The token as text, or nil when the cursor declines (the tree parser then decides).
    static func cursorText(_ body: [UInt8]) -> String? {
        body.withUnsafeBufferPointer { buffer -> String? in
            var c = JSONCursor(buffer)
            guard let token = try? c.string(), c.pos == buffer.count else { return nil }
            return c.text(token)
        }
    }

    static func treeText(_ body: [UInt8]) -> String? {
        guard case .string(let s)? = try? JSONTreeParser.parse(body) else { return nil }
        return s
    }

    /// A string of `length` plain bytes with `special` at `position`, for every length up to 40 and
    /// every position: the cursor and the tree parser agree on the text, or both refuse it.
    @Test(arguments: [
        [UInt8(ascii: "\"")], [UInt8(ascii: "\\"), UInt8(ascii: "n")], [UInt8(ascii: "\\"), UInt8(ascii: "\"")],
        [0x01], [0x1F], [0x7F], Array("é".utf8), Array("😀".utf8), [0xC3], [0xFF], [0xE2, 0x82],
        Array(#"\u00e9"#.utf8), [UInt8(ascii: "/")], [0x20], [0x5B], [0x5D],
    ])
    func everySpecialByteAtEveryPlaceIsSeen(special: [UInt8]) {
        for length in 0...40 {
            for position in 0...length {
                var body: [UInt8] = [UInt8(ascii: "\"")]
                body += (0..<position).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                body += special
                body += (position..<length).map { UInt8(ascii: "A") + UInt8($0 % 26) }
                body.append(UInt8(ascii: "\""))
                let tree = Self.treeText(body)
                let cursor = Self.cursorText(body)
                if let cursor {
                    #expect(cursor == tree, "length \(length), position \(position), special \(special)")
                } else {
                    // Declined: only what the tree parser refuses or reads differently (escapes are decoded).
                    #expect(tree == nil || special.contains(UInt8(ascii: "\"")) || special.contains(UInt8(ascii: "\\")),
                            "declined a plain string: length \(length), position \(position), special \(special)")
                }
            }
        }
    }

    /// Random strings of random bytes: whatever the cursor reads, the tree parser reads the same.
    @Test func randomBytesReadAsTheTreeParserReadsThem() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array("ab \"\\\n/".utf8) + [0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xA9, 0xE2, 0x9C, 0x93, 0xF0, 0x9F, 0x98, 0x80, 0xFF]
        for _ in 0..<5000 {
            let length = Int.random(in: 0...48, using: &rng)
            var body: [UInt8] = [UInt8(ascii: "\"")]
            body += (0..<length).map { _ in Bool.random(using: &rng) ? UInt8(ascii: "x") : alphabet.randomElement(using: &rng) ?? 0 }
            body.append(UInt8(ascii: "\""))
            if let cursor = Self.cursorText(body) {
                #expect(cursor == Self.treeText(body), "\(body)")
            }
        }
    }
}
