import Testing
@testable import LogStoreFormat

/// Columnar blocks and their headers (FORMAT.md 5.2).
@Suite struct BlockTests {
    func encode(_ records: [LogRecord]) -> (raw: [UInt8], summary: BlockSummary) {
        var enc = BlockEncoder()
        return enc.encode(records[...])
    }

    func records(of block: DecodedBlock) throws -> [LogRecord] {
        try (0..<block.count).map { i throws(FormatError) in try block.record(i) }
    }

    /// Wraps raw bytes as a whole stored block (header + stored bytes) with the given codec.
    func storedBlock(_ raw: [UInt8], codec: UInt8) throws -> [UInt8] {
        let stored = codec == BlockFormat.codecLZ4 ? try #require(raw.withUnsafeBytes { LZ4.compress($0) }) : raw
        let (head, _) = stored.withUnsafeBytes { BlockHeader.encode(codec: codec, rawLength: raw.count, stored: $0) }
        return head + stored
    }

    func open(_ full: [UInt8]) throws(FormatError) -> [UInt8] {
        try full.withBytes { (b) throws(FormatError) in try BlockHeader.open(b) }
    }

    @Test func blockRoundTripsRandomRecords() throws {
        var g = RecordGenerator(seed: 0xB10C)
        var enc = BlockEncoder()  // reused between blocks, as a writer does
        for round in 0..<150 {
            let recs = g.sortedRecords(g.rng.int(1...60), firstSequence: UInt64(g.rng.int(1...1_000_000)))
            let (raw, _) = enc.encode(recs[...])
            let block = try DecodedBlock(raw: raw)
            #expect(block.count == recs.count)
            let back = try records(of: block)
            for (i, (a, b)) in zip(recs, back).enumerated() {
                #expect(sameRecord(b, normalized(a)), "round \(round) record \(i)")
            }
        }
    }

