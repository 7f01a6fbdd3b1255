import Glibc
import LogStoreFormat

/// Writes WAL frames and syncs them on its own thread: group commit.
///
/// Appenders hand over encoded frames with ``enqueue(_:)`` (a memcpy under a lock) and get a log
/// sequence number (LSN, a byte count). The committer thread writes everything queued with one
/// `write` and makes it durable with one `fdatasync`, so all appenders waiting at that moment share
/// the sync. It is the only code that writes WAL files, which keeps frame order equal to enqueue order.
///
/// With `.batch` the interval's sync runs on a second thread (``WALCommitter/syncLoop()``) while the
/// committer keeps writing what comes next: a frame reaches the file (and a follower in another
/// process) without waiting behind a sync, which under I/O load takes 5–50 ms. The sync makes durable
/// what was written before it started; what was written meanwhile waits for the next one.
///
/// **Failures are not sticky** (docs/DESIGN.md, "WAL write failures"). When a `write` or an
/// `fdatasync` fails, the committer:
/// 1. abandons the current file. After a failed fsync nobody knows what reached the disk and the
///    kernel may have dropped the dirty pages (PostgreSQL's "fsyncgate"), so the file is never written
///    again: it is cut back to the end of its last good sync (best effort) and closed;
/// 2. fails every append that was not yet durable: the batches being written, those written since
///    the last sync and those still queued. Their waiters get the error (a `.sync` append throws;
///    `waitUntilDurable`, `sync()`, `flush()` and `close()` report it for `.batch` and `.none`), and
///    ``failureHandler`` receives their sequence range so the store drops those rows from memory and
///    starts a fresh WAL file for what comes next. A failed batch is never written again;
/// 3. carries on: the next append goes to the fresh file. A rotation whose new file cannot be
///    created is retried with a backoff (10 ms, doubling, at most 1 s); appends meanwhile fail.
final class WALCommitter: @unchecked Sendable {
    enum Item {
        case batch(RowBatch)
        case rotate(number: UInt64, firstSequence: UInt64)
    }

    /// A batch not yet durable: where it ends in the log and which sequence numbers it holds.
    struct Pending {
        var endLSN: Int64
        var sequences: ClosedRange<UInt64>?
        /// The frames, for live subscriptions once they are durable (a reference the head shares).
        var batch: RowBatch
    }

    /// What a failure took, handed to the store by ``resolveFailure`` (called by ``failureHandler``).
    struct Resolution {
        /// The sequence numbers of every lost row (possibly with gaps that earlier failures left).
        var lostSequences: ClosedRange<UInt64>?
        /// The end LSNs of every lost append (their checkpoints go too).
        var lostLSNs: ClosedRange<Int64>?
        /// True when the file the current head writes to was abandoned and no queued rotation will
        /// replace it: the store must start a new head with a new WAL file number.
        var needsNewFile: Bool
    }

    let monitor = Monitor()
    /// Live subscriptions: receive each batch once it is acknowledged (durable, or written with `.none`).
    let subscriptions = SubscriptionHub()
    private let directory: String
    private let io: any StorageIO
    private let durability: Durability
    private let intervalNanos: Int64
    /// Queued bytes above which appenders wait for the committer (bounded memory).
    private let maxQueuedBytes = 64 << 20

    // Guarded by `monitor`.
    var queue: [Item] = []
    var queuedBytes = 0
    var appendedLSN: Int64 = 0
    var writtenLSN: Int64 = 0
    /// Every LSN up to this is resolved: durable, unless ``ledger`` lists it as lost.
    var durableLSN: Int64 = 0
    var pending: [Pending] = []
    /// Batches acknowledged since the last ``publishDurable()``, kept only while someone subscribes.
    private var acknowledged: [RowBatch] = []
    var ledger = WALFailureLedger()
    var lastSync: Int64 = 0
    private var syncRequested = false
    private var closing = false
    private var stopped = false
    /// Set while the rotation at the head of the queue cannot create its file; cleared when it can.
    private var rotationError: LogStoreError?
    /// Failed attempts to create a WAL file, so that a waiter reports only an attempt it saw fail.
    private var rotationFailures = 0
    private var retryAt: Int64 = 0
    private var retryDelay: Int64 = 10_000_000
    private var asyncWaiters: [(lsn: Int64, continuation: CheckedContinuation<Result<Void, LogStoreError>, Never>)] = []
    private var currentNumber: UInt64 = 0
    private var handler: (@Sendable (LogStoreError, () -> Resolution) -> Void)?
    /// The file the sync thread is asked to sync next (`.batch` interval syncs), its outcome once done,
    /// and whether the sync thread should end.
    var backgroundSyncRequest: File?
    var backgroundSyncOutcome: Result<Void, LogStoreError>?
    var syncThreadExit = false

