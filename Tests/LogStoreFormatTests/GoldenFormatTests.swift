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
                                      createdAt: 1_700_000_500_000_000_000)

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

    @Test func segmentFileBytesArePinned() throws {
        // rawBlockTarget 1: one record per block, each too small for LZ4 to win, so every block is stored raw.
        let (file, footer, _) = segmentFile(Self.records, header: Self.header, rawBlockTarget: 1)
        for b in footer.blocks { try #require(b.codec == BlockFormat.codecRaw, "golden blocks must be stored raw") }
        let body = footer.encode()
        // Changing these means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(Self.header.encode().hex == "4c4f475354534547010000002a000000000000000700000000000000010000000000000000c072f243"
                + "9c971700a0b8304603000000887ca0729d9717ac6f456f")
        #expect(body.count == 300)
        #expect(CRC32C.checksum(body) == 3_763_197_028, "footer body changed: \(body.hex)")
        #expect(file.count == 741)
        #expect(CRC32C.checksum(file) == 262_625_339, "segment file changed: \(file.hex)")
    }
}
