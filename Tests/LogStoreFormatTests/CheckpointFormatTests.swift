import Testing
@testable import LogStoreFormat

/// Checkpoints on disk (docs/FORMAT.md, section 9): the records-with-checkpoints frame (9.1) and the
/// CHECKPOINTS file (9.2), byte for byte as the spec writes them.
@Suite struct CheckpointFormatTests {
    static let values: [String: [UInt8]] = [
        "tail:/var/log/b.log": [1, 2, 3],
        "tail:/var/log/a.log": Array(0..<200),
        "é": [0xFF],
    ]

    @Test func checkpointsFileLayoutMatchesTheSpecAndRoundTrips() throws {
        let bytes = CheckpointsFile.encode(Self.values.merging(["removed": []]) { a, _ in a })
        #expect(Array(bytes[0..<8]) == Array("LOGSTCKP".utf8))
        #expect(bytes[8] == 1 && bytes[9] == 0 && bytes[10] == 0 && bytes[11] == 0)
        #expect(Int(bytes[12]) | Int(bytes[13]) << 8 == bytes.count - CheckpointsFile.headerSize)
        // Body: count, then names in byte order ("t…a", "t…b", "é" = C3 A9), empty values left out.
        let body = Array(bytes[CheckpointsFile.headerSize...])
        var expected: [UInt8] = [3]
        for name in ["tail:/var/log/a.log", "tail:/var/log/b.log", "é"] {
            let value = Self.values[name] ?? []
            expected += [UInt8(name.utf8.count)] + Array(name.utf8)
            expected += value.count < 128 ? [UInt8(value.count)] : [UInt8(value.count & 0x7F | 0x80), UInt8(value.count >> 7)]
            expected += value
        }
        #expect(body == expected)
        let decoded = try bytes.withBytes { (b) throws(FormatError) in try CheckpointsFile.decode(b) }
        #expect(decoded == Self.values)
    }

    @Test func everyFlippedByteOfACheckpointsFileIsDetected() {
        let bytes = CheckpointsFile.encode(Self.values)
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] ^= 0x08
            #expect(throws: FormatError.self, "byte \(i)") { try damaged.withBytes { (b) throws(FormatError) in try CheckpointsFile.decode(b) } }
        }
    }

    @Test func recordsWithCheckpointsFrameLayoutMatchesTheSpec() throws {
        let record = LogRecord(timestamp: 5, level: .warning, source: "s", message: "m")
        var w = ByteWriter()
        let start = WALFrame.beginRecordsFrame(type: WALFormat.checkpointsFrameType, into: &w)
        RowCodec.encode(record, into: &w)
        let rowEnd = w.count
        WALFrame.appendCheckpoints([Checkpoint(name: "f", value: [9, 8])], into: &w)
        WALFrame.finishRecordsFrame(at: start, count: 1, in: &w)
        WALFrame.sealRecordsFrame(at: start, firstSequence: 77, in: &w)
        #expect(w.bytes[8] == WALFormat.checkpointsFrameType)
        // Tail: n=1, name "f", value [9, 8], then checkpoints_length = 6 as u32.
        #expect(Array(w.bytes[rowEnd...]) == [1, 1, 0x66, 2, 9, 8] + le(UInt32(6)))
        let parts = w.bytes.withUnsafeBytes { all -> (Int, [Checkpoint], Int)? in
            guard let frame = WALFrame.frame(at: 0, in: all),
                  let (records, checkpoints) = try? WALFrame.recordsAndCheckpoints(type: frame.type, payload: frame.payload),
                  let decoded = try? WALFrame.decodeRecords(records) else { return nil }
            return (records.count, checkpoints, decoded.count)
        }
        let (recordsLength, checkpoints, count) = try #require(parts)
        #expect(recordsLength == rowEnd - start - WALFormat.frameHeaderSize)
        #expect(checkpoints == [Checkpoint(name: "f", value: [9, 8])])
        #expect(count == 1)
    }

    @Test func framesWithBadCheckpointListsDoNotDecode() {
        func payload(_ tail: [UInt8], lengthDelta: Int = 0) -> [UInt8] {
            le(UInt64(1)) + le(UInt32(0)) + tail + le(UInt32(UInt32(tail.count + lengthDelta)))
        }
        let bad: [[UInt8]] = [
            payload([0]),                                  // no checkpoints
            payload([2, 1, 0x61, 0, 1, 0x61, 0]),          // a name given twice
            payload([1, 0, 0]),                            // an empty name
            payload([1, 1, 0xFF, 0]),                      // a name that is not UTF-8
            payload([1, 1, 0x61, 3, 1]),                   // a value running past the list
            payload([1, 1, 0x61, 0], lengthDelta: 20),     // a length past the frame
            payload([1, 1, 0x61, 0, 7]),                   // a byte left over
        ]
        for p in bad {
            #expect(throws: FormatError.self, "\(p)") {
                try p.withBytes { (b) throws(FormatError) in _ = try WALFrame.recordsAndCheckpoints(type: WALFormat.checkpointsFrameType, payload: b) }
            }
        }
    }
}