    // Owned by the committer thread.
    var file: File?
    /// Bytes written to `file`, and the length whose outcome is known good (synced, or written with `.none`).
    var fileWritten: Int64 = 0
    var fileKept: Int64 = 0
    /// Progress through the current round, for putting unfinished rotations back after a failure.
    var rotationsDone = 0
    /// The interval sync handed to the sync thread and not yet taken back: its file, the LSN written
    /// before it started and the file's length then.
    var backgroundSync: (file: File, target: Int64, kept: Int64)?
    private var roundLSN: Int64 = 0

    init(directory: String, io: any StorageIO, durability: Durability, interval: Duration) {
        self.directory = directory
        self.io = io
        self.durability = durability
        self.intervalNanos = max(1_000_000, interval.nanoseconds)
    }

    /// Called on the committer thread after a failed write or sync, before any waiter hears of it.
    /// It must call `resolve` exactly once, under the lock that serializes ``enqueue(_:)`` calls (the
    /// store's state lock), so that no append slips in between; then drop the lost rows and, when
    /// ``Resolution/needsNewFile`` is set, rotate to a new WAL file. Without a handler the committer
    /// resolves by itself (the store's open, before the store exists).
    var failureHandler: (@Sendable (LogStoreError, () -> Resolution) -> Void)? {
        get { monitor.withLock { handler } }
        set { monitor.withLock { handler = newValue } }
    }

    func start() throws(LogStoreError) {
        lastSync = monotonicNanos()
        if durability == .batch {
            guard startThread(name: "logstore-wal-sync", { [self] in syncLoop() }) else {
                throw LogStoreError(.io, "could not start the WAL sync thread")
            }
        }
        guard startThread(name: "logstore-wal", { [self] in run() }) else {
            monitor.withLock {
                syncThreadExit = true
                monitor.broadcast()
            }
            throw LogStoreError(.io, "could not start the WAL committer thread")
        }
    }

    // MARK: Appender side

    /// Waits while too many bytes are queued. Call before taking the store's state lock.
    func waitForRoom() throws(LogStoreError) {
        try monitor.withLock { () throws(LogStoreError) in
            while queuedBytes >= maxQueuedBytes && !stopped && !closing { monitor.wait() }
            if stopped { throw LogStoreError(.closed, "the store is closed") }
        }
    }

    /// Queues encoded frames; returns the LSN that covers them. Call under the store's state lock
    /// so that WAL order equals sequence order.
    func enqueue(_ frames: RowBatch) throws(LogStoreError) -> Int64 {
        let sequences = frameSequenceRange(frames.bytes)
        return try monitor.withLock { () throws(LogStoreError) -> Int64 in
            if closing { throw LogStoreError(.closed, "the store is closing") }
            queuedBytes += frames.bytes.count
            appendedLSN += Int64(frames.bytes.count)
            queue.append(.batch(frames))
            pending.append(Pending(endLSN: appendedLSN, sequences: sequences, batch: frames))
            // Every mode hands bytes to the OS promptly (a process crash then loses nothing the
            // committer wrote); only the fsync waits, for `.batch` until the interval is due.
            monitor.broadcast()
            return appendedLSN
        }
    }

    /// Queues a switch to a new WAL file; frames enqueued afterwards go to it.
    func rotate(to number: UInt64, firstSequence: UInt64) {
        monitor.withLock {
            queue.append(.rotate(number: number, firstSequence: firstSequence))
            monitor.broadcast()
        }
    }

