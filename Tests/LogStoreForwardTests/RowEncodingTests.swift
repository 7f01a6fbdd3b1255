import Foundation
import Testing
import LogStore
@testable import LogStoreForward

/// The forwarder's JSONEachRow straight from segment blocks (``ClickHouseBlockEncoder`` over
/// ``CommittedRowScan``) against the record-level encoder, and the reader's hand-over from the
/// segments to the follower. No ClickHouse needed.
struct RowEncodingTests {
    static let target = "clickhouse://127.0.0.1:1/default.logs"

    @Test func blockRowsEncodeByteForByteAsTheirRecordsForRandomRecords() throws {
        for seed: UInt64 in [1, 2, 3] {
            var random = SplitMix(seed: seed)
            let dir = TempDir()
            let written = (0..<3000).map { _ in randomRecord(&random) }
            try writeStore(dir.path, written, per: 250)
            let storeID = "host:/var/lib/\"quoted\"\\store\u{1}ü"
            let records = try storedRecords(dir.path)
            #expect(records.count == written.count)
            var expected: [UInt8] = []
            for record in records { ClickHouseRowEncoder.append(record, storeID: storeID, to: &expected) }

            var scan = try CommittedRowScan(directory: dir.path, after: 0, window: 700)
            let encoder = ClickHouseBlockEncoder(storeID: storeID)
            var encoded = EncodedLines()
            while let window = scan.next() {
                let rows = try #require(encoder.encode(window))
                encoded.append(contentsOf: rows)
            }
            #expect(scan.stoppedBy == nil)
            #expect(encoded.sequences == records.map(\.sequence))
            #expect(encoded.bytes == expected, "seed \(seed): the block encoder differs from the record encoder")

            // And the lines are the JSON of the records (not only the same as the old encoder's).
            let lines = encoded.bytes.split(separator: UInt8(ascii: "\n"))
            #expect(lines.count == records.count)
            for (line, record) in zip(lines, records) {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                #expect(object["store_id"] as? String == storeID)
                #expect((object["seq"] as? NSNumber)?.uint64Value == record.sequence)
                #expect((object["timestamp_ns"] as? NSNumber)?.int64Value == record.timestamp)
                #expect(object["level"] as? String == record.level.name)
                #expect(object["source"] as? String == record.source)
                #expect(object["correlation_id"] as? String == (record.correlationID ?? ""))
                #expect(object["message"] as? String == record.message)
                #expect(object["attr.key"] as? [String] == record.attributes.map { $0.key })
                #expect(object["attr.value"] as? [String] == record.attributes.map { $0.value.description })
            }
        }
    }

    @Test func theReaderHandsOverFromSegmentsToTheWALWithEveryRecordOnceInOrder() async throws {
        let dir = TempDir()
        let first = sampleRecords(5000)
        try writeStore(dir.path, first)   // closed: in segments
        let writer = try LogStore.open(at: dir.path)
        _ = try writer.append(sampleRecords(3000, first: 5000))   // open: in the WAL
        defer { try? writer.close() }

        var configuration = ForwardConfiguration(storeDirectory: dir.path, storeID: "s")
        configuration.stopWhenCaughtUp = true
        let forwarder = try ClickHouseForwarder(target: try ClickHouseTarget(url: Self.target), configuration: configuration)
        var scan = try CommittedRowScan(directory: dir.path, after: 1234)
        var scanned = 0
        while let window = scan.next() { scanned += window.order.count }
        #expect(scanned == 5000 - 1234, "the scan reads the committed segments above its start, not the WAL")

        let queue = RecordQueue(capacity: 1000)
        let reader = ForwardReader(directory: dir.path, storeID: "s", queue: queue, forwarder: forwarder)
        let reading = Task { await reader.run(after: 1234) }
        defer { reading.cancel() }
        var got = EncodedLines()
        // Polls until everything is in; the bound is long because this task and the reader's share the
        // cooperative pool with the whole suite (at 30 s the loop gave up with nothing in one full run),
        // and the queue is drained once more after it.
        func drain() {
            let (rows, end) = queue.drain()
            got.append(contentsOf: rows)
            if case .failed(let error) = end { Issue.record("reader failed: \(error)") }
        }
        await waitUntil(timeout: .seconds(300)) { drain(); return got.count >= 8000 - 1234 }
        drain()
        #expect(got.sequences == Array(1235...8000))
        var expected: [UInt8] = []
        for record in try storedRecords(dir.path, writer: writer) where record.sequence > 1234 {
            ClickHouseRowEncoder.append(record, storeID: "s", to: &expected)
        }
        // Not `#expect(got.bytes == expected)`: on a mismatch Swift Testing diffs the two megabyte arrays
        // (Myers), which ran for many minutes at 100 % CPU in a full-suite run and looked like a hang.
        let sameBytes = got.bytes == expected
        let firstDifference = zip(got.bytes, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(sameBytes, "\(got.bytes.count) bytes encoded, \(expected.count) expected; first difference at \(firstDifference.map(String.init) ?? "the end of the shorter")")
    }

    /// The store's records in sequence order, read through the record path.
    func storedRecords(_ directory: String, writer: LogStore? = nil) throws -> [LogRecord] {
        if let writer { return try writer.records(LogQuery()).sorted { $0.sequence < $1.sequence } }
        var options = StoreOptions()
        options.readOnly = true
        let store = try LogStore.open(at: directory, options: options)
        defer { try? store.close() }
        return try store.records(LogQuery()).sorted { $0.sequence < $1.sequence }
    }
}

/// A record with a bit of everything the encoder must get right: quotes, backslashes, every control
/// character, multi-byte UTF-8, UUID and string correlation IDs, attributes of every type.
func randomRecord(_ random: inout SplitMix) -> LogRecord {
    let now = Int64(Date().timeIntervalSince1970 * 1e9)
    let pieces = ["plain", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "é", "ünïcode", "日本語", "🙂",
                  " ", "/", "</script>", "\u{2028}", "{\"json\":1}"]
    func text(_ maxPieces: Int) -> String {
        (0..<Int(random.next() % UInt64(maxPieces + 1))).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }
    let correlation: String?
    switch random.next() % 5 {
    case 0: correlation = nil
    case 1: correlation = UUID().uuidString.lowercased()
    case 2: correlation = UUID().uuidString
    case 3: correlation = "req-" + text(3)
    default: correlation = text(2).isEmpty ? nil : "c" + text(2)
    }
    var attributes: [Attribute] = []
    for index in 0..<Int(random.next() % 5) {
        let key = index % 2 == 0 ? "k\(index)" : "k" + text(2)
        let value: AttributeValue
        switch random.next() % 8 {
        case 0: value = .string(text(4))
        case 1: value = .int(Int64(bitPattern: random.next()))
        case 2: value = .int([Int64.min, Int64.max, 0, -1, 7][Int(random.next() % 5)])
        case 3: value = .double(Double(bitPattern: random.next()))
        case 4: value = .double([0.1, -0.0, 1e-7, 1e300, .infinity, -.infinity, .nan, 42][Int(random.next() % 8)])
        case 5: value = .bool(random.next() % 2 == 0)
        default: value = .string("")
        }
        attributes.append(Attribute(key, value))
    }
    return LogRecord(timestamp: now - Int64(random.next() % 3_600_000_000_000), level: LogLevel.allCases[Int(random.next() % 7)],
                     source: "svc-" + text(2), correlationID: correlation, message: text(12), attributes: attributes)
}

/// A small deterministic generator (SplitMix64), so a failing seed can be rerun.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
