import Testing
@testable import LogStoreFormat

/// ByteWriter / ByteReader: the primitive encodings of FORMAT.md "Conventions".
@Suite struct BytesTests {
    static let unsignedEdges: [UInt64] = [
        0, 1, 127, 128, 129, 255, 256, 16_383, 16_384, UInt64(UInt32.max), UInt64(UInt32.max) + 1,
        UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max - 1, UInt64.max,
    ]
    static let signedEdges: [Int64] = [0, 1, -1, 63, -64, 64, -65, 127, 128, -128, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]

    @Test func varintRoundTripsEdgeValues() throws {
        for v in Self.unsignedEdges {
            var w = ByteWriter()
            w.varint(v)
            let decoded = try w.bytes.withBytes { (b) throws(FormatError) -> (UInt64, Bool) in
                var r = ByteReader(b)
                return (try r.varint(), r.isAtEnd)
            }
            #expect(decoded.0 == v, "varint \(v)")
            #expect(decoded.1, "varint \(v) left bytes behind")
        }
    }

    @Test func varintIsUnsignedLEB128LowGroupFirst() {
        func enc(_ v: UInt64) -> [UInt8] { var w = ByteWriter(); w.varint(v); return w.bytes }
        #expect(enc(0) == [0x00])
        #expect(enc(127) == [0x7F])
        #expect(enc(128) == [0x80, 0x01])
        #expect(enc(300) == [0xAC, 0x02])
        #expect(enc(16_384) == [0x80, 0x80, 0x01])
        // UInt64.max needs the full 10 bytes: nine 0xFF and a final 0x01.
        #expect(enc(UInt64.max) == [UInt8](repeating: 0xFF, count: 9) + [0x01])
    }

    @Test func varintOfTenBytesIsTheMaximum() throws {
        // 10 bytes whose last byte carries the 64th bit: accepted.
        let ok = [UInt8](repeating: 0xFF, count: 9) + [0x01]
        #expect(try ok.withBytes { (b) throws(FormatError) in var r = ByteReader(b); return try r.varint() } == UInt64.max)
        // An 11-byte varint (continuation bit set on byte 10) is rejected.
        let elevenBytes = [UInt8](repeating: 0x80, count: 10) + [0x00]
        let e1 = formatError(elevenBytes) { (b) throws(FormatError) in var r = ByteReader(b); return try r.varint() }
        #expect(e1 != nil)
        #expect(e1?.offset == 0)
        // A 10th byte carrying more than the 64th bit overflows.
        let overflow = [UInt8](repeating: 0xFF, count: 9) + [0x02]
        let e2 = formatError(overflow) { (b) throws(FormatError) in var r = ByteReader(b); return try r.varint() }
        #expect(e2?.reason.contains("overflows") == true)
        // A long run of continuation bytes never decodes, however long.
        let endless = [UInt8](repeating: 0xFF, count: 64)
        #expect(formatError(endless) { (b) throws(FormatError) in var r = ByteReader(b); return try r.varint() } != nil)
    }

    @Test func zigzagRoundTripsEdgeValues() throws {
        for v in Self.signedEdges {
            var w = ByteWriter()
            w.zigzag(v)
            let back = try w.bytes.withBytes { (b) throws(FormatError) -> Int64 in var r = ByteReader(b); return try r.zigzag() }
            #expect(back == v, "zigzag \(v)")
        }
    }

    @Test func zigzagMapsSignedToUnsignedAsSpecified() throws {
        // (v << 1) ^ (v >> 63): 0→0, -1→1, 1→2, -2→3, …, Int64.max→UInt64.max-1, Int64.min→UInt64.max.
        let expected: [(Int64, UInt64)] = [(0, 0), (-1, 1), (1, 2), (-2, 3), (2, 4), (Int64.max, UInt64.max - 1), (Int64.min, UInt64.max)]
        for (v, u) in expected {
            var w = ByteWriter()
            w.zigzag(v)
            let raw = try w.bytes.withBytes { (b) throws(FormatError) -> UInt64 in var r = ByteReader(b); return try r.varint() }
            #expect(raw == u, "zigzag(\(v))")
        }
    }

    @Test func fixedWidthIntegersAreLittleEndian() throws {
        var w = ByteWriter()
        w.u8(0xAB)
        w.u16(0x0102)
        w.u32(0x0304_0506)
        w.u64(0x0708_090A_0B0C_0D0E)
        w.i64(-2)
        #expect(w.bytes == [0xAB, 0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 0x0E, 0x0D, 0x0C, 0x0B, 0x0A, 0x09, 0x08, 0x07,
                            0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        let back = try w.bytes.withBytes { (b) throws(FormatError) in
            var r = ByteReader(b)
            return (try r.u8(), try r.u16(), try r.u32(), try r.u64(), try r.i64(), r.isAtEnd)
        }
        #expect(back.0 == 0xAB && back.1 == 0x0102 && back.2 == 0x0304_0506 && back.3 == 0x0708_090A_0B0C_0D0E && back.4 == -2)
        #expect(back.5)
        for v in [Int64.min, Int64.max, 0, -1] {
            var w = ByteWriter()
            w.i64(v)
            #expect(try w.bytes.withBytes { (b) throws(FormatError) in var r = ByteReader(b); return try r.i64() } == v)
        }
    }

