import Foundation
import LogStore
import LogStoreLogging
import LogStorePipeline
import Logging
import Testing

// The DocC articles' examples (Sources/*/*.docc), line for line (scripts/check-examples.py checks that
// they stay so). Those that finish by themselves run here, in a temporary directory, and their results
// are checked. Compiled only: the endless loops of SubscriptionsAndFollow.md (SubscriptionTests and
// FollowTests cover that behaviour) and the swift-log bootstrap (once per process; LoggingBootstrapTests
// runs it in a process of its own).

@Suite struct DocCArticleExamples {
    /// LogStore.docc/GettingStarted.md
    @Test func gettingStartedAppendsQueriesAndCounts() async throws {
        let temp = TempDir("docc-start")
        let directory = temp.file("store")
        var options = StoreOptions(durability: .batch)   // acknowledged by a group commit every 10 ms
        options.retention = .seconds(7 * 86_400)
        let store = try LogStore.open(at: directory, options: options)

        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        let receipt = try store.append([
            LogRecord(timestamp: now, level: .info, source: "checkout", correlationID: "job-42",
                      message: "step 1: reserved stock", attributes: [Attribute("items", .int(3))]),
            LogRecord(timestamp: now + 1_000_000, level: .error, source: "checkout", correlationID: "job-42",
                      message: "step 2: payment declined", attributes: [Attribute("code", .string("card_declined"))]),
        ])
        try await store.waitUntilDurable(receipt)   // on disk: survives a crash of this process

        let steps = try store.records(LogQuery(correlationID: "job-42"))   // in time order
        var errors = LogQuery(since: now - 3_600_000_000_000)
        errors.minimumLevel = .error
        let errorCount = try store.count(errors)
        try store.close()

        #expect(steps.map(\.message) == ["step 1: reserved stock", "step 2: payment declined"])
        #expect(errorCount == 1)
    }

    /// LogStore.docc/CheckpointsAndIdempotency.md: a position stored with its batch, resumed from.
    @Test func aProducerResumesFromTheCheckpointStoredWithItsRecords() throws {
        let temp = TempDir("docc-checkpoint")
        let directory = temp.file("store")
        let queue = (0..<10).map { "message \($0)" }
        func readBatch(after position: [UInt8]) throws -> ([LogRecord], [UInt8]) {
            let start = position.isEmpty ? 0 : Int(position[0])
            let end = min(start + 4, queue.count)
            let batch = queue[start..<end].map { LogRecord(timestamp: Int64(Date().timeIntervalSince1970 * 1e9), level: .info, source: "queue", message: $0) }
            return (batch, [UInt8(end)])
        }
        for _ in 0..<2 {   // two runs of the producer, each opening the store anew
            let store = try LogStore.open(at: directory, options: StoreOptions(durability: .sync))
            let position = try store.checkpoint(named: "queue:orders") ?? []
            let (batch, next) = try readBatch(after: position)
            try store.append(batch, checkpoints: [Checkpoint(name: "queue:orders", value: next)])
            try store.close()
        }
        let store = try LogStore.open(at: directory)
        defer { try? store.close() }
        #expect(try store.records(LogQuery()).map(\.message) == Array(queue[0..<8]))
    }

    /// LogStore.docc/CheckpointsAndIdempotency.md: a retried record is dropped and counted.
    @Test func aRetriedRecordWithTheSameKeyIsCountedAsADuplicate() throws {
        let temp = TempDir("docc-keys")
        let store = try LogStore.open(at: temp.file("store"))
        defer { try? store.close() }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        var record = LogRecord(timestamp: now, level: .info, source: "webhook", message: "delivery 7781 received")
        record.idempotencyKey = IdempotencyKey("webhook-delivery-7781")
        let first = try store.append([record])
        let retried = try store.append([record])   // the upstream retried: retried.duplicates == 1
        #expect(first.duplicates == 0)
        #expect(retried.duplicates == 1)
        #expect(try store.count(LogQuery()) == 1)
    }

    /// LogStorePipeline.docc/CollectingWithAnIngestor.md: every offered record is written.
    @Test func anIngestorWritesWhatEightWorkersOffer() async throws {
        let temp = TempDir("docc-ingestor")
        let directory = temp.file("store")
        let store = try LogStore.open(at: directory)
        var options = IngestorOptions()
        options.maxBufferedRecords = 100_000      // the memory bound (with maxBufferedBytes)
        options.backpressure = .dropOldest        // or .block, or .dropNewest
        let ingestor = try Ingestor(store: store, options: options)

        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for step in 0..<1_000 {
                        let record = LogRecord(timestamp: Int64(Date().timeIntervalSince1970 * 1e9), level: .info,
                                               source: "worker-\(worker)", correlationID: "job-\(worker)",
                                               message: "step \(step) done")
                        _ = ingestor.offer(record)   // never waits
                    }
                }
            }
        }
        let counters = await ingestor.close()      // writes what is buffered
        try store.close()

        #expect(counters.written == 8_000)
        let reopened = try LogStore.open(at: directory)
        defer { try? reopened.close() }
        #expect(try reopened.records(LogQuery(correlationID: "job-3")).map(\.message) == (0..<1_000).map { "step \($0) done" })
    }
}

/// LogStoreLogging.docc/LogStoreLogging.md (compiled; bootstrapping happens once per process).
func loggingArticleExample(directory: String) throws {
    let store = try LogStore.open(at: directory)
    let ingestor = try Ingestor(store: store)
    var handlerOptions = LogHandlerOptions()
    handlerOptions.correlationIDKey = "correlation_id"
    LoggingSystem.bootstrap(LogStoreLogHandler.factory(ingestor: ingestor, options: handlerOptions))

    let logger = Logger(label: "api-worker")
    logger.error("GET /orders failed", metadata: ["correlation_id": "3f2a9c1e", "status": "504"])
}

/// LogStore.docc/SubscriptionsAndFollow.md, in the writing process (compiled; the loop never ends).
func subscriptionArticleExample(store: LogStore) async throws {
    var filter = LogQuery(sources: ["checkout"])
    filter.minimumLevel = .warning
    let subscription = try store.subscribe(filter, bufferSize: 1024)
    for await event in subscription {
        switch event {
        case .record(let record): print(record.sequence, record.message)
        case .lagged(let skipped): print("\(skipped) records skipped")
        case .damaged(let damage): print("not delivered: \(damage)")
        }
    }
}

/// LogStore.docc/SubscriptionsAndFollow.md, from another process (compiled; the loop never ends).
func followArticleExample(directory: String) async throws {
    var readOnly = StoreOptions()
    readOnly.readOnly = true
    let snapshot = try LogStore.open(at: directory, options: readOnly)
    let recent = try snapshot.records(LogQuery(limit: 50, order: .descending))
    let after = snapshot.latestSequence
    try snapshot.close()
    for try await event in try LogStore.follow(directory: directory, after: after) {
        if case .record(let record) = event { print(record.sequence, record.message) }
    }
    _ = recent
}
