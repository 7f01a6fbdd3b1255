import Foundation
import Synchronization
import Testing
@testable import LogStore
@testable import LogStorePipeline

@Suite struct IngestorBatchingTests {
    @Test func fullBatchesAreWrittenAtOnceAndTheRestWaitsForItsAge() async throws {
        let dir = TempDir()
        let store = try openStore(dir)
        var options = IngestorOptions()
        options.batchRecords = 10
        options.batchAge = .seconds(3_600)
        let ingestor = try Ingestor(store: store, options: options)
        for i in 0..<25 { #expect(ingestor.offer(record(i)) == .accepted) }
        #expect(await waitUntil { ingestor.counters.written == 20 })
        // A negative check: 100 ms for a partial batch written before its age (an hour) to show itself.
        #expect(await staysTrue(for: .milliseconds(100)) { ingestor.counters.written == 20 }, "a partial batch must wait for its age")
        #expect(ingestor.counters.buffered == 5)
        #expect(ingestor.counters.batches == 2)
        await ingestor.flush()
        #expect(ingestor.counters.written == 25)
        await ingestor.close()
        #expect(try messages(store) == (0..<25).map { "m\($0)" })
        try store.close()
    }

    @Test func aSmallBatchIsWrittenWhenItsAgeIsReached() async throws {
        let dir = TempDir()
        let store = try openStore(dir)
        var options = IngestorOptions()
        options.batchAge = .milliseconds(50)
        let ingestor = try Ingestor(store: store, options: options)
        ingestor.offer(record(1))
        ingestor.offer(record(2))
        #expect(await waitUntil { ingestor.counters.written == 2 })
        await ingestor.close()
        try store.close()
    }

    @Test func batchesAreCutByBytes() async throws {
        let dir = TempDir()
        let store = try openStore(dir)
        var options = IngestorOptions()
        options.batchBytes = 4096
        options.batchAge = .seconds(60)
        let ingestor = try Ingestor(store: store, options: options)
        let big = String(repeating: "x", count: 1000)
        for _ in 0..<10 {
            ingestor.offer(LogRecord(timestamp: nowNanos(), level: .info, source: "s", correlationID: nil, message: big, attributes: []))
        }
        #expect(await waitUntil { ingestor.counters.written >= 8 })
        #expect(ingestor.counters.batches >= 2)
        await ingestor.close()
        try store.close()
    }

    @Test func inconsistentOptionsAreRejectedWithAReason() throws {
        let dir = TempDir()
        let store = try openStore(dir)
        var options = IngestorOptions()
        options.maxBufferedRecords = 10
        #expect(throws: LogStoreError.self) { try Ingestor(store: store, options: options) }
        try store.close()
    }

    @Test func manyProducersLoseNothingWithBlock() async throws {
        let dir = TempDir()
        let store = try openStore(dir)
        var options = IngestorOptions()
        options.maxBufferedRecords = 2_000
        options.batchRecords = 500
        let ingestor = try Ingestor(store: store, options: options)
        await withTaskGroup(of: Void.self) { group in
            for p in 0..<8 {
                group.addTask {
                    for i in 0..<2_000 { _ = await ingestor.submit(record(p * 10_000 + i, source: "p\(p)")) }
                }
            }
        }
        let final = await ingestor.close()
        #expect(final.accepted == 16_000)
        #expect(final.written == 16_000)
        #expect(final.droppedTotal == 0)
        let stored = try messages(store)
        #expect(Set(stored).count == 16_000)
        try store.close()
    }

    @Test func offerAfterCloseIsDroppedAsClosed() async throws {
        let dir = TempDir()
        let store = try openStore(dir)
        let ingestor = try Ingestor(store: store)
        await ingestor.close()
        #expect(ingestor.offer(record(1)) == .dropped(.closed))
        #expect(ingestor.counters.dropped[.closed] == 1)
        try store.close()
    }
}

@Suite struct IngestorPipeliningTests {
    /// The writer does not wait for one batch's WAL sync before appending the next: batches appended
    /// while a sync runs share the next one (group commit). Waiting per batch, as the writer once did,
    /// needs a sync per batch, which capped the pipeline near 80,000 records/s (docs/BENCHMARKS.md).
    @Test func batchesWaitingForTheirSyncShareIt() async throws {
        let dir = TempDir()
        let io = SlowSyncIO(delay: .milliseconds(40))
        let store = try openStore(dir, io: io)
        var options = IngestorOptions()
        options.batchRecords = 10
        options.maxBufferedRecords = 10_000
        let ingestor = try Ingestor(store: store, options: options)
        let syncsBefore = io.syncs.load(ordering: .relaxed)
        for i in 0..<600 { #expect(ingestor.offer(record(i)) == .accepted) }
        await ingestor.flush()
        let syncs = io.syncs.load(ordering: .relaxed) - syncsBefore
        let c = ingestor.counters
        #expect(c.written == 600 && c.batches == 60 && c.buffered == 0)
        #expect(syncs < 30, "60 batches took \(syncs) WAL syncs: the writer waited for each batch's sync")
        await ingestor.close()
        #expect(try messages(store).count == 600)
        try store.close()
    }
}
