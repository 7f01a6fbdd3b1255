import Foundation
import Testing
@testable import LogStore

/// Live subscriptions (issue 5, item 5): `LogStore.subscribe` delivers committed records that match a
/// filter exactly as a query would select them, with bounded buffering and explicit lag.
@Suite struct SubscriptionTests {
    static func options(_ durability: Durability = .batch) -> StoreOptions {
        var o = StoreOptions(durability: durability)
        o.batchInterval = .milliseconds(2)
        return o
    }

    /// Reads events until the subscription ends.
    static func drain(_ s: LogSubscription) async -> [LogSubscription.Event] {
        var out: [LogSubscription.Event] = []
        for await e in s { out.append(e) }
        return out
    }

    static func records(_ events: [LogSubscription.Event]) -> [LogRecord] {
        events.compactMap { if case .record(let r) = $0 { r } else { nil } }
    }

    @Test func subscriptionDeliversWhatAQueryWithTheSameFilterReturns() async throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        var input = makeRecords(1_500, seed: 51)
        for i in input.indices { input[i].sequence = UInt64(i + 1) }  // the sequences the store will assign
        var gen = QueryGenerator(records: input, seed: 52)
        var filters: [LogQuery] = [LogQuery()]
        for _ in 0..<40 {
            var q = gen.next()
            q.limit = nil  // a subscription's limit counts in commit order, a query's in result order
            filters.append(q)
        }
        let subscriptions = try filters.map { try store.subscribe($0, bufferSize: input.count) }
        let appended = try appendInBatches(store, input, batches: 30)
        #expect(appended.map(\.sequence) == input.map(\.sequence))
        var expected: [[LogRecord]] = []
        for q in filters {
            // `order` changes what `after` selects, so the query keeps it; the result is then re-sorted.
            expected.append(try store.records(q).sorted { QueryCursor($0) < QueryCursor($1) })
        }
        try store.close()
        var nonEmpty = 0
        for (i, s) in subscriptions.enumerated() {
            let events = await Self.drain(s)
            var got = Self.records(events)
            #expect(got.count == events.count, "no lag with a buffer as large as the input")
            #expect(got.map(\.sequence) == got.map(\.sequence).sorted(), "commit order")
            got.sort { QueryCursor($0) < QueryCursor($1) }
            expectSameRecords(got, expected[i], "filter \(i) \(filters[i])")
            expectSameRecords(got, reference(appended, filters[i]).sorted { QueryCursor($0) < QueryCursor($1) },
                              "filter \(i) vs reference")
            if !got.isEmpty { nonEmpty += 1 }
        }
        #expect(nonEmpty >= 20, "the generator produced mostly empty filters")
    }

    /// Concurrent appenders (with flushes) and a fast and a lagging consumer: the fast one gets every
    /// record once, in sequence order; for the lagging one, records plus skipped add up to the total.
    @Test func concurrentAppendersAndConsumersSeeEveryRecordOnceOrCountedAsSkipped() async throws {
        let dir = TempDir()
        var options = Self.options()
        options.headFlushBytes = 64 << 10
        let store = try LogStore.open(at: dir.path, options: options)
        let fast = try store.subscribe(bufferSize: 10_000)
        let slow = try store.subscribe(LogQuery(levels: [.error]), bufferSize: 4)
        let fastTask = Task { await Self.drain(fast) }
        let slowTask = Task {
            var out: [LogSubscription.Event] = []
            for await e in slow {
                out.append(e)
                await pace(.milliseconds(1))  // a consumer slower than the appenders: lagging is the point
            }
            return out
        }
        let failures = Locked(0)
        ConcurrencyTests.runThreads((0..<4).map { t in
            { @Sendable in
                for b in 0..<25 {
                    let batch = Faults.records("t\(t)-\(b)", 20)
                    if (try? store.append(batch))?.accepted != batch.count { failures.update { $0 += 1 } }
                }
            }
        })
        #expect(failures.value == 0)
        let all = try store.records(LogQuery())
        try store.close()
        let fastEvents = await fastTask.value
        let delivered = Self.records(fastEvents)
        #expect(delivered.count == fastEvents.count && delivered.count == 2_000)
        #expect(delivered.map(\.sequence) == Array(1...2_000))
        expectSameRecords(delivered.sorted { QueryCursor($0) < QueryCursor($1) }, all, "fast consumer")
        let slowEvents = await slowTask.value
        let skipped = slowEvents.reduce(0) { if case .lagged(let n) = $1 { $0 + n } else { $0 } }
        let slowRecords = Self.records(slowEvents)
        #expect(slowRecords.allSatisfy { $0.level == .error })
        #expect(slowRecords.count + skipped == all.filter { $0.level == .error }.count)
        #expect(slowRecords.map(\.sequence) == slowRecords.map(\.sequence).sorted())
    }

    @Test func limitEndsTheSubscriptionAfterThatManyRecords() async throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options(.sync))
        defer { try? store.close() }
        let s = try store.subscribe(LogQuery(correlationID: "a", limit: 3))
        try store.append(Faults.records("b", 5) + Faults.records("a", 5))
        let got = Self.records(await Self.drain(s))
        #expect(got.map(\.message) == ["a record 0", "a record 1", "a record 2"])
        // The ended subscription leaves the registry right after its last record, possibly on another
        // thread: wait for that (a clean-clone CI run once looked a moment too early).
        #expect(await waitUntil { store.committer?.subscriptions.hasSubscribers == false })
    }

    @Test func slowConsumerGetsOneLaggedEventInPlaceOfWhatItMissed() async throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options(.sync))
        let s = try store.subscribe(bufferSize: 4)
        var it = s.makeAsyncIterator()
        // The writer is never held up by the full buffer.
        for r in Faults.records("x", 10) { try store.append(r) }
        // Once the committer has published what is durable to the inbox.
        await waitUntil { s.handle.inbox.debugCounts == (4, 6) }
        #expect(s.handle.inbox.debugCounts == (4, 6))
        let first = await it.next()
        #expect(first == .record(try #require(try store.records(LogQuery()).first)))
        _ = await it.next()
        try store.append(Faults.records("y", 1))  // room again: the lag marker goes in before it
        await waitUntil { s.handle.inbox.debugCounts.buffered == 4 }
        try store.close()
        var rest: [LogSubscription.Event] = []
        while let e = await it.next() { rest.append(e) }
        #expect(rest.count == 4)
        #expect(Self.records(Array(rest.prefix(2))).map(\.sequence) == [3, 4])
        #expect(rest[2] == .lagged(skipped: 6))
        #expect(Self.records([rest[3]]).map(\.message) == ["y record 0"])
    }

    @Test func lagAtTheEndIsReportedBeforeTheSequenceFinishes() async throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        let s = try store.subscribe(bufferSize: 3)
        try store.append(Faults.records("x", 100))
        try store.close()
        let events = await Self.drain(s)
        #expect(Self.records(events).map(\.sequence) == [1, 2, 3])
        #expect(events.last == .lagged(skipped: 97))
    }

    @Test func cancellingTheConsumingTaskUnsubscribes() async throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        let s = try store.subscribe()
        let consumer = Task { await Self.drain(s) }
        // Cancelled while it waits for a record.
        #expect(await waitUntil { s.handle.inbox.hasWaitingConsumer })
        consumer.cancel()
        let events = await consumer.value
        #expect(events.isEmpty)
        #expect(store.committer?.subscriptions.hasSubscribers == false)
        try store.append(Faults.records("x", 3))  // nothing to deliver to, nothing kept
        try store.sync()
    }

    @Test func droppingTheSubscriptionUnsubscribes() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        do {
            let s = try store.subscribe()
            #expect(store.committer?.subscriptions.hasSubscribers == true)
            _ = s
        }
        #expect(store.committer?.subscriptions.hasSubscribers == false)
    }

    @Test func closingTheStoreFinishesAWaitingConsumerAndRefusesNewSubscriptions() async throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        let s = try store.subscribe()
        let taken = Locked(0)
        let consumer = Task {
            var out: [LogSubscription.Event] = []
            for await e in s {
                out.append(e)
                taken.update { $0 += 1 }
            }
            return out
        }
        try store.append(Faults.records("x", 2))
        // Closed while the consumer, having taken both records, waits for more.
        #expect(await waitUntil { taken.value == 2 && s.handle.inbox.hasWaitingConsumer })
        try store.close()
        #expect(Self.records(await consumer.value).count == 2)
        #expect(throws: LogStoreError.self) { _ = try store.subscribe() }
    }

    @Test func readOnlyStoresAndBadBufferSizesAreRefused() throws {
        let dir = TempDir()
        let writer = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? writer.close() }
        #expect { _ = try writer.subscribe(bufferSize: 0) } throws: { ($0 as? LogStoreError)?.kind == .invalidArgument }
        var ro = StoreOptions()
        ro.readOnly = true
        let reader = try LogStore.open(at: dir.path, options: ro)
        #expect { _ = try reader.subscribe() } throws: { ($0 as? LogStoreError)?.kind == .readOnly }
    }

    /// A record whose WAL write fails is reported failed to its appender and never delivered.
    @Test func recordsLostToAFailedWALWriteAreNeverDelivered() async throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io, .sync))
        let s = try store.subscribe()
        try store.append(Faults.records("before", 2))
        _ = WALFaultTests.WALFault.writeEIO.inject(into: io)
        #expect(throws: LogStoreError.self) { try store.append(Faults.records("lost", 2)) }
        try store.append(Faults.records("after", 2))
        try store.close()
        let got = Self.records(await Self.drain(s)).map(\.message)
        #expect(got == ["before record 0", "before record 1", "after record 0", "after record 1"])
    }
}
