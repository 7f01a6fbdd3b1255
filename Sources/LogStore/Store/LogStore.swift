import Glibc
import LogStoreFormat

/// An embedded, append-only store of log records.
///
/// ```swift
/// let store = try LogStore.open(at: "/var/lib/collector/logs")
/// try store.append([LogRecord(timestamp: now, level: .info, source: "api", correlationID: id, message: "GET /")])
/// for record in try store.records(LogQuery(correlationID: id)) { print(record.message) }
/// try store.close()
/// ```
///
/// Appends go to a checksummed write-ahead log (group commit), then to an in-memory head that is
/// flushed in the background into immutable, LZ4-compressed segment files. Queries merge segments
/// and head in `(timestamp, sequence)` order. All methods are thread-safe; one process may write a
/// store while others open it read-only. A writer keeps two background threads (WAL committer and
/// flusher) until ``close()``: call it when done, so that the head is flushed and the lock released.
public final class LogStore: Sendable {
    /// The store directory.
    public let path: String
    /// The options it was opened with.
    public let options: StoreOptions
    /// What opening found and repaired: torn tails cut, damage salvaged, segments ignored.
    public let recoveryReport: RecoveryReport

    let io: any StorageIO
    let state: Monitor
    /// Guarded by `state`.
    nonisolated(unsafe) var shared: StoreState
    let committer: WALCommitter?
    let lock: StoreLock?
    let flusherDone = Monitor()
    /// Serializes appends that carry idempotency keys, from their key check to their commit.
    let keyedAppends = Monitor()
    nonisolated(unsafe) var flusherStopped = false
    /// Wakes the compaction thread (close); guards `compactionStopped`.
    let compactionWake = Monitor()
    /// Held by a compaction pass for its whole run: one pass at a time.
    let compactionSerial = Monitor()
    /// Held while the `MANIFEST` is rewritten (docs/FORMAT.md 11.4): one rewrite at a time, each from
    /// the segment set as it is when the rewrite starts.
    let manifestSerial = Monitor()
    /// Guarded by `compactionWake`.
    nonisolated(unsafe) var compactionStopped = false

    var walDirectory: String { joinPath(path, "wal") }
    var segmentDirectory: String { joinPath(path, "segments") }

    init(path: String, options: StoreOptions, recovered: RecoveredStore, lock: StoreLock?, committer: WALCommitter?) {
        self.path = path
        self.options = options
        self.io = options.io
        self.recoveryReport = recovered.report
        self.state = Monitor()
        self.shared = recovered.state
        self.lock = lock
        self.committer = committer
    }

    /// Opens (and by default creates) the store at `path`.
    ///
    /// A writer takes the store's lock (another writer gets ``LogStoreError/Kind/locked`` naming its
    /// pid), replays the WAL, cuts a torn tail, and starts its background threads. With
    /// ``StoreOptions/readOnly`` nothing on disk is changed and no lock is taken.
    public static func open(at path: String, options: StoreOptions = StoreOptions()) throws(LogStoreError) -> LogStore {
        try options.validate()
        if options.readOnly { return try openReadOnly(at: path, options: options) }
        return try openWriter(at: path, options: options)
    }

    /// The persisted settings in force (retention, size cap, segment span).
    public var settings: StoreSettings { state.withLock { shared.settings } }

    /// Counters and sizes.
    public var statistics: StoreStatistics {
        state.withLock {
            var buffered = shared.head.recordCount
            for h in shared.immutables { buffered += h.recordCount }
            var index = 0
            for s in shared.segments {
                index += s.memoryEstimate
            }
            return StoreStatistics(counters: shared.counters, bufferedRecords: buffered,
                                   segmentCount: shared.segments.count,
                                   segmentRecords: shared.segments.reduce(0) { $0 + $1.recordCount },
                                   segmentBytes: shared.segments.reduce(0) { $0 + $1.fileSize },
                                   indexBytes: index)
        }
    }

    /// Flushes everything to segments, syncs, stops the background threads and releases the lock.
    /// Further calls throw ``LogStoreError/Kind/closed``. Safe to call twice.
    public func close() throws(LogStoreError) {
        let alreadyClosing = state.withLock { () -> Bool in
            let was = shared.closing
            shared.closing = true
            return was
        }
        guard !alreadyClosing, let committer else {
            state.withLock { shared.closed = true }
            return
        }
        var failure: LogStoreError?
        let attemptsBefore = state.withLock { shared.flushAttemptsStarted }
        do throws(LogStoreError) { try rotateHead(force: true) } catch { failure = error }
        state.withLock { state.broadcast() }
        flusherDone.withLock { flusherDone.broadcast() }  // a flusher backing off after a failure retries now
        // Wait for the flusher to drain every immutable head, or to fail while we wait (an earlier,
        // since-cleared failure must not end the wait: the flusher is retrying it).
        state.withLock {
            while !shared.immutables.isEmpty && shared.lastFailedFlushAttempt <= attemptsBefore { state.wait(nanoseconds: 50_000_000) }
            if failure == nil, let e = shared.flushError, !shared.immutables.isEmpty { failure = e }
        }
        flusherDone.withLock {
            flusherStopped = true
            flusherDone.broadcast()
        }
        stopCompactor()
        // A flush installs its segments and rewrites the MANIFEST under this lock: wait for it.
        manifestSerial.withLock {}
        committer.close()
        // Every acknowledged record has been published: subscribers read their buffers, then end.
        committer.subscriptions.close()
        if failure == nil, let e = committer.error { failure = e }
        let current = state.withLock { () -> UInt64 in
            shared.closed = true
            return shared.head.walNumber
        }
        // The newest WAL file holds no records once the head was flushed. It stays: its header carries
        // the next sequence number to the next open (docs/DESIGN.md, "Close"). Older files without
        // records go once their checkpoints (and the newest file's) are in CHECKPOINTS.
        if failure == nil && state.withLock({ shared.head.isEmpty && shared.immutables.isEmpty })
            && saveCheckpoints(throughWAL: current) == nil {
            let older = ((try? Self.listWAL(walDirectory, io: io)) ?? []).filter { $0 < current }
            for number in older { try? io.unlink(joinPath(walDirectory, WALFormat.fileName(number))) }
            if !older.isEmpty { try? io.fsyncDirectory(walDirectory) }
        }
        lock?.release()
        if let failure { throw failure }
    }
}
