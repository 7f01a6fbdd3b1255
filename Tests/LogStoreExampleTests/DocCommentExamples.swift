import Foundation
import LogStore
import LogStoreLogging
import LogStorePipeline
import LogStoreTail
import Logging
import Synchronization

// The examples in doc comments, line for line (scripts/check-examples.py checks that they stay so),
// each in a function whose parameters are the names the example takes as given. Compiled with the
// tests, never called.

/// Sources/LogStore/Store/LogStore.swift
func logStoreDocExample(now: Int64, id: String) throws {
    let store = try LogStore.open(at: "/var/lib/collector/logs")
    try store.append([LogRecord(timestamp: now, level: .info, source: "api", correlationID: id, message: "GET /")])
    for record in try store.records(LogQuery(correlationID: id)) { print(record.message) }
    try store.close()
}

/// Sources/LogStore/Follow/LogFollower.swift
func logFollowerDocExample() async throws {
    // In a process other than the writer's:
    var filter = LogQuery(sources: ["api-worker"])
    filter.minimumLevel = .warning
    for try await event in try LogStore.follow(directory: "/var/lib/collector/logs", filter: filter) {
        if case .record(let record) = event { print(record.sequence, record.level, record.message) }
    }
}

/// Sources/LogStore/Follow/LogStore+Follow.swift
func followDocExample(path: String, readOnlyOptions: StoreOptions) async throws {
    let store = try LogStore.open(at: path, options: readOnlyOptions)
    let recent = try store.records(LogQuery(limit: 20, order: .descending))   // what is there now
    let start = store.latestSequence
    try store.close()
    for try await event in try LogStore.follow(directory: path, after: start) {   // what comes next
        print(event)
    }
    _ = recent
}

/// Sources/LogStore/Subscribe/LogSubscription.swift
func subscriptionDocExample(store: LogStore) async throws {
    var filter = LogQuery(sources: ["api-worker"])
    filter.minimumLevel = .warning
    for await event in try store.subscribe(filter, bufferSize: 4096) {
        switch event {
        case .record(let record): print(record.timestamp, record.level, record.message)
        case .lagged(let skipped): print("… \(skipped) records skipped: the consumer fell behind")
        case .damaged(let damage): print("… damaged records not delivered: \(damage)")
        }
    }
}

/// Sources/LogStoreFormat/Model/IdempotencyKey.swift
func idempotencyKeyDocExample(ts: Int64) -> [IdempotencyKey] {
    let fromLogID = IdempotencyKey("evt-7f3a91")                        // the upstream's own log id
    let derived = IdempotencyKey(source: "billing", event: "invoice.sent", timestamp: ts, duration: 1_250_000)
    return [fromLogID, derived]
}

/// Sources/LogStoreLogging/LogStoreLogHandler.swift
func logHandlerDocExample() throws {
    let store = try LogStore.open(at: "/var/lib/app/logs")
    let ingestor = try Ingestor(store: store)
    LoggingSystem.bootstrap(LogStoreLogHandler.factory(ingestor: ingestor))
    Logger(label: "api").info("started", metadata: ["correlation_id": "3f2a…", "port": "8080"])
}

/// Sources/LogStorePipeline/Ingestor.swift
func ingestorDocExample(store: LogStore, record: LogRecord) async throws {
    var options = IngestorOptions()
    options.backpressure = .dropOldest
    let ingestor = try Ingestor(store: store, options: options)
    ingestor.offer(record)                 // never waits
    await ingestor.submit(record)          // waits for room with `.block`
    await ingestor.close()                 // writes what is buffered
}

/// Sources/LogStoreTail/FileTailer.swift
func fileTailerDocExample(store: LogStore) throws {
    let stopRequested = Atomic<Bool>(false)
    let tailer = FileTailer(store: store, patterns: ["/var/log/app/*.log"], format: .ndjson)
    try tailer.run(shouldStop: { stopRequested.load(ordering: .relaxed) }, report: { print($0) })
}

/// Sources/LogStore/Compaction/LogStore+Compact.swift
func compactDocExample() throws {
    let store = try LogStore.open(at: "/var/lib/collector/logs")
    let report = try store.compact()
    print("\(report.segmentsReplaced) segments became \(report.segmentsWritten)")
    try store.close()
}
