/// When an append counts as done.
import LogStoreFormat

public enum Durability: String, Sendable, CaseIterable {
    /// Acknowledged after the WAL write is `fdatasync`ed. Concurrent appends share one sync (group commit).
    case sync
    /// Acknowledged once queued for the WAL; the committer thread writes it to the OS at once (within
    /// microseconds) and syncs at most every ``StoreOptions/batchInterval``. A machine crash can lose
    /// the appends of the last interval, a process crash only what was not yet written. Call
    /// ``LogStore/waitUntilDurable(_:)`` to wait for the sync that covers an append.
    case batch
    /// Written to the WAL promptly but never synced (except at rotation and close); a machine crash can
    /// lose recent appends, a process crash only what the committer had not yet written.
    case none
}

/// What opening a store does when a WAL file is damaged before its tail.
public enum WALDamagePolicy: Sendable {
    /// Keep every readable record before and after the damage, copy the damaged file to `quarantine/`,
    /// and report the damage in ``LogStore/recoveryReport`` (and `logstore verify`). The default.
    case salvage
    /// Refuse to open with a ``LogStoreError/Kind/corruption`` error naming the file and offset.
    case refuse
}

/// How a store is opened. Every field's default is what most collectors want.
public struct StoreOptions: Sendable {
    /// Default `.batch`: one fsync per ``batchInterval`` shared by all writers. `.sync` waits for the
    /// disk on every append (latency ~0.2 ms, throughput from group commit); `.none` never waits.
    public var durability: Durability = .batch
    /// Default 10 ms: the longest time a `.batch` append stays unsynced.
    public var batchInterval: Duration = .milliseconds(10)
    /// Default false: open without writing (no lock, no recovery writes), beside a running writer.
    public var readOnly = false
    /// Default true: create the directory when it does not exist.
    public var createIfMissing = true
    /// Default 64 KiB: raw (decoded) size of a block. Larger blocks compress better and skip worse.
    public var blockSize = 64 << 10
    /// Default 64 MiB: estimated raw size of the in-memory head before it is flushed into segments.
    /// Bounds memory use and WAL replay time.
    public var headFlushBytes = 64 << 20
    /// Default 10 minutes: the head is flushed at least this often even when small.
    public var headMaxAge: Duration = .seconds(600)
    /// Default 256 MiB: estimated raw size at which a segment is cut even inside one time window.
    public var segmentMaxBytes = 256 << 20
    /// Default 1 MiB: the largest accepted record (row encoding); longer records are rejected.
    public var maxRecordBytes = RecordLimits.defaultMaxRecordBytes
    /// Default 1 day: records stamped further than this in the future are rejected and counted.
    public var maxFutureSkew: Duration = .seconds(86_400)
    /// Default `.salvage`.
    public var walDamagePolicy: WALDamagePolicy = .salvage
    /// When set, replaces the store's persisted retention (written to `SETTINGS`).
    public var retention: Duration?
    /// When set, replaces the store's persisted size cap in bytes (0 removes the cap).
    public var maxBytes: Int?
    /// When set, replaces the store's persisted segment time span. Only affects new segments.
    public var segmentSpan: Duration?
    /// Default 1: LZ4 acceleration for blocks (higher is faster and compresses less).
    public var compressionAcceleration: Int32 = 1
    /// Default `.expire`: whether retention waits for forwarders in this process to send records
    /// (docs/FORWARDING.md 7); see ``UnforwardedRetention``.
    public var unforwarded: UnforwardedRetention = .expire
    /// Default 60 s: how often the background thread applies retention.
    public var expiryInterval: Duration = .seconds(60)
    /// Default 10 minutes: how long an accepted `LogRecord.idempotencyKey` is remembered (by wall-clock
    /// acceptance time, across restarts). A longer window catches later retries and costs memory.
    public var idempotencyWindow: Duration = .seconds(600)
    /// Default 200,000: the most idempotency keys remembered (about 100 bytes of memory each, and
    /// rewritten to the `KEYS` file at every flush); beyond it the oldest are forgotten before their
    /// window ends (counted in ``StoreStatistics``).
    public var idempotencyMaxKeys = 200_000
    /// Default true: a writer compacts small segments in the background (docs/FORMAT.md, section 10),
    /// on a thread of lower priority. False leaves compaction to ``LogStore/compact()``.
    public var compactInBackground = true
    /// Default 60 s: how often background compaction looks for windows to compact.
    public var compactionInterval: Duration = .seconds(60)
    /// Default 0.25: the most of one core background compaction uses (it sleeps after each output
    /// segment for as long as the share requires). Between 0.01 and 1.
    public var compactionCPUShare = 0.25
    /// Default 9: the LZ4 HC level compaction compresses with (1–12; 0 uses the fast LZ4 compressor
    /// like flushes). Higher levels are smaller and slower to write, never slower to read.
    public var compactionLZ4Level = 9
    /// Default 256 KiB: raw size of the blocks compaction writes (as ``blockSize`` for flushes). With
    /// LZ4 HC, larger blocks are much smaller on disk (docs/BENCHMARKS.md, issue 14: 65.6 against
    /// 85.3 bytes per record at 64 KiB) and cost a correlation lookup more decompression (p50 0.48
    /// against 0.29 ms).
    public var compactionBlockSize = 256 << 10
    /// Called at each step of a compaction (crash tests stop the process there).
    package var compactionHook: (@Sendable (CompactionStep) -> Void)?
    /// The wall clock in nanoseconds since the epoch; replace it in tests.
    public var clock: @Sendable () -> Int64 = { wallClockNanos() }
    /// The file-system seam; replace it to inject faults.
    package var io: any StorageIO = PosixIO()

