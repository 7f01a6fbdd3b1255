import LogStore

/// Why a record offered to an ``Ingestor`` was not stored.
public enum DropReason: String, Sendable, CaseIterable, Hashable {
    /// The buffer was full (policy `dropNewest`, a non-blocking ``Ingestor/offer(_:)-(LogRecord)``, or a bounded wait
    /// that ran out).
    case bufferFull
    /// Dropped from the buffer to make room for newer records (policy `dropOldest`).
    case evicted
    /// Larger than the buffer's byte bound or the store's record limit.
    case tooLarge
    /// Offered after ``Ingestor/close(timeout:)``, or still buffered when close gave up waiting.
    case closed
    /// Older than the store's retention (the store dropped it).
    case expired
    /// Too far in the future (the store rejected it).
    case future
    /// Rejected by the store as invalid (over the record size limit, correlation ID too long).
    case invalid
}

/// The ``Ingestor``'s counters. Once the buffer is empty,
/// `accepted == written + failed + buffered + dropped[evicted, expired, future, invalid, closed-after-acceptance]`.
public struct IngestorCounters: Sendable, Hashable {
    /// Records taken into the buffer.
    public var accepted = 0
    /// Records not stored, by reason (refused at the door or dropped later).
    public var dropped: [DropReason: Int] = [:]
    /// Records the store acknowledged (durable under its `Durability`).
    public var written = 0
    /// Write attempts repeated after a failure (backoff retries and probes while stalled).
    public var retried = 0
    /// Records whose write failed for good (an error that retrying cannot fix, such as a closed store).
    public var failed = 0
    /// Records in the buffer now, including the batch being written.
    public var buffered = 0
    /// Estimated bytes in the buffer now.
    public var bufferedBytes = 0
    /// Batches written.
    public var batches = 0

    public init() {}

    /// Dropped records of every reason.
    public var droppedTotal: Int { dropped.values.reduce(0, +) }
}

/// Whether the ``Ingestor`` is writing.
public enum IngestorStatus: Sendable, CustomStringConvertible {
    /// Writing normally.
    case running
    /// Writes keep failing (for example a full disk) after every retry. Records stay buffered up to the
    /// bound and the writer keeps probing; it resumes by itself when a write succeeds.
    case stalled(LogStoreError)
    /// Closed: no longer accepting records.
    case closed

    public var description: String {
        switch self {
        case .running: "running"
        case .stalled(let error): "stalled: \(error)"
        case .closed: "closed"
        }
    }

    /// Whether writes are stalled.
    public var isStalled: Bool {
        if case .stalled = self { return true }
        return false
    }
}
