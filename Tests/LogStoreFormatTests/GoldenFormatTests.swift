import Testing
@testable import LogStoreFormat

/// Pins the bytes of format version 1.
///
/// CHANGING ANY VALUE IN THIS FILE MEANS THE ON-DISK FORMAT CHANGED: bump the version in docs/FORMAT.md (and the
/// version constants), keep a reader for the old version, and only then update the numbers here.
///
/// The values were computed once from this code and agree with an independent encoder written from
/// docs/FORMAT.md alone (a Python script, not kept in the repository). LZ4 output may differ between liblz4 releases, so nothing here pins compressed bytes:
/// the segment below is built from blocks too small to compress, which the encoder stores raw (codec 0).
@Suite struct GoldenFormatTests {
    static let t0: Int64 = 1_700_000_000_000_000_123
    /// Sequences without runs of zero bytes, so one-record blocks stay incompressible.
    static let s0: UInt64 = 0x1122_10F4_7DE9_8115

    static let records: [LogRecord] = [
        LogRecord(timestamp: t0, level: .info, source: "api", correlationID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                  message: "GET /users 200",
                  attributes: [Attribute("status", .int(200)), Attribute("latency_ms", .double(12.5)),
                               Attribute("ok", .bool(true)), Attribute("path", .string("/users"))],
                  sequence: s0),
        LogRecord(timestamp: t0 + 1_000, level: .warning, source: "worker", correlationID: nil,
                  message: "retry é漢🎉", attributes: [Attribute("attempt", .int(-3))], sequence: s0 + 1),
        LogRecord(timestamp: t0 + 2_000, level: .error, source: "api", correlationID: "JOB-42",
                  message: "failed", attributes: [], sequence: s0 + 2),
        LogRecord(timestamp: t0 + 2_000, level: .critical, source: "db", correlationID: "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
                  message: "", attributes: [Attribute("nan", .double(.nan))], sequence: s0 + 4),
    ]

    static let header = SegmentHeader(segmentID: 0x2A, flushID: 7, groupSize: 1, groupIndex: 0,
                                      windowStart: 1_699_999_200_000_000_000, windowSpan: 3_600_000_000_000,
                                      createdAt: 1_700_000_500_000_000_000, version: 2)

    @Test func walHeaderBytesArePinned() {
        let bytes = WALHeader(fileNumber: 1, firstSequence: 1).encode()
        // Changing this means the on-disk format changed: bump the version in docs/FORMAT.md.
        // (Exact bytes, not a CRC: the CRC32C of bytes that end in their own CRC32C is the same constant for
        // every such header.)
        #expect(bytes.hex == "4c4f47535457414c01000000010000000000000001000000000000007ec06b97")
    }

    @Test func walFrameBytesArePinned() {
        let frame = walFrame(Self.records, firstSequence: Self.s0)
        // Changing this means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(frame.count == 274)
        #expect(CRC32C.checksum(frame) == 2_503_972_364, "WAL frame bytes changed: \(frame.hex)")
    }

    @Test func rawBlockBytesArePinned() {
        var enc = BlockEncoder()
        let (raw, _) = enc.encode(Self.records[...])
        // Changing this means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(raw.count == 212)
        #expect(CRC32C.checksum(raw) == 2_496_189_160, "raw block bytes changed: \(raw.hex)")
    }

    /// Version 1 segments are still read (FORMAT.md, compatibility); the encoder can still write them
    /// for tests, and must write exactly the bytes version 1 writers wrote.
    @Test func segmentVersion1FileBytesArePinned() throws {
        var header = Self.header
        header.version = 1
        // rawBlockTarget 1: one record per block, each too small for LZ4 to win, so every block is stored raw.
        let (file, footer, _) = segmentFile(Self.records, header: header, rawBlockTarget: 1)
        for b in footer.blocks { try #require(b.codec == BlockFormat.codecRaw, "golden blocks must be stored raw") }
        let body = footer.encode(version: 1)
        // Changing these means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(header.encode().hex == "4c4f475354534547010000002a000000000000000700000000000000010000000000000000c072f243"
                + "9c971700a0b8304603000000887ca0729d9717ac6f456f")
        #expect(body.count == 300)
        #expect(CRC32C.checksum(body) == 3_763_197_028, "footer body changed: \(body.hex)")
        #expect(file.count == 741)
        #expect(CRC32C.checksum(file) == 262_625_339, "segment file changed: \(file.hex)")
    }

