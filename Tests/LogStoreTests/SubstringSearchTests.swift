import Testing
@testable import LogStore

/// The case-sensitive substring filter searches a block's concatenated messages in one pass; a
/// match that straddles two messages must not count, and every message holding the text must.
@Suite struct SubstringSearchTests {
    @Test func matchesNeverStraddleTwoMessages() throws {
        let dir = TempDir()
        let now = nowNanos()
        let messages = ["abc", "def", "", "cd", "xxcdxx cd", "c", "d", "abcd", "timeout", "time", "out", "ttimeoutt"]
        let records = messages.enumerated().map { i, m in
            LogRecord(timestamp: now - 1_000_000 + Int64(i), level: .info, source: "s", message: m)
        }
        let store = try LogStore.open(at: dir.path)
        try store.append(records)
        try store.flush()  // into a block
        for needle in ["cd", "timeout", "c", "abcdef", "out", "d"] {
            let q = LogQuery(messageContains: needle)
            let expected = messages.filter { $0.contains(needle) }
            #expect(try store.records(q).map(\.message) == expected, "needle \(needle)")
            #expect(try store.count(q) == expected.count, "needle \(needle)")
        }
        try store.close()
    }
}
