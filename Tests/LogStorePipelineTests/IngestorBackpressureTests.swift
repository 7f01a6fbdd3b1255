import Foundation
import Synchronization
import Testing
@testable import LogStore
@testable import LogStorePipeline

/// Backpressure and persistent failures, with a disk that is full until the test frees it.
@Suite struct IngestorBackpressureTests {
    /// An ingestor on a full disk whose first batch (m0…m4) is stuck in flight.
    func stalled(_ policy: BackpressurePolicy) async throws -> (TempDir, FullDiskIO, LogStore, Ingestor) {
        let dir = TempDir()
        let io = FullDiskIO()
        let store = try openStore(dir, io: io)
        io.full = true
        let ingestor = try Ingestor(store: store, options: smallOptions(policy))
        for i in 0..<5 { ingestor.offer(record(i)) }
        #expect(await waitUntil { ingestor.status.isStalled })
        return (dir, io, store, ingestor)
    }

    @Test func dropNewestHoldsTheBoundAndKeepsTheOldest() async throws {
        let (dir, io, store, ingestor) = try await stalled(.dropNewest)
        var maxBuffered = 0
        for i in 5..<100 {
            ingestor.offer(record(i))
            maxBuffered = max(maxBuffered, ingestor.counters.buffered)
        }
        #expect(maxBuffered == 20)
        let c = ingestor.counters
        #expect(c.accepted == 20)
        #expect(c.dropped[.bufferFull] == 80)
        io.full = false
        await ingestor.flush()
        #expect(try messages(store) == (0..<20).map { "m\($0)" })
        #expect(ingestor.counters.written == 20)
        await ingestor.close()
        _ = try? store.close()     // reports the appends the full disk made it lose (the ingestor rewrote them)
        _ = dir
    }

    @Test func dropOldestEvictsBufferedRecordsButNotTheBatchInFlight() async throws {
        let (dir, io, store, ingestor) = try await stalled(.dropOldest)
        for i in 5..<100 {
            #expect(ingestor.offer(record(i)) == .accepted)
            #expect(ingestor.counters.buffered <= 20)
        }
        #expect(ingestor.counters.dropped[.evicted] == 80)
        io.full = false
        await ingestor.flush()
        // The batch in flight (m0…m4) and the 15 newest.
        #expect(try messages(store) == (0..<5).map { "m\($0)" } + (85..<100).map { "m\($0)" })
        let c = ingestor.counters
        #expect(c.accepted == c.written + c.failed + c.buffered + (c.dropped[.evicted] ?? 0))
        await ingestor.close()
        _ = try? store.close()     // reports the appends the full disk made it lose (the ingestor rewrote them)
        _ = dir
    }

    @Test func blockWaitsOnlyUpToItsBoundThenDrops() async throws {
        let (dir, io, store, ingestor) = try await stalled(.block)
        for i in 5..<20 { #expect(ingestor.offer(record(i)) == .accepted) }
        #expect(ingestor.offer(record(20)) == .dropped(.bufferFull), "offer never waits")
        let started = ContinuousClock.now
        #expect(ingestor.offer(record(21), waitingUpTo: .milliseconds(80)) == .dropped(.bufferFull))
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(70) && waited < .seconds(2))
        // submit waits until the disk has room again.
        let submitted = Task { await ingestor.submit(record(22)) }
        #expect(await waitUntil { ingestor.state.withLock { $0.spaceWaiters.count } == 1 }, "submit waits for room")
        // A negative check: 100 ms for a submit that does not wait to show itself.
        #expect(await staysTrue(for: .milliseconds(100)) { ingestor.counters.accepted == 20 })
        io.full = false
        #expect(await submitted.value == .accepted)
        await ingestor.flush()
        #expect(try messages(store) == (0..<20).map { "m\($0)" } + ["m22"])
        await ingestor.close()
        _ = try? store.close()     // reports the appends the full disk made it lose (the ingestor rewrote them)
        _ = dir
    }

    @Test func fullDiskIsRetriedReportedAndResumedByItself() async throws {
        let dir = TempDir()
        let io = FullDiskIO()
        let store = try openStore(dir, io: io)
        let changes = Mutex<[String]>([])
        var options = smallOptions(.dropNewest, buffer: 100, batch: 10)
        options.onStatusChange = { status in changes.withLock { $0.append(status.isStalled ? "stalled" : "\(status)") } }
        let ingestor = try Ingestor(store: store, options: options)
        io.full = true
        for i in 0..<30 { ingestor.offer(record(i)) }
        #expect(await waitUntil { ingestor.status.isStalled })
        if case .stalled(let error) = ingestor.status {
            #expect(error.code == ENOSPC)
            #expect(error.description.contains("No space left"))
        }
        #expect(await waitUntil { ingestor.counters.retried >= 4 }, "3 backoff retries, then probes")
        #expect(ingestor.counters.written == 0)
        #expect(ingestor.counters.failed == 0, "nothing is lost while the disk is full")
        #expect(ingestor.counters.buffered == 30)
        io.full = false
        #expect(await waitUntil { ingestor.counters.written == 30 })
        #expect(!ingestor.status.isStalled)
        #expect(changes.withLock { $0 } == ["stalled", "running"])
        #expect(try messages(store) == (0..<30).map { "m\($0)" })
        await ingestor.close()
        // close() reports that appends were lost to the full disk earlier (the ingestor wrote them again).
        _ = try? store.close()
    }

    @Test func closeGivesUpOnAStalledStoreAfterItsTimeout() async throws {
        let (dir, _, store, ingestor) = try await stalled(.dropNewest)
        for i in 5..<10 { ingestor.offer(record(i)) }
        let final = await ingestor.close(timeout: .milliseconds(100))
        #expect(final.dropped[.closed] == 10)
        #expect(final.written == 0)
        #expect(final.buffered == 0)
        _ = try? store.close()
        _ = dir
    }

    @Test func errorsRetryingCannotFixFailTheBatch() async throws {
        let dir = TempDir()
        let store = try openStore(dir)
        var options = smallOptions(.dropNewest)
        options.batchAge = .seconds(60)
        let ingestor = try Ingestor(store: store, options: options)
        try store.close()
        for i in 0..<5 { ingestor.offer(record(i)) }
        #expect(await waitUntil { ingestor.counters.failed == 5 })
        #expect(ingestor.counters.retried == 0)
        await ingestor.close()
    }
}
