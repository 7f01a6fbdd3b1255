import Foundation
import Testing
import LogStoreFormat
@testable import LogStore

/// Idempotency keys on the row path (`LogStore.append(rows:)` with `EncodedRows.keys`, used by the
/// server's OTLP ingest; docs/FORWARDING.md 8.5): the same rules as keyed records.
@Suite struct RowKeysTests {
    /// The rows of `records`, each with its record's key.
    static func rows(_ records: [LogRecord]) -> EncodedRows {
        var rows = EncodedRows()
        for record in records {
            RowCodec.encode(record, into: &rows.bytes)
            rows.endRow()
            if let key = record.idempotencyKey { rows.keyLastRow(key) }
        }
        return rows
    }

    @Test func keyedRowsAreDroppedLikeKeyedRecordsAndTheKeysSurviveACrash() throws {
        let dir = TempDir()
        let copies = TempDir()
        let store: LogStore? = try LogStore.open(at: dir.path, options: IdempotencyTests.options())
        defer { try? store?.close() }
        let first = try #require(store).append(rows: Self.rows(IdempotencyTests.keyed("r", 0..<10)))
        #expect(first.accepted == 10 && first.duplicates == 0)
        // A retry of part of it, new events, a repeat inside the batch and a row without a key.
        var plain = IdempotencyTests.keyed("r", 0..<1)
        plain[0].idempotencyKey = nil
        let retry = IdempotencyTests.keyed("r", 5..<15) + IdempotencyTests.keyed("r", 12..<13) + plain
        let second = try #require(store).append(rows: Self.rows(retry))
        #expect(second.accepted == 6 && second.duplicates == 6)
        // Keys given by records and by rows are one set.
        let third = try #require(store).append(IdempotencyTests.keyed("r", 14..<16))
        #expect(third.accepted == 1 && third.duplicates == 1)
        // An invalid key rejects its row with the reason.
        var invalid = Self.rows(IdempotencyTests.keyed("x", 0..<2))
        invalid.keys[1].key = IdempotencyKey("")
        let fourth = try #require(store).append(rows: invalid)
        #expect(fourth.accepted == 1 && fourth.rejected.map(\.index) == [1])
        // The row path returns once queued (the server then waits for the sync): make it durable, then
        // take what a crash now leaves (the store not closed): the keys frames of the rows are replayed.
        try #require(store).sync()
        let image = try copyStore(dir.path, into: copies, name: "crash")
        #expect(!fileExists(image + "/" + KeysFile.fileName))
        let reopened = try LogStore.open(at: image, options: IdempotencyTests.options())
        defer { try? reopened.close() }
        let after = try reopened.append(rows: Self.rows(IdempotencyTests.keyed("r", 0..<16)))
        #expect(after.accepted == 0 && after.duplicates == 16)
        #expect(try IdempotencyTests.messageCounts(reopened).values.reduce(0, +) == 18)
    }
}
