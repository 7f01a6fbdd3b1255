import LogStore

/// What a producer meets when the ``Ingestor``'s buffer is full.
public enum BackpressurePolicy: String, Sendable, CaseIterable {
    /// The producer waits for room: ``Ingestor/submit(_:)`` suspends, ``Ingestor/offer(_:waitingUpTo:)``
    /// blocks up to its bound; ``Ingestor/offer(_:)-(LogRecord)`` never waits and drops the record (`bufferFull`).
    case block
    /// The new record is dropped (counted as `bufferFull`).
    case dropNewest
    /// The oldest buffered records not yet being written are dropped to make room (counted as `evicted`).
    case dropOldest
}

/// Settings of an ``Ingestor``. Each default is chosen for a collector embedding LogStore.
public struct IngestorOptions: Sendable {
    /// Default 1,000. A batch is written once this many records are buffered. Larger batches mean fewer
    /// WAL writes and syncs; smaller ones, less latency.
    public var batchRecords = 1_000
    /// Default 1 MiB. A batch is written once its records reach this many bytes (estimated row size).
    public var batchBytes = 1 << 20
    /// Default 5 s. A batch is written once its oldest record has waited this long, however small it is.
    public var batchAge: Duration = .seconds(5)
    /// Default 100,000. Most records buffered (including the batch being written); the memory bound.
    public var maxBufferedRecords = 100_000
    /// Default 64 MiB. Most bytes buffered (estimated row sizes), including the batch being written.
    public var maxBufferedBytes = 64 << 20
    /// Default `.block`. What happens to producers when the buffer is full.
    public var backpressure = BackpressurePolicy.block
    /// Default 3. Retries of a failed write, with exponential backoff from ``retryBaseDelay`` up to
    /// ``retryMaxDelay``, before the failure counts as persistent.
    public var maxRetries = 3
    /// Default 50 ms. The first retry's delay; each further retry doubles it.
    public var retryBaseDelay: Duration = .milliseconds(50)
    /// Default 2 s. Longest delay between retries, also the probing interval while stalled.
    public var retryMaxDelay: Duration = .seconds(2)
    /// Default `logstore_ingest`. Prefix of the swift-metrics labels (`<prefix>_accepted_total`, …).
    public var metricsLabel = "logstore_ingest"
    /// Default none. Dimensions added to every metric, such as `[("pipeline", "app")]`.
    public var metricsDimensions: [(String, String)] = []
    /// Default none. Called on the writer thread when the status changes: a stall (with the error that
    /// caused it) or the resumption after one. Keep it short; it must not call back into the ingestor's
    /// waiting methods.
    public var onStatusChange: (@Sendable (IngestorStatus) -> Void)?

    public init() {}

    func validate() throws(LogStoreError) {
        func bad(_ what: String) -> LogStoreError { LogStoreError(.invalidArgument, "IngestorOptions: \(what)") }
        guard batchRecords >= 1 else { throw bad("batchRecords must be at least 1, got \(batchRecords)") }
        guard batchBytes >= 1 else { throw bad("batchBytes must be at least 1, got \(batchBytes)") }
        guard batchAge > .zero else { throw bad("batchAge must be positive, got \(batchAge)") }
        guard maxBufferedRecords >= batchRecords else {
            throw bad("maxBufferedRecords (\(maxBufferedRecords)) must be at least batchRecords (\(batchRecords))")
        }
        guard maxBufferedBytes >= batchBytes else {
            throw bad("maxBufferedBytes (\(maxBufferedBytes)) must be at least batchBytes (\(batchBytes))")
        }
        guard maxRetries >= 0 else { throw bad("maxRetries must not be negative, got \(maxRetries)") }
    }
}