    /// Blocks until `lsn` is durable (or written, with durability `none` unless `force`); throws the
    /// failure that lost it.
    func waitDurable(_ lsn: Int64, force: Bool = false) throws(LogStoreError) {
        try monitor.withLock { () throws(LogStoreError) in
            if force || durability == .none { syncRequested = true; monitor.broadcast() }
            while durableLSN < lsn && !stopped { monitor.wait() }
            if let failure = ledger.failure(covering: lsn) {
                // A `.sync` append waits for its own LSN: it has now been told.
                if durability == .sync && !force { ledger.markReported(covering: lsn) }
                throw failure
            }
            if durableLSN < lsn { throw LogStoreError(.closed, "the store closed before the append became durable") }
        }
    }

    /// Makes everything appended so far durable now. Throws when an append made before this call was
    /// lost to a failed write or sync and no caller has been told yet (by its own `.sync` append, or
    /// by an earlier checkpoint: `sync()`, `flush()`, `close()`): each loss is reported once.
    func checkpoint() throws(LogStoreError) {
        try monitor.withLock { () throws(LogStoreError) in
            let lsn = appendedLSN
            syncRequested = true
            monitor.broadcast()
            while durableLSN < lsn && !stopped { monitor.wait() }
            if let lost = ledger.takeUnreported(through: lsn) { throw lost }
            if durableLSN < lsn { throw LogStoreError(.closed, "the store closed before the appends became durable") }
        }
    }

    /// Suspends until `lsn` is durable without blocking a thread.
    func waitDurableAsync(_ lsn: Int64, force: Bool = false) async throws(LogStoreError) {
        try await withCheckedContinuation { (c: CheckedContinuation<Result<Void, LogStoreError>, Never>) in
            monitor.withLock {
                if durableLSN >= lsn {
                    if let failure = ledger.failure(covering: lsn) {
                        if durability == .sync { ledger.markReported(covering: lsn) }
                        c.resume(returning: .failure(failure))
                    } else {
                        c.resume(returning: .success(()))
                    }
                    return
                }
                if stopped { c.resume(returning: .failure(LogStoreError(.closed, "the store closed before the append became durable"))); return }
                if force || durability == .none { syncRequested = true }
                asyncWaiters.append((lsn, c))
                monitor.broadcast()
            }
        }.get()
    }

    /// Blocks until the rotation to file `number` has been carried out (the previous file is complete
    /// and synced). Throws when an attempt to create the new file made during the wait fails (the
    /// committer keeps retrying with a backoff; an earlier failure is not reported again).
    func waitForRotation(to number: UInt64) throws(LogStoreError) {
        try monitor.withLock { () throws(LogStoreError) in
            let failuresBefore = rotationFailures
            while currentNumber < number && rotationFailures == failuresBefore && !stopped { monitor.wait() }
            if currentNumber >= number { return }
            if let rotationError { throw rotationError }
            throw LogStoreError(.closed, "the store closed before WAL file \(number) was started")
        }
    }

    /// Without waiting: nil while the append ending at `lsn` is not durable yet (not written, with
    /// durability `none`), else its outcome (a failure that lost it, or success).
    func durabilityOutcome(_ lsn: Int64) -> Result<Void, LogStoreError>? {
        monitor.withLock { () -> Result<Void, LogStoreError>? in
            if durableLSN < lsn { return stopped ? .failure(LogStoreError(.closed, "the store closed before the append became durable")) : nil }
            if let failure = ledger.failure(covering: lsn) { return .failure(failure) }
            return .success(())
        }
    }

    var lastDurableLSN: Int64 { monitor.withLock { durableLSN } }

    /// For ``LogStore/close()``, after ``close()``: a lost append nobody has been told about yet.
    var error: LogStoreError? { monitor.withLock { ledger.takeUnreported(through: appendedLSN) } }

    /// Whether a caller has asked for a sync that has not been carried out (for tests).
    var hasPendingSyncRequest: Bool { monitor.withLock { syncRequested } }

    /// Writes and syncs everything queued (one attempt), then stops the thread.
    func close() {
        monitor.withLock {
            closing = true
            syncRequested = true
            monitor.broadcast()
            while !stopped { monitor.wait() }
        }
    }

