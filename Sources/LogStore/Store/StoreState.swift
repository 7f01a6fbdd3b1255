/// Everything the store's threads share, guarded by `LogStore.state` (a ``Monitor``).
struct StoreState {
    var nextSequence: UInt64 = 1
    var nextWALNumber: UInt64 = 1
    var nextSegmentID: UInt64 = 1
    var head: Head
    /// Heads handed to the flusher, oldest first; queryable until their segments are installed.
    var immutables: [HeadSnapshot] = []
    /// Installed segments.
    var segments: [Segment] = []
    /// Damaged segment files left in place, removed by retention once their window has passed.
    var unreadableSegments: [UnreadableSegment] = []
    var settings: StoreSettings
    var closing = false
    var closed = false
    /// The last flush failure, cleared by the next successful flush.
    var flushError: LogStoreError?
    /// Flush attempts the flusher has started, and the number of the last one that failed: `flush()`
    /// and `close()` report only failures of attempts that started after they were called (an attempt
    /// in flight when a fault cleared must not be reported as the caller's failure).
    var flushAttemptsStarted: UInt64 = 0
    var lastFailedFlushAttempt: UInt64 = 0
    /// Segment files a failed flush renamed into place but could not delete; removed before the next
    /// attempt, which must not leave two groups with the same flush id.
    var strandedSegments: [String] = []
    /// Segments a compaction is reading (docs/FORMAT.md 10.2); retention leaves them until it ends.
    var compactingSegments: Set<UInt64> = []
    /// Files a compaction replaced but could not unlink (covered, never counted); retried.
    var compactionLeftovers: [String] = []
    var counters = StoreStatistics.Counters()
    /// Idempotency keys remembered (docs/FORMAT.md, section 8); replaced at open with the options' window.
    var idempotency = IdempotencyIndex(window: .seconds(600), maxKeys: 200_000)
    /// Whether a `KEYS` file exists (a flush with no keys to save then still replaces it).
    var keysFileExists = false
    /// Checkpoints remembered (docs/FORMAT.md, section 9).
    var checkpoints = CheckpointTable()
    /// Set by a read-only open when `CHECKPOINTS` is damaged: asking for checkpoints then fails.
    var checkpointsFileProblem: LogStoreError?

    init(head: Head, settings: StoreSettings) {
        self.head = head
        self.settings = settings
    }

    /// What a query reads: immutable references only.
    func snapshot() -> StoreSnapshot {
        var heads = immutables
        if !head.isEmpty { heads.append(head.snapshot()) }
        return StoreSnapshot(segments: segments, heads: heads, settings: settings)
    }
}

/// A consistent, immutable view of the store for one query.
struct StoreSnapshot: Sendable {
    let segments: [Segment]
    let heads: [HeadSnapshot]
    let settings: StoreSettings
}

/// Counters and sizes, for monitoring.
public struct StoreStatistics: Sendable {
    /// Event counters since the store was opened.
    public struct Counters: Sendable {
        /// Records stored.
        public var appended = 0
        /// Records dropped at ingest because they were already older than the retention period.
        public var droppedExpired = 0
        /// Records rejected at ingest because their timestamp was too far in the future.
        public var rejectedFuture = 0
        /// Records rejected at ingest because they were invalid (too large, ID too long).
        public var rejectedInvalid = 0
        /// Records dropped at flush because they had expired while in memory.
        public var expiredAtFlush = 0
        /// Segment files written.
        public var segmentsWritten = 0
        /// Segment files removed by retention.
        public var segmentsExpired = 0
        /// Segments retention removed while they still held records above a forwarder's position,
        /// because the store exceeded the hard cap of ``UnforwardedRetention/keep(maxBytes:)``.
        public var segmentsExpiredUnforwarded = 0
        /// Segments retention kept past their time (or the size cap) for a forwarder, at the last pass.
        public var segmentsHeldForForwarding = 0
        /// Segment files replaced by compacted segments (docs/FORMAT.md, section 10).
        public var segmentsCompacted = 0
        /// Rewrites of the `MANIFEST` that failed (docs/FORMAT.md 11.4); the file was removed and the
        /// next open reads footers instead.
        public var manifestWriteFailures = 0
        /// Records dropped from memory because the WAL write or sync holding them failed; their
        /// appends were reported failed (by `append` with `.sync`, else by `sync()`, `flush()`,
        /// `waitUntilDurable` or `close()`).
        public var lostToWriteFailures = 0
        /// Records dropped at ingest because the store had accepted a record with the same
        /// idempotency key within the window.
        public var droppedDuplicates = 0
    }

    /// Event counters since the store was opened.
    public var counters: Counters
    /// Records in memory (head and flushing heads).
    public var bufferedRecords: Int
    /// Segment files in the store.
    public var segmentCount: Int
    /// Records held by segments.
    public var segmentRecords: Int
    /// Bytes of segment files.
    public var segmentBytes: Int64
    /// Bytes of the in-memory index (segment footers: block tables and correlation index).
    public var indexBytes: Int
}
