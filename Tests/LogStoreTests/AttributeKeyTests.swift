import Testing
@testable import LogStore
import LogStoreFormat

/// Found by FuzzBlock (Fuzz/regressions/FuzzBlock/block-key-lookup-*): a key spelled two ways
/// (NFC "é" and NFD "e\u{301}") got two dictionary entries, and an attribute query on a block looked
/// at only one of them, so a record matched before the flush and not after.
@Suite struct AttributeKeyTests {
    @Test func attributeQueriesMatchTheSameRecordsBeforeAndAfterAFlush() throws {
        let dir = TempDir()
        let now = nowNanos()
        let records = [
            LogRecord(timestamp: now - 2_000, level: .info, source: "s", message: "nfd", attributes: [Attribute("e\u{301}", .int(1))]),
            LogRecord(timestamp: now - 1_000, level: .info, source: "s", message: "nfc", attributes: [Attribute("\u{E9}", .int(2))]),
        ]
        let store = try LogStore.open(at: dir.path)
        try store.append(records)
        let queries = [LogQuery(attributes: [AttributeFilter("\u{E9}", .greaterOrEqual, .int(1))]),
                       LogQuery(attributes: [AttributeFilter("e\u{301}", .equal, .int(2))])]
        let before = try queries.map { try store.records($0).map(\.message) }
        try store.flush()
        let after = try queries.map { try store.records($0).map(\.message) }
        #expect(before == [["nfd", "nfc"], ["nfc"]])
        #expect(after == before)
        // Both spellings survive byte for byte.
        let all = try store.records(LogQuery())
        #expect(all.map { Array($0.attributes[0].key.utf8) } == [Array("e\u{301}".utf8), Array("\u{E9}".utf8)])
        try store.close()
    }

    @Test func blockWithARepeatedDictionaryEntryIsCorrupt() throws {
        // count 1, ts, seq, level, D=2 sources "a","a", index 0, kind none, message "", 0 attrs, K=0
        var w = ByteWriter()
        w.varint(1); w.i64(1); w.u64(1); w.u8(2)
        w.varint(2); w.string("a"); w.string("a")
        w.varint(0); w.u8(0); w.varint(0); w.varint(0); w.varint(0)
        #expect(throws: FormatError.self) { try DecodedBlock(raw: w.bytes) }
    }
}