    // MARK: Committer thread

    private func run() {
        var finalAttemptFailed = false
        while true {
            var items: [Item] = []
            var target: Int64 = 0
            var shouldSync = false
            var startBackgroundSync = false
            var backgroundOutcome: Result<Void, LogStoreError>?
            var exit = false
            monitor.withLock {
                while true {
                    let now = monotonicNanos()
                    let hasData = !queue.isEmpty
                    let unsynced = writtenLSN > durableLSN || hasData
                    let intervalDue = now - lastSync >= intervalNanos
                    // A request that an interval sync has served (everything is durable) is done: left
                    // set, it turned the next plain write into a sync of the committer's own, and every
                    // frame after it waited for that sync instead of reaching the file at once.
                    if syncRequested && !unsynced && !closing { syncRequested = false }
                    if backgroundSync != nil {
                        if let outcome = backgroundSyncOutcome {
                            backgroundSyncOutcome = nil
                            backgroundOutcome = outcome
                            return
                        }
                        // A sync of our own, a rotation (which syncs the file) or the end waits for the
                        // interval's sync to finish: its outcome comes first. Plain writes go on.
                        if closing || syncRequested || durability != .batch || queue.contains(where: \.isRotation) {
                            monitor.wait()
                            continue
                        }
                    }
                    if closing {
                        if !unsynced || finalAttemptFailed { exit = true; return }
                        shouldSync = true
                        break
                    }
                    if rotationError != nil && now < retryAt {
                        // A file could not be created: back off before trying again.
                        monitor.wait(nanoseconds: retryAt - now)
                        continue
                    }
                    switch durability {
                    case .sync:
                        if unsynced { shouldSync = true }
                    case .batch:
                        if unsynced && syncRequested {
                            shouldSync = true
                        } else if unsynced && intervalDue && backgroundSync == nil {
                            startBackgroundSync = true
                        }
                    case .none:
                        if syncRequested && unsynced { shouldSync = true }
                    }
                    if shouldSync || hasData || startBackgroundSync { break }
                    if backgroundSync != nil {
                        // Until the interval's sync is done (the sync thread wakes us) or frames come.
                        monitor.wait()
                    } else if unsynced {
                        monitor.wait(nanoseconds: max(100_000, intervalNanos - (now - lastSync)))
                    } else {
                        monitor.wait(nanoseconds: intervalNanos * 10)
                    }
                }
                items = queue
                queue.removeAll(keepingCapacity: true)
                target = appendedLSN
                roundLSN = writtenLSN
                if shouldSync { syncRequested = false }
            }
            if exit { break }
            if let backgroundOutcome {
                finishBackgroundSync(backgroundOutcome)
                continue
            }
            rotationsDone = 0
            do throws(LogStoreError) {
                try process(items)
                if startBackgroundSync { requestBackgroundSync(through: target) }
                if shouldSync, let file { try file.sync() }
                let now = monotonicNanos()
                if shouldSync || durability == .none { fileKept = fileWritten }
                monitor.withLock {
                    queuedBytes = max(0, queuedBytes - Self.bytes(of: items))
                    writtenLSN = target
                    if shouldSync || durability == .none {
                        markDurable(through: target)
                        if shouldSync { lastSync = now }
                    }
                    resumeWaiters()
                    monitor.broadcast()
                }
            } catch {
                handleFailure(error, items: items)
                if monitor.withLock({ closing }) { finalAttemptFailed = true }
            }
            publishDurable()
        }
        if let file { try? file.sync() }
        file = nil
        publishDurable()
        monitor.withLock {
            stopped = true
            syncThreadExit = true
            resumeWaiters()
            monitor.broadcast()
        }
    }

    /// Hands the batches acknowledged so far to the subscriptions, outside the lock, on this thread.
    func publishDurable() {
        let (batches, number) = monitor.withLock { () -> ([RowBatch], UInt64) in
            guard !acknowledged.isEmpty else { return ([], currentNumber) }
            defer { acknowledged = [] }
            return (acknowledged, currentNumber)
        }
        if !batches.isEmpty { subscriptions.publish(batches, walFile: "wal/" + WALFormat.fileName(number)) }
    }

