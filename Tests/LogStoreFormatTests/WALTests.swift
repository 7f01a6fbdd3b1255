import Testing
@testable import LogStoreFormat

/// Row encoding (3.4) and WAL header and frames (4.1, 4.2, 4.3).
@Suite struct RowCodecTests {
    func decodeRow(_ bytes: [UInt8], sequence: UInt64 = 9) throws(FormatError) -> (LogRecord, Bool) {
        try bytes.withBytes { (b) throws(FormatError) in
            var r = ByteReader(b)
            let rec = try RowCodec.decode(&r, sequence: sequence)
            return (rec, r.isAtEnd)
        }
    }

    @Test func rowLayoutMatchesSpec() throws {
        let rec = LogRecord(timestamp: -2, level: .warning, source: "api", correlationID: "r1", message: "hé",
                            attributes: [Attribute("s", .string("v")), Attribute("i", .int(-3)),
                                         Attribute("d", .double(1.0)), Attribute("b", .bool(true))])
        var w = ByteWriter()
        RowCodec.encode(rec, into: &w)
        var expected: [UInt8] = le(Int64(-2)) + [4] + [3] + Array("api".utf8) + [1, 2] + Array("r1".utf8)
        expected += [3] + Array("hé".utf8) + [4]
        expected += [1] + Array("s".utf8) + [0, 1] + Array("v".utf8)
        expected += [1] + Array("i".utf8) + [1, 5]  // zigzag(-3) = 5
        expected += [1] + Array("d".utf8) + [2] + le((1.0).bitPattern)
        expected += [1] + Array("b".utf8) + [3, 1]
        #expect(w.bytes == expected)
        let (back, end) = try decodeRow(w.bytes)
        #expect(end)
        var want = rec
        want.sequence = 9
        #expect(sameRecord(back, want))
    }

    @Test func rowWithoutCorrelationIDHasFlagZero() throws {
        for id: String? in [nil, ""] {
            let rec = LogRecord(timestamp: 0, level: .trace, source: "", correlationID: id, message: "")
            var w = ByteWriter()
            RowCodec.encode(rec, into: &w)
            #expect(w.bytes == [UInt8](repeating: 0, count: 8) + [0, 0, 0, 0, 0])  // the 13-byte minimum row
            #expect(try decodeRow(w.bytes).0.correlationID == nil, "an empty ID is stored as no ID")
        }
    }

