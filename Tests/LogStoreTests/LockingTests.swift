import Foundation
import Testing
@testable import LogStore

/// One writer per store; read-only opens beside it see durable records and change nothing.
@Suite struct LockingTests {
    static func records(_ n: Int, _ tag: String) -> [LogRecord] {
        let now = nowNanos()
        return (0..<n).map { LogRecord(timestamp: now - Int64(n - $0) * 1_000, level: .warning, source: tag, message: "\(tag) \($0)") }
    }

    static var readOnly: StoreOptions {
        var o = StoreOptions()
        o.readOnly = true
        return o
    }

    @Test func secondWriterIsRefusedWithTheHoldersPID() throws {
        let dir = TempDir()
        let writer = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        defer { try? writer.close() }
        let error = #expect(throws: LogStoreError.self) { try LogStore.open(at: dir.path) }
        #expect(error?.kind == .locked)
        #expect(error?.holderPID == getpid())
        #expect(error?.path?.hasSuffix("LOCK") == true)
        #expect(error?.message.contains("\(getpid())") == true)
        // The refused open left the writer intact: its lock file still names it, it still appends.
        #expect(String(decoding: try fileBytes(dir.file("LOCK")), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                == "\(getpid())")
        #expect(try writer.append(Self.records(1, "still-writing")).accepted == 1)
    }

    @Test func closingReleasesTheLockForTheNextWriter() throws {
        let dir = TempDir()
        let first = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        let stored = try appendInBatches(first, Self.records(3, "first"), batches: 1)
        try first.close()
        let second = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        defer { try? second.close() }
        expectSameRecords(try second.records(LogQuery()), stored, "records of the first writer")
        #expect(try second.append(Self.records(1, "second")).firstSequence == 4)
    }

    @Test func readOnlyOpenBesideWriterSeesDurableRecordsWithoutChangingFiles() throws {
        let dir = TempDir()
        var opts = StoreOptions(durability: .sync)
        opts.blockSize = 2048
        let writer = try LogStore.open(at: dir.path, options: opts)
        defer { try? writer.close() }
        // Some records in segments, some only in the WAL.
        var stored = try appendInBatches(writer, Self.records(200, "flushed"), batches: 2)
        try writer.flush()
        stored += try appendInBatches(writer, Self.records(50, "wal-only"), batches: 5)
        #expect(!walNames(dir.path).isEmpty)

        let before = try snapshotFiles(dir.path)
        let reader = try LogStore.open(at: dir.path, options: Self.readOnly)
        #expect(reader.recoveryReport.replayedRecords == 50)
        expectSameRecords(try reader.records(LogQuery()), reference(stored, LogQuery()), "read-only view")
        #expect(try reader.count(LogQuery(sources: ["wal-only"])) == 50)
        let after = try snapshotFiles(dir.path)
        #expect(before.keys.sorted() == after.keys.sorted(), "a read-only open creates or deletes no file")
        for (name, bytes) in before where !name.hasPrefix("LOCK") {
            #expect(after[name] == bytes, "\(name) changed")
        }
        try reader.close()
        // The writer is unaffected.
        #expect(try writer.append(Self.records(1, "after-reader")).accepted == 1)
    }

    @Test func writesOnAReadOnlyStoreThrowReadOnly() throws {
        let dir = TempDir()
        try LogStore.open(at: dir.path).close()
        let reader = try LogStore.open(at: dir.path, options: Self.readOnly)
        defer { try? reader.close() }
        let append = #expect(throws: LogStoreError.self) { try reader.append(Self.records(1, "ro")) }
        #expect(append?.kind == .readOnly)
        #expect((#expect(throws: LogStoreError.self) { try reader.sync() })?.kind == .readOnly)
        #expect((#expect(throws: LogStoreError.self) { try reader.flush() })?.kind == .readOnly)
        #expect((#expect(throws: LogStoreError.self) { try reader.expire() })?.kind == .readOnly)
        #expect(try reader.records(LogQuery()).isEmpty)
    }

    @Test func readOnlyOpenTakesNoLock() throws {
        let dir = TempDir()
        try LogStore.open(at: dir.path).close()
        let reader = try LogStore.open(at: dir.path, options: Self.readOnly)
        defer { try? reader.close() }
        // A writer can still open while the reader is open.
        let writer = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        try writer.close()
    }

    @Test func readOnlyOpenOfAMissingStoreThrowsNotFound() throws {
        let dir = TempDir()
        let error = #expect(throws: LogStoreError.self) { try LogStore.open(at: dir.file("absent"), options: Self.readOnly) }
        #expect(error?.kind == .notFound)
        #expect(!fileExists(dir.file("absent")))
        var noCreate = StoreOptions()
        noCreate.createIfMissing = false
        #expect((#expect(throws: LogStoreError.self) { try LogStore.open(at: dir.file("absent"), options: noCreate) })?.kind == .notFound)
    }
}
