import Foundation
import LogStore
import LogStoreLogging
import LogStorePipeline
import Logging

// The README's Swift examples, line for line (scripts/check-examples.py checks that they stay so).
// They are compiled with the tests and never called: they use the fixed paths the README shows.
// `LoggingBootstrapTests` runs the collector set-up for real, in a process of its own.

/// README.md, "The library".
func readmeLibraryExample() async throws {
    let nowNanoseconds = Int64(Date().timeIntervalSince1970 * 1e9)
    var options = StoreOptions(durability: .batch)   // or .sync: acknowledged after fdatasync
    options.retention = .seconds(7 * 86_400)         // persisted in the store
    let store = try LogStore.open(at: "/var/lib/collector/logs", options: options)

    let receipt = try store.append([
        LogRecord(timestamp: nowNanoseconds, level: .error, source: "api-worker",
                  correlationID: "3f2a9c1e-7b7d-4c11-9f0e-2b1c4d5e6f70",
                  message: "GET /orders failed: upstream timeout",
                  attributes: [Attribute("status", .int(504)), Attribute("latency_ms", .double(30_001.5))]),
    ])
    try await store.waitUntilDurable(receipt)        // batch mode: wait for the covering fsync

    // Every record of one request, in order.
    for record in try store.records(LogQuery(correlationID: "3f2a9c1e-7b7d-4c11-9f0e-2b1c4d5e6f70")) {
        print(record.timestamp, record.level, record.message)
    }

    // Streaming, newest first, with filters; bounded memory.
    var q = LogQuery(since: nowNanoseconds - 3_600_000_000_000, sources: ["api-worker"],
                     messageContains: "timeout", caseInsensitive: true, order: .descending)
    q.minimumLevel = .warning
    q.attributes = [AttributeFilter("status", .greaterOrEqual, .int(500))]
    let it = try store.query(q)
    while let record = try it.next() { print(record.level, record.message) }

    let errorsLastHour = try store.count(LogQuery(since: nowNanoseconds - 3_600_000_000_000, levels: [.error, .critical]))
    let perLevel = try store.countByLevel(LogQuery(since: nowNanoseconds - 3_600_000_000_000))

    // Live tail: records as they are committed, filtered like a query; bounded buffer, explicit lag.
    var live = LogQuery(sources: ["api-worker"])
    live.minimumLevel = .error
    Task {
        for await event in try store.subscribe(live, bufferSize: 1024) {
            switch event {
            case .record(let record): print(record.timestamp, record.message)
            case .lagged(let skipped): print("(\(skipped) records skipped: consumer too slow)")
            case .damaged(let damage): print("(damaged records not delivered: \(damage))")   // file, offset, count
            }
        }   // ends when the task is cancelled, the subscription dropped, or the store closed
    }

    try store.expire()      // also runs every minute in the background
    try store.close()       // flushes the head into segments
    _ = (errorsLastHour, perLevel)
}

/// README.md, "Collectors: the Ingestor and the swift-log backend". `record` is any record to offer.
func readmeCollectorExample(record: LogRecord) async throws {
    let store = try LogStore.open(at: "/var/lib/app/logs")
    var options = IngestorOptions()          // batches of 1,000 records or 1 MiB, or every 5 s
    options.maxBufferedRecords = 100_000     // the memory bound (also maxBufferedBytes, 64 MiB)
    options.backpressure = .dropOldest       // or .block (producers wait) or .dropNewest
    options.onStatusChange = { status in print("logstore ingest: \(status)") }   // "stalled: … No space left …"
    let ingestor = try Ingestor(store: store, options: options)

    ingestor.offer(record)                   // never waits
    await ingestor.submit(record)            // with .block: waits for room

    var handlerOptions = LogHandlerOptions()
    handlerOptions.correlationIDKey = "correlation_id"   // the default; else the ServiceContext's trace ID
    LoggingSystem.bootstrap(LogStoreLogHandler.factory(ingestor: ingestor, options: handlerOptions))
    let logger = Logger(label: "api-worker")               // label → source
    logger.error("GET /orders failed", metadata: ["correlation_id": "3f2a9c1e", "status": "504"])

    print(ingestor.counters)   // accepted, dropped by reason, written, retried, failed, buffered
    await ingestor.close()     // writes what is buffered
    try store.close()
}