    static func bytes(of items: [Item]) -> Int {
        items.reduce(0) { if case .batch(let b) = $1 { $0 + b.bytes.count } else { $0 } }
    }

    /// Call under the monitor.
    func markDurable(through lsn: Int64) {
        durableLSN = max(durableLSN, lsn)
        writtenLSN = max(writtenLSN, durableLSN)
        var n = 0
        while n < pending.count && pending[n].endLSN <= durableLSN { n += 1 }
        guard n > 0 else { return }
        if subscriptions.hasSubscribers {
            for p in pending[0..<n] { acknowledged.append(p.batch) }
        }
        pending.removeFirst(n)
    }

    private func process(_ items: [Item]) throws(LogStoreError) {
        // Small appends are coalesced into one write; large ones are written as they are, uncopied.
        var run: [UInt8] = []
        for item in items {
            switch item {
            case .batch(let b):
                if b.bytes.count >= 64 << 10 {
                    if !run.isEmpty { try writeToCurrent(run); run.removeAll(keepingCapacity: true) }
                    try writeToCurrent(b.bytes)
                } else {
                    run.append(contentsOf: b.bytes)
                }
            case .rotate(let number, let firstSequence):
                if !run.isEmpty { try writeToCurrent(run); run.removeAll(keepingCapacity: true) }
                try switchFile(to: number, firstSequence: firstSequence)
                rotationsDone += 1
            }
        }
        if !run.isEmpty { try writeToCurrent(run) }
    }

    private func writeToCurrent(_ bytes: [UInt8]) throws(LogStoreError) {
        var failure: LogStoreError?
        bytes.withUnsafeBytes { b in
            do throws(LogStoreError) { try writeToCurrent(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func writeToCurrent(_ bytes: UnsafeRawBufferPointer) throws(LogStoreError) {
        guard let file else {
            throw LogStoreError(.io, "no WAL file is open: the previous write failed and the new file could not be created yet; retry",
                                path: directory)
        }
        try file.write(bytes)
        fileWritten += Int64(bytes.count)
        roundLSN += Int64(bytes.count)
    }

    private func switchFile(to number: UInt64, firstSequence: UInt64) throws(LogStoreError) {
        if let file {
            try file.sync()
            // Everything written so far is durable: the head that owns this file may be flushed.
            let through = roundLSN
            monitor.withLock { markDurable(through: through) }
        }
        file = nil
        fileWritten = 0
        fileKept = 0
        let path = joinPath(directory, WALFormat.fileName(number))
        do throws(LogStoreError) {
            // A file left by an earlier failed attempt never held an acknowledged append.
            try io.unlink(path)
            let next = try File(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, io: io)
            try next.write(WALHeader(fileNumber: number, firstSequence: firstSequence).encode())
            try next.sync()
            try io.fsyncDirectory(directory)
            file = next
            fileWritten = Int64(WALFormat.headerSize)
            fileKept = fileWritten
        } catch {
            try? io.unlink(path)
            monitor.withLock {
                rotationError = error
                rotationFailures += 1
                retryAt = monotonicNanos() + retryDelay
                retryDelay = min(retryDelay * 2, 1_000_000_000)
                monitor.broadcast()
            }
            throw error
        }
        monitor.withLock {
            currentNumber = number
            rotationError = nil
            retryDelay = 10_000_000
            monitor.broadcast()
        }
    }

    /// Call under the monitor.
    func resumeWaiters() {
        guard !asyncWaiters.isEmpty else { return }
        var keep: [(lsn: Int64, continuation: CheckedContinuation<Result<Void, LogStoreError>, Never>)] = []
        for w in asyncWaiters {
            if durableLSN >= w.lsn {
                if let failure = ledger.failure(covering: w.lsn) {
                    if durability == .sync { ledger.markReported(covering: w.lsn) }
                    w.continuation.resume(returning: .failure(failure))
                } else {
                    w.continuation.resume(returning: .success(()))
                }
            } else if stopped {
                w.continuation.resume(returning: .failure(LogStoreError(.closed, "the store closed before the append became durable")))
            } else {
                keep.append(w)
            }
        }
        asyncWaiters = keep
    }
}