    @Test func blockRoundTripsExtremeTimestampsAndSequences() throws {
        // Deltas wrap (i64 difference): extremes next to each other still round-trip.
        let stamps: [Int64] = [.min, .min + 1, -1, 0, 1, .max - 1, .max]
        let seqs: [UInt64] = [1, .max, 2, UInt64(Int64.max) + 1, 3, 1 << 63, .max - 1]
        let recs = zip(stamps, seqs).map { LogRecord(timestamp: $0, level: .info, source: "s", message: "m", sequence: $1) }
        let block = try DecodedBlock(raw: encode(recs).raw)
        #expect(block.timestamps == stamps)
        #expect(block.sequences == seqs)
        let back = try records(of: block)
        for (a, b) in zip(recs, back) { #expect(sameRecord(a, b)) }
    }

    @Test func singleRecordBlockRoundTrips() throws {
        let rec = LogRecord(timestamp: 5, level: .debug, source: "", message: "", sequence: 1)
        let (raw, summary) = encode([rec])
        let back = try DecodedBlock(raw: raw).record(0)
        #expect(sameRecord(back, rec))
        #expect(summary.recordCount == 1 && summary.minTimestamp == 5 && summary.maxTimestamp == 5)
        #expect(summary.minSequence == 1 && summary.maxSequence == 1)
    }

    @Test func blockSummaryCountsLevelsSourcesAndCorrelations() throws {
        var g = RecordGenerator(seed: 0x5A)
        for _ in 0..<40 {
            let recs = g.sortedRecords(g.rng.int(1...80), firstSequence: 100)
            let (raw, s) = encode(recs)
            #expect(s.recordCount == recs.count)
            #expect(s.minTimestamp == recs.map(\.timestamp).min())
            #expect(s.maxTimestamp == recs.map(\.timestamp).max())
            #expect(s.minSequence == recs.map(\.sequence).min())
            #expect(s.maxSequence == recs.map(\.sequence).max())
            var levels = [Int](repeating: 0, count: LogLevel.count)
            for r in recs { levels[Int(r.level.rawValue)] += 1 }
            #expect(s.levelCounts == levels)
            #expect(s.levelCounts.reduce(0, +) == recs.count)
            var sources: [String: Int] = [:]
            for r in recs { sources[r.source, default: 0] += 1 }
            #expect(Dictionary(s.sourceCounts.map { ($0.source, $0.count) }, uniquingKeysWith: +) == sources)
            // In order of first appearance, each source once.
            var order: [String] = []
            for r in recs where !order.contains(where: { exactlyEqual($0, r.source) }) { order.append(r.source) }
            #expect(s.sourceCounts.map(\.source).elementsEqual(order, by: exactlyEqual))
            let ids = Set(recs.compactMap { $0.correlationID }.filter { !$0.isEmpty })
            #expect(s.correlationHashes == Set(ids.map { CorrelationHash.hash($0) }))
            // The block's own dictionary holds each source once, in first-appearance order.
            let block = try DecodedBlock(raw: raw)
            var firstSeen: [String] = []
            for r in recs where !firstSeen.contains(r.source) { firstSeen.append(r.source) }
            #expect(block.sources == firstSeen)
        }
    }

    @Test func uuidCorrelationIDsRoundTripExactlyInTheirCase() throws {
        var g = RecordGenerator(seed: 0x0001D)
        let lower = g.uuid(uppercase: false)
        let upper = g.uuid(uppercase: true)
        let digitsOnly = "12345678-1234-5678-9012-345678901234"
        var mixed = Array(g.uuid(uppercase: false))
        mixed[0] = "A"; mixed[1] = "b"
        let mixedCase = String(mixed)
        let notUUIDs = ["12345678-1234-5678-9012-34567890123", "12345678-1234-5678-9012-3456789012345",
                        "12345678_1234-5678-9012-345678901234", "1234567g-1234-5678-9012-345678901234",
                        "{2345678-1234-5678-9012-345678901234", "123456781234-5678-9012-3456789012345",
                        mixedCase, "ＡＢ", "a"]
        let ids: [String?] = [lower, upper, digitsOnly, nil, "00000000-0000-0000-0000-000000000000",
                              "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "ffffffff-ffff-ffff-ffff-ffffffffffff"] + notUUIDs
        let recs = ids.enumerated().map { LogRecord(timestamp: 1, level: .info, source: "s", correlationID: $1, message: "m",
                                                    sequence: UInt64($0 + 1)) }
        let block = try DecodedBlock(raw: encode(recs).raw)
        let expectedKinds: [UInt8] = [1, 2, 1, 0, 1, 2, 1] + [UInt8](repeating: 3, count: notUUIDs.count)
        #expect(block.correlationKinds == expectedKinds)
        for (i, id) in ids.enumerated() {
            let back = try block.correlationID(i)
            #expect(back.map { Array($0.utf8) } == id.map { Array($0.utf8) }, "\(id ?? "nil")")
        }
        // Kinds 1 and 2 store the 16 bytes in hex-digit order.
        let raw = block.core
        let off = Int(block.correlationOffsets[0])
        let expectedBytes = stride(from: 0, to: 32, by: 2).map { k -> UInt8 in
            let hex = Array(lower.replacingOccurrences(of: "-", with: ""))
            return UInt8(String(hex[k...k + 1]), radix: 16)!
        }
        #expect(Array(raw[off..<(off + 16)]) == expectedBytes)
    }

    @Test func correlationMatchesComparesTheFullID() throws {
        var g = RecordGenerator(seed: 0xC0)
        let recs = g.sortedRecords(200)
        let block = try DecodedBlock(raw: encode(recs).raw)
        var probes = Set(recs.compactMap(\.correlationID))
        // Near misses: other case, one digit changed, prefixes, absent IDs.
        for id in Array(probes) {
            probes.insert(id.uppercased()); probes.insert(id.lowercased())
            probes.insert(String(id.dropLast())); probes.insert(id + "0")
        }
        probes.insert("never-seen"); probes.insert("")
        for p in probes {
            let probe = CorrelationProbe(p)
            #expect(probe.hash == CorrelationHash.hash(p))
            for i in 0..<block.count {
                let want = recs[i].correlationID.map { !$0.isEmpty && Array($0.utf8) == Array(p.utf8) } ?? false
                #expect(block.correlationMatches(i, probe) == want, "record \(i) probe \(p)")
            }
        }
    }

    /// Strings are bytes (FORMAT.md "Conventions"). The block's source and key dictionaries are Swift
    /// `[String: Int]`, and Swift `String ==` is canonical equivalence, so "é" (C3 A9) and "e\u{301}" (65 CC 81)
    /// share one dictionary entry and the second record comes back with the first one's bytes. The WAL path keeps
    /// the bytes, so the same record would read differently before and after a flush.
    @Test func blockDictionariesKeepCanonicallyEquivalentStringsApart() throws {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed && Array(composed.utf8) != Array(decomposed.utf8))
        let recs = [
            LogRecord(timestamp: 1, level: .info, source: composed, message: "m", attributes: [Attribute(composed, .int(1))], sequence: 1),
            LogRecord(timestamp: 2, level: .info, source: decomposed, message: "m", attributes: [Attribute(decomposed, .int(2))], sequence: 2),
        ]
        let (raw, summary) = encode(recs)
        let block = try DecodedBlock(raw: raw)
        let back = try records(of: block)
        for (a, b) in zip(recs, back) {
            #expect(Array(b.source.utf8) == Array(a.source.utf8), "source bytes of record \(a.sequence)")
            #expect(Array(b.attributes[0].key.utf8) == Array(a.attributes[0].key.utf8), "key bytes of record \(a.sequence)")
        }
        #expect(block.sources.count == 2)
        #expect(summary.sourceCounts.count == 2)
    }

    @Test func attributeLookupFindsTheFirstValueForAKey() throws {
        let rec = LogRecord(timestamp: 1, level: .info, source: "s", message: "m",
                            attributes: [Attribute("k", .int(1)), Attribute("other", .string("x")), Attribute("k", .int(2))],
                            sequence: 1)
        let rec2 = LogRecord(timestamp: 2, level: .info, source: "s", message: "m2",
                             attributes: [Attribute("other", .double(.nan))], sequence: 2)
        let block = try DecodedBlock(raw: encode([rec, rec2]).raw)
        #expect(try block.attribute(0, key: "k") == .int(1))
        #expect(try block.attribute(1, key: "k") == nil)
        #expect(try block.attribute(0, key: "missing") == nil)
        #expect(try block.attribute(1, key: "other")?.isIdentical(to: .double(.nan)) == true)
        #expect(block.keys == ["k", "other"])
        block.withMessageBytes(1) { #expect(Array($0) == Array("m2".utf8)) }
        #expect(block.level(0) == .info)
    }

    @Test func rawBlockLayoutMatchesSpec() throws {
        // Two records, hand-encoded from the 5.2 grammar.
        let uuid = "0123abcd-0000-1111-2222-333344445555"
        let sortedA = LogRecord(timestamp: 990, level: .error, source: "web", correlationID: uuid, message: "hi",
                                attributes: [Attribute("k", .int(-1)), Attribute("b", .bool(true))], sequence: 10)
        let sortedB = LogRecord(timestamp: 1_000, level: .info, source: "db", correlationID: "x", message: "",
                                attributes: [Attribute("k", .string("v"))], sequence: 12)
        var s: [UInt8] = [2]
        s += le(Int64(990)) + [20]                         // zigzag(10) = 20
        s += le(UInt64(10)) + [4]
        s += [5, 2]
        s += [2, 3] + Array("web".utf8) + [2] + Array("db".utf8)
        s += [0, 1]
        s += [1, 3]
        s += [0x01, 0x23, 0xab, 0xcd, 0x00, 0x00, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55]
        s += [1] + Array("x".utf8)
        s += [2, 0] + Array("hi".utf8)
        s += [2, 1]
        s += [2, 1] + Array("k".utf8) + [1] + Array("b".utf8)
        s += [0, 1, 0]
        s += [1, 3, 0]
        s += [1, 1, 1] + Array("v".utf8)
        #expect(encode([sortedA, sortedB]).raw == s)
        let back = try records(of: DecodedBlock(raw: s))
        #expect(sameRecord(back[0], sortedA) && sameRecord(back[1], sortedB))
    }

    @Test func blockHeaderLayoutMatchesSpec() {
        let stored: [UInt8] = [9, 8, 7]
        let (head, crc) = stored.withUnsafeBytes { BlockHeader.encode(codec: 1, rawLength: 0x0102_0304, stored: $0) }
        #expect(head.count == 20)
        #expect(Array(head[0..<4]) == [0x4C, 0x53, 0x42, 0x4B])
        #expect(Array(head[4..<8]) == [1, 0, 0, 0])
        #expect(Array(head[8..<12]) == le(UInt32(0x0102_0304)))
        #expect(Array(head[12..<16]) == le(UInt32(3)))
        #expect(Array(head[16..<20]) == le(crc))
        #expect(crc == referenceCRC32C(Array(head[0..<16]) + stored))
    }

    @Test func blockHeaderOpenRoundTripsLZ4AndRaw() throws {
        var g = RecordGenerator(seed: 0x0BE)
        let recs = g.sortedRecords(300)
        let raw = encode(recs).raw
        for codec in [BlockFormat.codecLZ4, BlockFormat.codecRaw] {
            let full = try storedBlock(raw, codec: codec)
            let header = try full.withBytes { (b) throws(FormatError) in try BlockHeader.decode(b) }
            #expect(header.codec == codec)
            #expect(header.rawLength == raw.count)
            #expect(header.storedLength == full.count - 20)
            full.withUnsafeBytes { #expect(header.verify($0)) }
            #expect(try open(full) == raw)
            let back = try records(of: DecodedBlock(raw: try open(full)))
            #expect(back.count == recs.count)
            for (a, b) in zip(recs, back) { #expect(sameRecord(b, normalized(a))) }
        }
    }

    @Test func bitFlipAnywhereInABlockIsDetected() throws {
        var g = RecordGenerator(seed: 0xF11)
        let raw = encode(g.sortedRecords(12)).raw
        for codec in [BlockFormat.codecLZ4, BlockFormat.codecRaw] {
            let full = try storedBlock(raw, codec: codec)
            for bit in 0..<(full.count * 8) {
                #expect(throws: FormatError.self, "codec \(codec) bit \(bit) of \(full.count * 8)") {
                    try open(full.flippingBit(bit))
                }
            }
        }
    }

    @Test func blockHeaderRejectsBadFields() throws {
        let raw = encode([LogRecord(timestamp: 1, level: .info, source: "s", message: "m", sequence: 1)]).raw
        let full = try storedBlock(raw, codec: BlockFormat.codecRaw)
        #expect(try open(full) == raw)
        // Truncated or extended block.
        for n in 0..<full.count { #expect(throws: FormatError.self) { try open(Array(full[..<n])) } }
        #expect(throws: FormatError.self) { try open(full + [0]) }
        // Unknown codec (re-checksummed so only the codec is wrong).
        var unknown = full
        unknown[4] = 2
        #expect(throws: FormatError.self) { try open(unknown) }
        // Raw codec whose raw length differs from the stored length, with a valid checksum.
        let mismatched = raw.withUnsafeBytes { BlockHeader.encode(codec: 0, rawLength: raw.count + 1, stored: $0) }.bytes + raw
        #expect(throws: FormatError.self) { try open(mismatched) }
        // Raw length above 16 MiB.
        let big = raw.withUnsafeBytes { BlockHeader.encode(codec: 1, rawLength: (16 << 20) + 1, stored: $0) }.bytes + raw
        #expect(throws: FormatError.self) { try open(big) }
        // LZ4 codec whose stored bytes are not LZ4 (checksum valid).
        let notLZ4 = [UInt8](repeating: 0xFF, count: 40)
        let lying = notLZ4.withUnsafeBytes { BlockHeader.encode(codec: 1, rawLength: 100, stored: $0) }.bytes + notLZ4
        #expect(throws: FormatError.self) { try open(lying) }
        // LZ4 block declaring the wrong raw length.
        let lz = try storedBlock(raw + raw + raw, codec: BlockFormat.codecLZ4)
        var wrongLength = lz
        wrongLength.replaceSubrange(8..<12, with: le(UInt32(raw.count * 3 - 1)))
        wrongLength.replaceSubrange(16..<20, with: le(CRC32C.checksum(Array(wrongLength[0..<16]) + Array(wrongLength[20...]))))
        #expect(throws: FormatError.self) { try open(wrongLength) }
    }

    @Test func truncatedRawBlockThrows() throws {
        var g = RecordGenerator(seed: 0x7C)
        let raw = encode(g.sortedRecords(25)).raw
        for n in 0..<raw.count {
            #expect(throws: FormatError.self, "\(n) of \(raw.count)") { try DecodedBlock(raw: Array(raw[..<n])) }
        }
        #expect(throws: FormatError.self) { try DecodedBlock(raw: raw + [0]) }
    }

    @Test func decodedBlockNeverCrashesOnGarbage() {
        var rng = SeededRandom(seed: 0x6A6)
        var accepted = 0
        for _ in 0..<3_000 {
            let garbage = rng.bytes(rng.int(0...200))
            if let block = try? DecodedBlock(raw: garbage) {
                accepted += 1
                for i in 0..<block.count { _ = try? block.record(i) }
            }
        }
        #expect(accepted == 0, "random bytes decoded as a block")
        // The smallest structurally valid prefix pieces: N = 0 is refused.
        #expect(throws: FormatError.self) { try DecodedBlock(raw: [0] + [UInt8](repeating: 0, count: 40)) }
        // Huge counts are bounded by the input, not allocated.
        #expect(throws: FormatError.self) { try DecodedBlock(raw: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] + [UInt8](repeating: 0, count: 64)) }
    }

    @Test func mutatedBlocksNeverCrash() throws {
        var g = RecordGenerator(seed: 0x3A7)
        let raw = encode(g.sortedRecords(20)).raw
        var rng = SeededRandom(seed: 11)
        for _ in 0..<5_000 {
            var bad = raw
            for _ in 0..<rng.int(1...4) { bad[rng.int(0..<bad.count)] = UInt8.random(in: 0...255, using: &rng) }
            if let block = try? DecodedBlock(raw: bad) {
                // Whatever decodes must be internally consistent.
                for i in 0..<block.count {
                    _ = try? block.record(i)
                    _ = block.correlationMatches(i, CorrelationProbe("x"))
                }
            }
        }
    }

    @Test func corruptColumnsAreRejected() throws {
        let rec = LogRecord(timestamp: 1, level: .info, source: "s", correlationID: "id", message: "m",
                            attributes: [Attribute("k", .bool(true))], sequence: 1)
        let raw = encode([rec]).raw
        // Layout: N(0) ts(1..<9) seq(9..<17) level(17) D(18) "s"(19..<21) srcidx(21) kind(22) idlen(23) "id"(24..<26)
        // msglen(26) "m"(27) attrcount(28) K(29) "k"(30..<32) keyidx(32) type(33) value(34)
        #expect(raw.count == 35)
        func rejects(_ at: Int, _ v: UInt8, _ why: String) {
            var bad = raw
            bad[at] = v
            #expect(throws: FormatError.self, "\(why)") { try DecodedBlock(raw: bad) }
        }
        rejects(17, 7, "level byte 7")
        rejects(18, 0, "empty source dictionary")
        rejects(21, 1, "source index outside the dictionary")
        rejects(22, 4, "correlation kind 4")
        rejects(23, 0, "empty correlation ID")
        rejects(32, 1, "key index outside the dictionary")
        rejects(33, 4, "attribute type 4")
        rejects(34, 2, "bool 2")
        rejects(0, 0, "N = 0")
        // Over-long correlation string (256 bytes) is corruption.
        var long = rec
        long.correlationID = String(repeating: "z", count: 256)
        #expect(throws: FormatError.self) { try DecodedBlock(raw: encode([long]).raw) }
        // Invalid UTF-8 in a message is caught when the record is built.
        var badMessage = raw
        badMessage[27] = 0xFF
        let block = try DecodedBlock(raw: badMessage)
        #expect(throws: FormatError.self) { try block.record(0) }
    }
}
