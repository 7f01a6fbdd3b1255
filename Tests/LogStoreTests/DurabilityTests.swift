import Foundation
import Testing
@testable import LogStore

/// Durability modes: when an append (or a wait, or a sync) returns, its records are in the WAL on
/// disk. A copy of the directory taken at that moment, with the writer still open, is what a crash
/// would leave; opening the copy must show the records.
@Suite struct DurabilityTests {
    static func records(_ n: Int, tag: String) -> [LogRecord] {
        let now = nowNanos()
        return (0..<n).map { LogRecord(timestamp: now - Int64(n - $0) * 1_000_000, level: .info, source: "durable",
                                       correlationID: tag, message: "\(tag) \($0)") }
    }

    /// Opens a copy of the store taken now and returns the records with correlation ID `tag`.
    static func recordsInCopy(of store: String, tag: String, into: TempDir) throws -> [LogRecord] {
        let copy = try copyStore(store, into: into, name: "copy-\(UUID().uuidString)")
        let reopened = try LogStore.open(at: copy, options: StoreOptions(durability: .none))
        defer { try? reopened.close() }
        return try reopened.records(LogQuery(correlationID: tag))
    }

    @Test func syncAppendIsInTheWALWhenAppendReturns() throws {
        let dir = TempDir()
        let copies = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        var expected: [LogRecord] = []
        for i in 0..<5 {
            expected += try appendInBatches(store, Self.records(3, tag: "sync-\(i)"), batches: 1)
            // No sync, no close: the append itself made it durable.
            let seen = try Self.recordsInCopy(of: dir.path, tag: "sync-\(i)", into: copies)
            expectSameRecords(seen, Array(expected.suffix(3)), "copy after sync append \(i)")
        }
        try store.close()
        let reopened = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        defer { try? reopened.close() }
        expectSameRecords(try reopened.records(LogQuery(sources: ["durable"])), expected, "reopened in the same process")
    }

    @Test func batchWaitUntilDurableCompletesAndCoversTheAppend() async throws {
        let dir = TempDir()
        let copies = TempDir()
        var opts = StoreOptions(durability: .batch)
        opts.batchInterval = .milliseconds(30)
        let store = try LogStore.open(at: dir.path, options: opts)
        defer { try? store.close() }
        let input = Self.records(20, tag: "batch")
        let receipt = try store.append(input)
        #expect(receipt.accepted == 20)
        try await store.waitUntilDurable(receipt)
        let seen = try Self.recordsInCopy(of: dir.path, tag: "batch", into: copies)
        #expect(seen.map(\.sequence) == Array(receipt.firstSequence...receipt.lastSequence))
        // An async append in batch mode returns at once; waiting covers it too.
        let second = try await store.appendAsync(Self.records(5, tag: "batch-async"))
        try await store.waitUntilDurable(second)
        #expect(try Self.recordsInCopy(of: dir.path, tag: "batch-async", into: copies).count == 5)
    }

    @Test func noneDurabilityRecordsAreDurableAfterSync() throws {
        let dir = TempDir()
        let copies = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .none))
        defer { try? store.close() }
        var expected: [LogRecord] = []
        for i in 0..<10 { expected += try appendInBatches(store, Self.records(10, tag: "none-\(i % 2)"), batches: 1) }
        try store.sync()
        let even = try Self.recordsInCopy(of: dir.path, tag: "none-0", into: copies)
        expectSameRecords(even, reference(expected.filter { $0.correlationID == "none-0" }, LogQuery()), "copy after sync")
    }

    @Test func noneDurabilityWaitUntilDurableForcesASync() async throws {
        let dir = TempDir()
        let copies = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .none))
        defer { try? store.close() }
        let receipt = try store.append(Self.records(4, tag: "forced"))
        try await store.waitUntilDurable(receipt)
        #expect(try Self.recordsInCopy(of: dir.path, tag: "forced", into: copies).count == 4)
    }

    @Test func syncAppendAsyncIsDurableWhenItReturns() async throws {
        let dir = TempDir()
        let copies = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        defer { try? store.close() }
        let receipt = try await store.appendAsync(Self.records(6, tag: "async-sync"))
        #expect(receipt.accepted == 6)
        #expect(try Self.recordsInCopy(of: dir.path, tag: "async-sync", into: copies).count == 6)
    }

    @Test func appendAfterCloseThrowsClosed() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        try store.close()
        let error = #expect(throws: LogStoreError.self) { try store.append(Self.records(1, tag: "late")) }
        #expect(error?.kind == .closed)
        #expect(throws: LogStoreError.self) { _ = try store.records(LogQuery()) }
        try store.close()  // twice is fine
    }
}