    /// The defaults.
    public init() {}

    /// The defaults with another durability mode.
    public init(durability: Durability) {
        self.durability = durability
    }

    func validate() throws(LogStoreError) {
        if idempotencyWindow <= .zero || idempotencyMaxKeys < 1 {
            throw LogStoreError(.invalidArgument, "idempotencyWindow must be positive and idempotencyMaxKeys at least 1, got \(idempotencyWindow) and \(idempotencyMaxKeys)")
        }
        guard blockSize >= 1024, blockSize <= 8 << 20 else {
            throw LogStoreError(.invalidArgument, "blockSize must be between 1 KiB and 8 MiB, got \(blockSize)")
        }
        guard headFlushBytes >= 64 << 10 else {
            throw LogStoreError(.invalidArgument, "headFlushBytes must be at least 64 KiB, got \(headFlushBytes)")
        }
        guard maxRecordBytes >= 256, maxRecordBytes <= RecordLimits.maxRecordBytesCeiling else {
            throw LogStoreError(.invalidArgument, "maxRecordBytes must be between 256 bytes and 8 MiB, got \(maxRecordBytes)")
        }
        if let retention, retention <= .zero {
            throw LogStoreError(.invalidArgument, "retention must be positive, got \(retention)")
        }
        if let segmentSpan, segmentSpan < .seconds(1) {
            throw LogStoreError(.invalidArgument, "segmentSpan must be at least one second, got \(segmentSpan)")
        }
        guard compactionBlockSize >= 1024, compactionBlockSize <= 8 << 20, (0...12).contains(compactionLZ4Level) else {
            throw LogStoreError(.invalidArgument, "compactionBlockSize must be between 1 KiB and 8 MiB and compactionLZ4Level between 0 and 12, got \(compactionBlockSize) and \(compactionLZ4Level)")
        }
        guard compactionCPUShare >= 0.01, compactionCPUShare <= 1, compactionInterval > .zero else {
            throw LogStoreError(.invalidArgument, "compactionCPUShare must be between 0.01 and 1 and compactionInterval positive, got \(compactionCPUShare) and \(compactionInterval)")
        }
        if case .keep(let cap) = unforwarded, cap <= 0 {
            throw LogStoreError(.invalidArgument, "unforwarded retention .keep needs a positive maxBytes, got \(cap)")
        }
        if let maxBytes, maxBytes < 0 {
            throw LogStoreError(.invalidArgument, "maxBytes must not be negative, got \(maxBytes)")
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (s, a) = components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return s < 0 ? .min : .max }
        return ns.addingReportingOverflow(a / 1_000_000_000).overflow ? .max : ns + a / 1_000_000_000
    }
}