    @Test func rowRejectsCorruptFields() throws {
        let rec = LogRecord(timestamp: 5, level: .info, source: "s", correlationID: "id", message: "m",
                            attributes: [Attribute("k", .bool(false))])
        var w = ByteWriter()
        RowCodec.encode(rec, into: &w)
        let good = w.bytes
        // Offsets: ts 0..<8, level 8, source 9..<11, flag 11, id 12..<15, message 15..<17, count 17, key 18..<20, type 20, value 21.
        var badLevel = good; badLevel[8] = 7
        #expect(throws: FormatError.self) { try decodeRow(badLevel) }
        #expect((try? decodeRow(badLevel)) == nil)
        do { _ = try decodeRow(badLevel) } catch { #expect(error.offset == 8); #expect(error.reason.contains("level")) }
        var badFlag = good; badFlag[11] = 2
        do { _ = try decodeRow(badFlag); Issue.record("flag 2 accepted") } catch { #expect(error.offset == 11) }
        var badType = good; badType[20] = 4
        do { _ = try decodeRow(badType); Issue.record("type 4 accepted") } catch { #expect(error.offset == 20) }
        var badBool = good; badBool[21] = 2
        do { _ = try decodeRow(badBool); Issue.record("bool 2 accepted") } catch { #expect(error.offset == 21) }
        var badUTF8 = good; badUTF8[16] = 0xFF
        do { _ = try decodeRow(badUTF8); Issue.record("bad UTF-8 accepted") } catch { #expect(error.reason.contains("UTF-8")) }
        var hugeCount = Array(good[..<17]); hugeCount += [0xFF, 0xFF, 0x03]
        do { _ = try decodeRow(hugeCount); Issue.record("attribute count accepted") } catch { #expect(error.offset == 17) }
        for cut in 0..<good.count {
            #expect(throws: FormatError.self, "cut at \(cut)") { try decodeRow(Array(good[..<cut])) }
        }
    }

    @Test func correlationIDOver255BytesIsRejectedByReaders() throws {
        var g = RecordGenerator(seed: 1)
        let max = LogRecord(timestamp: 1, level: .info, source: "s", correlationID: g.stringOfUTF8Length(255), message: "m")
        var w = ByteWriter()
        RowCodec.encode(max, into: &w)
        #expect(try decodeRow(w.bytes).0.correlationID == max.correlationID)
        var over = max
        over.correlationID = String(repeating: "x", count: 256)
        var w2 = ByteWriter()
        RowCodec.encode(over, into: &w2)
        #expect(throws: FormatError.self) { try decodeRow(w2.bytes) }
    }

    /// 3.3: "an empty ID is stored as no ID". The block decoder treats an empty stored ID as corruption;
    /// the row decoder must not hand back `""` as an ID either (it should reject it, or read it as no ID).
    @Test func emptyCorrelationIDIsNeverDecodedFromARow() {
        let row: [UInt8] = le(Int64(1)) + [2, 1, 0x73] + [1, 0] + [1, 0x6D] + [0]  // flag 1, ID length 0
        let decoded = try? decodeRow(row)
        #expect(decoded?.0.correlationID != "", "RowCodec.decode returned an empty correlation ID for flag 1 + length 0")
    }
}

@Suite struct WALHeaderTests {
    @Test func walHeaderLayoutMatchesSpec() {
        let h = WALHeader(fileNumber: 0x0102_0304_0506_0708, firstSequence: 99)
        let bytes = h.encode()
        #expect(bytes.count == 32)
        #expect(Array(bytes[0..<8]) == Array("LOGSTWAL".utf8))
        #expect(Array(bytes[8..<10]) == [1, 0])
        #expect(Array(bytes[10..<12]) == [0, 0])
        #expect(Array(bytes[12..<20]) == le(UInt64(0x0102_0304_0506_0708)))
        #expect(Array(bytes[20..<28]) == le(UInt64(99)))
        #expect(Array(bytes[28..<32]) == le(referenceCRC32C(bytes[0..<28])))
    }

    @Test func walHeaderRoundTrips() throws {
        for h in [WALHeader(fileNumber: 0, firstSequence: 1), WALHeader(fileNumber: .max, firstSequence: .max),
                  WALHeader(fileNumber: 17, firstSequence: 1_000_001)] {
            #expect(try h.encode().withBytes { (b) throws(FormatError) in try WALHeader.decode(b) } == h)
            // Decoding reads only the first 32 bytes of a longer buffer.
            #expect(try (h.encode() + [1, 2, 3]).withBytes { (b) throws(FormatError) in try WALHeader.decode(b) } == h)
        }
    }

    @Test func walHeaderWithBadMagicIsRejected() {
        var bytes = WALHeader(fileNumber: 1, firstSequence: 1).encode()
        bytes[3] ^= 0x20
        let e = formatError(bytes) { (b) throws(FormatError) in try WALHeader.decode(b) }
        #expect(e?.reason.contains("magic") == true)
        #expect(e?.offset == 0)
    }

    @Test func walHeaderWithBadChecksumIsRejected() {
        let good = WALHeader(fileNumber: 1, firstSequence: 1).encode()
        for bit in 64..<(32 * 8) {  // every bit after the magic
            let e = formatError(good.flippingBit(bit)) { (b) throws(FormatError) in try WALHeader.decode(b) }
            #expect(e?.reason.contains("checksum") == true, "bit \(bit)")
        }
    }

    @Test func walHeaderWithUnknownVersionIsRejectedNamingBothVersions() {
        var bytes = WALHeader(fileNumber: 1, firstSequence: 1).encode()
        bytes[8] = 2
        bytes.replaceSubrange(28..<32, with: le(CRC32C.checksum(bytes, range: 0..<28)))
        let e = formatError(bytes) { (b) throws(FormatError) in try WALHeader.decode(b) }
        #expect(e?.reason.contains("version 2") == true)
        #expect(e?.reason.contains("version 1") == true)
        #expect(e?.offset == 8)
    }

    @Test func shortWALHeaderIsRejected() {
        let good = WALHeader(fileNumber: 1, firstSequence: 1).encode()
        for n in 0..<32 {
            #expect(formatError(Array(good[..<n])) { (b) throws(FormatError) in try WALHeader.decode(b) } != nil)
        }
    }

    @Test func walFileNamesAreSixteenLowercaseHexDigits() {
        #expect(WALFormat.fileName(0) == "0000000000000000.wal")
        #expect(WALFormat.fileName(0xABCDEF) == "0000000000abcdef.wal")
        #expect(WALFormat.fileName(.max) == "ffffffffffffffff.wal")
        for n: UInt64 in [0, 1, 0xABCDEF, .max] { #expect(WALFormat.fileNumber(WALFormat.fileName(n)) == n) }
        for bad in ["0000000000ABCDEF.wal", "abcdef.wal", "00000000000000001.wal", "000000000000000g.wal",
                    "0000000000000001.seg", "0000000000000001.wal.tmp", "+000000000000001.wal", "０000000000000001.wal"] {
            #expect(WALFormat.fileNumber(bad) == nil, "\(bad)")
        }
        #expect(SegmentFormat.fileName(42) == "000000000000002a.seg")
        #expect(SegmentFormat.segmentID("000000000000002a.seg") == 42)
        #expect(SegmentFormat.segmentID("000000000000002a.seg.tmp") == nil)
    }
}

@Suite struct WALFrameTests {
    func decodeFrame(_ bytes: [UInt8], at offset: Int = 0) throws -> (type: UInt8, end: Int, records: [LogRecord])? {
        try bytes.withUnsafeBytes { b in
            guard let f = WALFrame.frame(at: offset, in: b) else { return nil }
            return (f.type, f.end, try WALFrame.decodeRecords(f.payload))
        }
    }

    @Test func frameLayoutMatchesSpec() {
        let rec = LogRecord(timestamp: 1, level: .info, source: "s", message: "m")
        var rows = ByteWriter()
        RowCodec.encode(rec, into: &rows)
        let frame = walFrame([rec], firstSequence: 7)
        let payloadLength = 8 + 4 + rows.count
        #expect(frame.count == 9 + payloadLength)
        #expect(Array(frame[0..<4]) == le(UInt32(payloadLength)))
        #expect(frame[8] == 1)
        #expect(Array(frame[9..<17]) == le(UInt64(7)))
        #expect(Array(frame[17..<21]) == le(UInt32(1)))
        #expect(Array(frame[21...]) == rows.bytes)
        // CRC32C over the length bytes followed by bytes 8..<(9+L).
        let crc = referenceCRC32C(Array(frame[0..<4]) + Array(frame[8...]))
        #expect(Array(frame[4..<8]) == le(crc))
    }

    @Test func randomRecordsRoundTripThroughWALFrames() throws {
        var g = RecordGenerator(seed: 0x5EED_0001)
        var nextSequence: UInt64 = 1
        for round in 0..<300 {
            let n = g.rng.int(1...12)
            let recs = (0..<n).map { _ in g.record() }
            let first = nextSequence
            nextSequence += UInt64(n) + UInt64(g.rng.int(0...3))
            let frame = walFrame(recs, firstSequence: first)
            let decoded = try #require(try decodeFrame(frame), "round \(round)")
            #expect(decoded.type == WALFormat.recordsFrameType)
            #expect(decoded.end == frame.count)
            try #require(decoded.records.count == n)
            for (i, (a, b)) in zip(recs, decoded.records).enumerated() {
                var want = normalized(a)
                want.sequence = first + UInt64(i)
                #expect(sameRecord(b, want), "round \(round) record \(i): \(b) vs \(want)")
            }
        }
    }

    @Test func extremeRecordsRoundTripThroughWALFrames() throws {
        var g = RecordGenerator(seed: 3)
        let recs = [
            LogRecord(timestamp: .min, level: .trace, source: "", correlationID: nil, message: ""),
            LogRecord(timestamp: .max, level: .critical, source: "👩‍👩‍👧", correlationID: g.uuid(uppercase: false),
                      message: String(repeating: "漢", count: 10_000),
                      attributes: [Attribute("nan", .double(.nan)), Attribute("-nan", .double(-.nan)),
                                   Attribute("snan", .double(.signalingNaN)), Attribute("inf", .double(.infinity)),
                                   Attribute("-inf", .double(-.infinity)), Attribute("-0", .double(-0.0)),
                                   Attribute("min", .int(.min)), Attribute("max", .int(.max)),
                                   Attribute("", .string("")), Attribute("dup", .bool(true)), Attribute("dup", .bool(false))]),
            LogRecord(timestamp: 0, level: .notice, source: "x", correlationID: g.uuid(uppercase: true), message: "\u{0}"),
            LogRecord(timestamp: -1, level: .error, source: "x", correlationID: g.stringOfUTF8Length(255), message: "m"),
        ]
        for first: UInt64 in [1, 1 << 40, UInt64.max - 4] {
            let frame = walFrame(recs, firstSequence: first)
            let decoded = try #require(try decodeFrame(frame))
            for (i, (a, b)) in zip(recs, decoded.records).enumerated() {
                var want = a
                want.sequence = first + UInt64(i)
                #expect(sameRecord(b, want), "record \(i)")
            }
        }
    }

    @Test func frameStartsAtAnyOffset() throws {
        var g = RecordGenerator(seed: 12)
        let header = WALHeader(fileNumber: 3, firstSequence: 1).encode()
        var file = header
        var offsets: [Int] = []
        var seq: UInt64 = 1
        for _ in 0..<5 {
            offsets.append(file.count)
            let recs = (0..<3).map { _ in g.record() }
            file += walFrame(recs, firstSequence: seq)
            seq += 3
        }
        var o = WALFormat.headerSize
        var visited: [Int] = []
        while let f = try decodeFrame(file, at: o) {
            visited.append(o)
            o = f.end
        }
        #expect(visited == offsets)
        #expect(o == file.count)
    }

    @Test func everySingleBitFlipInAFrameMakesItInvalid() {
        var g = RecordGenerator(seed: 99)
        let frame = walFrame((0..<4).map { _ in g.record() }, firstSequence: 10)
        let next = walFrame([g.record()], firstSequence: 14)
        for context in [[UInt8](), next] {
            let file = frame + context
            file.withUnsafeBytes { #expect(WALFrame.frame(at: 0, in: $0) != nil) }
            for bit in 0..<(frame.count * 8) {
                let bad = file.flippingBit(bit)
                bad.withUnsafeBytes { b in
                    #expect(WALFrame.frame(at: 0, in: b) == nil, "bit \(bit) of \(frame.count * 8), \(context.count) bytes after")
                }
            }
        }
    }

    @Test func truncatedFrameIsNotValid() {
        var g = RecordGenerator(seed: 100)
        let frame = walFrame((0..<3).map { _ in g.record() }, firstSequence: 1)
        for n in 0..<frame.count {
            Array(frame[..<n]).withUnsafeBytes { #expect(WALFrame.frame(at: 0, in: $0) == nil, "\(n) of \(frame.count) bytes") }
        }
        frame.withUnsafeBytes { #expect(WALFrame.frame(at: 0, in: $0) != nil) }
        // Offsets outside the buffer are simply not frames.
        frame.withUnsafeBytes { b in
            #expect(WALFrame.frame(at: -1, in: b) == nil)
            #expect(WALFrame.frame(at: frame.count, in: b) == nil)
            #expect(WALFrame.frame(at: frame.count + 100, in: b) == nil)
        }
    }

    @Test func oversizedFrameLengthIsNotValid() {
        // A length above 256 MiB is refused even when its checksum matches.
        var w = ByteWriter()
        let length = UInt32(WALFormat.maxFramePayload + 1)
        w.u32(length); w.u32(0); w.u8(1)
        w.bytes.withUnsafeBytes { #expect(WALFrame.frame(at: 0, in: $0) == nil) }
        #expect(WALFormat.maxFramePayload == 256 << 20)
    }

    @Test func nextValidFrameFindsTheFrameAfterADamagedOne() throws {
        var g = RecordGenerator(seed: 101)
        var file = WALHeader(fileNumber: 1, firstSequence: 1).encode()
        var offsets: [Int] = []
        for i in 0..<4 {
            offsets.append(file.count)
            file += walFrame((0..<3).map { _ in g.record() }, firstSequence: UInt64(1 + 3 * i))
        }
        // Damage the payload of frame 1.
        var damaged = file
        damaged[offsets[1] + 20] ^= 0x01
        damaged.withUnsafeBytes { b in
            #expect(WALFrame.frame(at: offsets[0], in: b) != nil)
            #expect(WALFrame.frame(at: offsets[1], in: b) == nil)
            #expect(WALFrame.nextValidFrame(after: offsets[1], in: b) == offsets[2])
        }
        // Damage the length of frame 2: the next valid frame is frame 3.
        var badLength = file
        badLength[offsets[2]] ^= 0x40
        badLength.withUnsafeBytes { b in
            #expect(WALFrame.frame(at: offsets[2], in: b) == nil)
            #expect(WALFrame.nextValidFrame(after: offsets[2], in: b) == offsets[3])
        }
        // A torn tail: the last frame cut short, nothing valid follows.
        let torn = Array(file[..<(file.count - 5)])
        torn.withUnsafeBytes { b in
            #expect(WALFrame.frame(at: offsets[3], in: b) == nil)
            #expect(WALFrame.nextValidFrame(after: offsets[3], in: b) == nil)
        }
        // Zeroed tail (preallocated or torn page): nothing valid.
        let zeros = Array(file[..<offsets[3]]) + [UInt8](repeating: 0, count: 4_096)
        zeros.withUnsafeBytes { b in
            #expect(WALFrame.frame(at: offsets[3], in: b) == nil)
            #expect(WALFrame.nextValidFrame(after: offsets[3], in: b) == nil)
        }
        // The search is strictly after the given offset.
        file.withUnsafeBytes { b in #expect(WALFrame.nextValidFrame(after: offsets[1], in: b) == offsets[2]) }
    }

    @Test func recordsPayloadRejectsInconsistentCounts() throws {
        var g = RecordGenerator(seed: 7)
        let recs = (0..<3).map { _ in g.record() }
        var rows = ByteWriter()
        for r in recs { RowCodec.encode(r, into: &rows) }
        func payload(first: UInt64, count: UInt32, rows: [UInt8]) -> [UInt8] { le(first) + le(count) + rows }
        func decode(_ p: [UInt8]) -> FormatError? {
            formatError(p) { (b) throws(FormatError) in try WALFrame.decodeRecords(b) }
        }
        #expect(decode(payload(first: 1, count: 3, rows: rows.bytes)) == nil)
        #expect(decode(payload(first: 1, count: 2, rows: rows.bytes))?.reason.contains("left after the last record") == true)
        #expect(decode(payload(first: 1, count: 4, rows: rows.bytes)) != nil)
        #expect(decode(payload(first: 1, count: 0, rows: [])) != nil, "a records frame holds at least one record")
        #expect(decode(payload(first: 0, count: 3, rows: rows.bytes)) != nil, "sequence numbers start at 1")
        #expect(decode(payload(first: .max, count: 3, rows: rows.bytes)) != nil, "sequences would overflow")
        #expect(decode(payload(first: 1, count: .max, rows: rows.bytes)) != nil, "count bounded by the bytes")
        #expect(decode(Array(payload(first: 1, count: 3, rows: rows.bytes).prefix(11))) != nil)
    }
}