    @Test func stringIsVarintLengthThenUTF8() throws {
        var w = ByteWriter()
        w.string("é漢🎉")
        #expect(w.bytes == [9, 0xC3, 0xA9, 0xE6, 0xBC, 0xA2, 0xF0, 0x9F, 0x8E, 0x89])
        let back = try w.bytes.withBytes { (b) throws(FormatError) in var r = ByteReader(b); return try r.string() }
        #expect(Array(back.utf8) == Array("é漢🎉".utf8))
        var e = ByteWriter()
        e.string("")
        #expect(e.bytes == [0])
        let long = String(repeating: "ab", count: 100)
        var l = ByteWriter()
        l.string(long)
        #expect(Array(l.bytes.prefix(2)) == [0xC8, 0x01])  // 200 as a varint
        #expect(try l.bytes.withBytes { (b) throws(FormatError) in var r = ByteReader(b); return try r.string() } == long)
    }

    @Test func invalidUTF8StringIsRejected() {
        for bad: [UInt8] in [[1, 0xFF], [2, 0xC3, 0x28], [3, 0xED, 0xA0, 0x80] /* surrogate */, [2, 0xC0, 0x80] /* overlong NUL */] {
            let e = formatError(bad) { (b) throws(FormatError) in var r = ByteReader(b); return try r.string("field") }
            #expect(e?.reason.contains("UTF-8") == true, "\(bad)")
            #expect(e?.offset == 0)
        }
    }

    @Test func truncatedReadsThrowWithTheirOffset() {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        // Each reader starts at offset 7 with 3 bytes left.
        let cases: [(String, (inout ByteReader) throws(FormatError) -> Void)] = [
            ("u32", { (r) throws(FormatError) in _ = try r.u32() }),
            ("u64", { (r) throws(FormatError) in _ = try r.u64() }),
            ("i64", { (r) throws(FormatError) in _ = try r.i64() }),
            ("bytes", { (r) throws(FormatError) in _ = try r.bytes(4) }),
        ]
        for (name, read) in cases {
            let e = formatError(bytes) { (b) throws(FormatError) in
                var r = ByteReader(b, offset: 7)
                try read(&r)
            }
            #expect(e?.offset == 7, "\(name)")
            #expect(e?.reason.contains("truncated") == true, "\(name)")
        }
        // u8 at the very end.
        #expect(formatError(bytes) { (b) throws(FormatError) in var r = ByteReader(b, offset: 10); return try r.u8() }?.offset == 10)
        // A varint cut inside its continuation bytes reports where it started.
        let cut: [UInt8] = [0x00, 0x00, 0x80, 0x80]
        let ev = formatError(cut) { (b) throws(FormatError) in var r = ByteReader(b, offset: 2); return try r.varint() }
        #expect(ev?.offset == 2)
        // A string whose length runs past the end.
        let s: [UInt8] = [0x00, 5, 0x61, 0x62]
        #expect(formatError(s) { (b) throws(FormatError) in var r = ByteReader(b, offset: 1); return try r.string() }?.offset == 1)
        // A failed read does not move the reader past the buffer.
        #expect(formatError(bytes) { (b) throws(FormatError) in var r = ByteReader(b, offset: 9); _ = try? r.u32(); return try r.u16() }?.offset == 9)
    }

    @Test func countLimitIsEnforced() throws {
        func enc(_ v: UInt64) -> [UInt8] { var w = ByteWriter(); w.u8(0xEE); w.varint(v); return w.bytes }
        #expect(try enc(10).withBytes { (b) throws(FormatError) in var r = ByteReader(b, offset: 1); return try r.count("n", max: 10) } == 10)
        #expect(try enc(0).withBytes { (b) throws(FormatError) in var r = ByteReader(b, offset: 1); return try r.count("n", max: 0) } == 0)
        let e = formatError(enc(11)) { (b) throws(FormatError) in var r = ByteReader(b, offset: 1); return try r.count("n", max: 10) }
        #expect(e?.offset == 1)
        #expect(e?.reason.contains("exceeds the limit 10") == true)
        // A value beyond Int must not trap on conversion.
        #expect(formatError(enc(UInt64.max)) { (b) throws(FormatError) in var r = ByteReader(b, offset: 1); return try r.count("n", max: Int.max) } != nil)
        // Strings bound their length by the bytes that remain.
        var w = ByteWriter()
        w.varint(UInt64(1) << 40)
        #expect(formatError(w.bytes) { (b) throws(FormatError) in var r = ByteReader(b); return try r.string() } != nil)
    }

    @Test func writerPatchAndTakeBehave() {
        var w = ByteWriter()
        w.u32(0); w.u32(0)
        w.patchU32(0xDEAD_BEEF, at: 4)
        #expect(w.bytes == [0, 0, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE])
        #expect(w.take() == [0, 0, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE])
        #expect(w.count == 0)
    }

    @Test func formatErrorShiftsAndDescribesItsOffset() {
        let e = FormatError("bad thing", at: 5)
        #expect(e.shifted(by: 100) == FormatError("bad thing", at: 105))
        #expect(e.description == "bad thing (at byte 5)")
    }

    @Test func randomVarintAndZigzagStreamsRoundTrip() throws {
        var rng = SeededRandom(seed: 0xB17E5)
        var us: [UInt64] = []
        var ss: [Int64] = []
        var w = ByteWriter()
        for _ in 0..<5_000 {
            let width = rng.int(0...64)
            let u = width == 64 ? rng.next() : rng.next() & ((UInt64(1) << UInt64(width)) &- 1)
            let s = Int64(bitPattern: rng.next()) >> Int64(rng.int(0...63))
            us.append(u); ss.append(s)
            w.varint(u); w.zigzag(s)
        }
        let (du, ds, end) = try w.bytes.withBytes { (b) throws(FormatError) in
            var r = ByteReader(b)
            var du: [UInt64] = [], ds: [Int64] = []
            for _ in 0..<5_000 { du.append(try r.varint()); ds.append(try r.zigzag()) }
            return (du, ds, r.isAtEnd)
        }
        #expect(du == us)
        #expect(ds == ss)
        #expect(end)
    }
}
