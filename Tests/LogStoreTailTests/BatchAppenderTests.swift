import Foundation
import Testing
import LogStore
import LogStoreIngest
@testable import LogStoreTail

/// The tailer's appender: a small batch with none in flight is stored on the caller's thread, before
/// `submit` returns (no wait for the queue's thread); a large one is queued; order is kept either way.
@Suite struct BatchAppenderTests {
    /// `count` NDJSON lines parsed into rows, with messages `tag-0`, `tag-1`, … of about `pad` bytes each.
    static func rows(_ tag: String, _ count: Int, pad: Int = 0) -> EncodedRows {
        let padding = String(repeating: "x", count: pad)
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        var text = ""
        for i in 0..<count { text += "{\"timestamp\":\(now),\"level\":\"info\",\"message\":\"\(tag)-\(i) \(padding)\"}\n" }
        var stream = LineRecordStream(format: .ndjson)
        var rows = EncodedRows(), errors: [LineError] = []
        Array(text.utf8).withUnsafeBytes { stream.feed($0, into: &rows, errors: &errors) }
        return rows
    }

    @Test func aSmallBatchWithNoneInFlightIsStoredBeforeSubmitReturns() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path + "/store")
        defer { try? store.close() }
        let appender = BatchAppender(store: store)
        let position = Checkpoint(name: "tail:/a.log", value: Array("10".utf8))
        try appender.submit(rows: Self.rows("small", 3), checkpoints: [position], source: "a.log")
        // No waitIdle: it was appended on this thread.
        #expect(appender.counts.stored == 3)
        #expect(try store.count(LogQuery()) == 3)
        #expect(try store.checkpoint(named: "tail:/a.log") == Array("10".utf8))
        try appender.waitIdle()
    }

    @Test func aSmallBatchDoesNotOvertakeALargeOneInFlight() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path + "/store")
        defer { try? store.close() }
        let appender = BatchAppender(store: store)
        // Larger than the inline limit: queued. The small one after it must be appended after it.
        let large = Self.rows("large", 2_000, pad: 200)
        #expect(large.bytes.count > BatchAppender.inlineLimit)
        for round in 0..<20 {
            try appender.submit(rows: large, checkpoints: [Checkpoint(name: "tail:/a.log", value: Array("L\(round)".utf8))],
                                source: "a.log")
            try appender.submit(rows: Self.rows("small\(round)", 1),
                                checkpoints: [Checkpoint(name: "tail:/a.log", value: Array("S\(round)".utf8))], source: "a.log")
        }
        try appender.waitIdle()
        #expect(appender.counts.stored == 20 * 2_001)
        // The position stored last is the small batch's of the last round, and every small record comes
        // after the large batch submitted before it (sequence order is append order).
        #expect(try store.checkpoint(named: "tail:/a.log") == Array("S19".utf8))
        let records = try store.records(LogQuery()).sorted { $0.sequence < $1.sequence }
        let smallIndex = records.enumerated().filter { $0.element.message.hasPrefix("small") }.map(\.offset)
        #expect(smallIndex == (0..<20).map { ($0 + 1) * 2_001 - 1 })
    }
}
