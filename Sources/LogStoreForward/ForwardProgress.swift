/// What a forwarder has done so far; read at any time through ``ClickHouseForwarder/progress``.
public struct ForwardProgress: Sendable, Hashable {
    /// The sink's high-water mark as last read or advanced: every record up to it is in the sink.
    public var highWaterMark: UInt64 = 0
    /// Records this forwarder inserted and saw acknowledged.
    public var sentRecords: Int = 0
    /// Inserts acknowledged.
    public var sentBatches: Int = 0
    /// Failed requests that were retried.
    public var retries: Int = 0
    /// Damage reports from the store: records that could not be read and so were not forwarded.
    public var damagedReports: Int = 0
    /// Now minus the timestamp of the oldest record read but not yet in the sink, in seconds, as of
    /// the last batch; 0 when caught up.
    public var lagSeconds: Double = 0
    /// Records not yet in the sink: the newest sequence number seen in the store minus the
    /// high-water mark, as of the last batch read or sent.
    public var lagRecords: UInt64 = 0
    /// Sequence numbers the store no longer held when the forwarder reached them (expired before they
    /// were sent, or failed appends): never in the sink, counted here (docs/FORWARDING.md 7).
    public var missingRecords: UInt64 = 0
    /// Records the sink accepted the request for but rejected one by one (OTLP `partial_success`):
    /// not sent again, counted in `forward_failed_total{reason="rejected"}`.
    public var rejectedRecords: Int = 0
    /// The sink's message for the last partial rejection.
    public var lastRejection: String?
    /// The last retryable failure, while retrying; nil after a success.
    public var lastError: String?
    /// Why the position could not be saved in the store (forwarders in the writer's process only);
    /// nil after a success.
    public var positionError: String?
}

/// A sink's position against its store: what `logstore forward --status` prints.
public struct ForwardStatus: Sendable, Hashable {
    public var storeID: String
    /// The newest sequence number in the store.
    public var storeLatestSequence: UInt64
    /// The largest sequence number of this store in the sink.
    public var highWaterMark: UInt64
    /// Records not yet in the sink (newest minus high-water mark; records the store no longer holds
    /// are included until the retention policy of docs/FORWARDING.md 7 counts them).
    public var lagRecords: UInt64 { storeLatestSequence > highWaterMark ? storeLatestSequence - highWaterMark : 0 }
    /// Now minus the timestamp of the next record to send (the first the store holds above the mark),
    /// in seconds; 0 when caught up.
    public var lagSeconds: Double = 0
}