    @Test func segmentFileBytesArePinned() throws {
        // rawBlockTarget 1: one record per block, each too small for LZ4 to win, so every section is stored raw.
        let (file, footer, blocks) = segmentFile(Self.records, header: Self.header, rawBlockTarget: 1)
        for b in blocks {
            let h = try b.withBytes { (x) throws(FormatError) in try SectionedBlockHeader.decode(x) }
            try #require(h.sections.allSatisfy { $0.codec == BlockFormat.codecRaw }, "golden sections must be stored raw")
        }
        let body = footer.encode(version: Self.header.version)
        // Changing these means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(Self.header.encode().hex == "4c4f475354534547020000002a000000000000000700000000000000010000000000000000c072f243"
                + "9c971700a0b8304603000000887ca0729d9717a3041a86")
        #expect(body.count == 312)
        #expect(CRC32C.checksum(body) == 2_081_775_378, "footer body changed: \(body.hex)")
        #expect(file.count == 929)
        #expect(CRC32C.checksum(file) == 1_260_372_962, "segment file changed: \(file.hex)")
    }

    /// The version 2 block header, field by field against FORMAT.md 5.2.
    @Test func sectionedBlockHeaderLayoutMatchesSpec() throws {
        let d = [SectionDescriptor(codec: 1, rawLength: 0x0102, storedLength: 0x0304, checksum: 0xA1A2_A3A4),
                 SectionDescriptor(codec: 0, rawLength: 9, storedLength: 9, checksum: 0xB1B2_B3B4),
                 SectionDescriptor(codec: 1, rawLength: 0x050607, storedLength: 0x0809, checksum: 0xC1C2_C3C4)]
        let (bytes, crc) = SectionedBlockHeader.encode(recordCount: 0x1234, sections: d)
        var e: [UInt8] = Array("LSB2".utf8) + le(UInt32(0x1234)) + [3, 0, 0, 0]
        e += [1, 0, 0, 0] + le(UInt32(0x0102)) + le(UInt32(0x0304)) + le(UInt32(0xA1A2_A3A4))
        e += [0, 0, 0, 0] + le(UInt32(9)) + le(UInt32(9)) + le(UInt32(0xB1B2_B3B4))
        e += [1, 0, 0, 0] + le(UInt32(0x050607)) + le(UInt32(0x0809)) + le(UInt32(0xC1C2_C3C4))
        e += le(referenceCRC32C(e[0..<60]))
        #expect(bytes == e)
        #expect(crc == referenceCRC32C(e[0..<60]))
        let back = try bytes.withBytes { (b) throws(FormatError) in try SectionedBlockHeader.decode(b) }
        #expect(back.sections == d && back.recordCount == 0x1234 && back.checksum == crc)
        #expect(back.offset(of: .core) == 64 && back.offset(of: .messages) == 64 + 0x0304
                && back.offset(of: .attributes) == 64 + 0x0304 + 9)
        // A record count the decoded bytes cannot hold (5 bytes per record at least) is refused before
        // anything is sized from it.
        let (huge, _) = SectionedBlockHeader.encode(recordCount: 0x7FFF_FFFF, sections: d)
        #expect(throws: FormatError.self) { try huge.withBytes { (b) throws(FormatError) in try SectionedBlockHeader.decode(b) } }
        #expect(throws: FormatError.self) { try DecodedBlock(count: 0x7FFF_FFFF, core: nil, messages: [1, 0x41], attributes: nil) }
        #expect(throws: FormatError.self) { try DecodedBlock(count: 0x7FFF_FFFF, core: nil, messages: nil, attributes: [0, 0]) }
        // Damage anywhere in the header is caught by its checksum.
        for i in 0..<64 {
            var bad = bytes
            bad[i] ^= 0x10
            #expect(throws: FormatError.self, "byte \(i)") { try bad.withBytes { (b) throws(FormatError) in try SectionedBlockHeader.decode(b) } }
        }
    }
}
