import Testing
@testable import LogStoreFormat

/// Idempotency keys on disk (docs/FORMAT.md, section 8): the keys frame (8.1) and the KEYS file (8.2).
@Suite struct KeysFormatTests {
    static let entries = [
        KeysFile.Entry(sequence: 3, acceptedAt: 1_700_000_000_000_000_000, key: IdempotencyKey("evt-1")),
        KeysFile.Entry(sequence: 9, acceptedAt: -5, key: IdempotencyKey(source: "s", event: "e", timestamp: 7, duration: 2)),
        KeysFile.Entry(sequence: 10, acceptedAt: 0, key: IdempotencyKey(bytes: Array(repeating: 0xFF, count: 255))),
    ]

    @Test func keysFileRoundTripsAndItsLayoutMatchesTheSpec() throws {
        let bytes = KeysFile.encode(Self.entries)
        #expect(Array(bytes[0..<8]) == Array("LOGSTKEY".utf8))
        #expect(bytes[8] == 1 && bytes[9] == 0)
        #expect(Int(bytes[12]) | Int(bytes[13]) << 8 == bytes.count - KeysFile.headerSize)
        let decoded = try bytes.withBytes { (b) throws(FormatError) in try KeysFile.decode(b) }
        #expect(decoded == Self.entries)
        #expect(try KeysFile.encode([]).withBytes { (b) throws(FormatError) in try KeysFile.decode(b) }.isEmpty)
    }

    @Test func everyFlippedByteOfAKeysFileIsDetected() {
        let bytes = KeysFile.encode(Self.entries)
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] ^= 0x20
            #expect(throws: FormatError.self, "byte \(i)") { try damaged.withBytes { (b) throws(FormatError) in try KeysFile.decode(b) } }
        }
    }

    @Test func aKeysFileOfANewerVersionIsRefusedAsSuch() {
        var bytes = KeysFile.encode(Self.entries)
        bytes[8] = 2
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
        for k in 0..<4 { bytes[20 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        #expect { try bytes.withBytes { (b) throws(FormatError) in try KeysFile.decode(b) } } throws: {
            ($0 as? FormatError)?.isUnsupportedVersion == true
        }
    }

    @Test func keysFrameLayoutMatchesTheSpecAndDecodes() throws {
        var w = ByteWriter()
        let start = WALFrame.beginKeysFrame(acceptedAt: 42, into: &w)
        WALFrame.appendKeyEntry(delta: 0, key: Array("a".utf8), into: &w)
        WALFrame.appendKeyEntry(delta: 300, key: Array("bc".utf8), into: &w)
        WALFrame.finishKeysFrame(at: start, count: 2, in: &w)
        WALFrame.sealRecordsFrame(at: start, firstSequence: 7, in: &w)
        let expectedPayload: [UInt8] = le(UInt64(7)) + le(Int64(42)) + le(UInt32(2)) + [0, 1, 0x61] + [0xAC, 0x02, 2, 0x62, 0x63]
        #expect(w.bytes[8] == WALFormat.keysFrameType)
        #expect(Array(w.bytes[9...]) == expectedPayload)
        let decoded = w.bytes.withUnsafeBytes { all -> (Int64, [UInt64], [[UInt8]])? in
            guard let frame = WALFrame.frame(at: 0, in: all), let (at, entries) = try? WALFrame.decodeKeys(frame.payload) else { return nil }
            return (at, entries.map(\.sequence), entries.map { Array($0.key) })
        }
        let (at, sequences, keys) = try #require(decoded)
        #expect(at == 42)
        #expect(sequences == [7, 307])
        #expect(keys == [Array("a".utf8), Array("bc".utf8)])
    }

    @Test func keysFramesWithDeltasOutOfOrderOrEmptyKeysDoNotDecode() {
        for entries in [[(5, "a"), (5, "b")], [(0, "")]] {
            var w = ByteWriter()
            let start = WALFrame.beginKeysFrame(acceptedAt: 0, into: &w)
            for (d, k) in entries { WALFrame.appendKeyEntry(delta: d, key: Array(k.utf8), into: &w) }
            WALFrame.finishKeysFrame(at: start, count: entries.count, in: &w)
            let payload = Array(w.bytes[WALFormat.frameHeaderSize...])
            #expect(throws: FormatError.self) { try payload.withBytes { (b) throws(FormatError) in try WALFrame.decodeKeys(b) } }
        }
    }
}
