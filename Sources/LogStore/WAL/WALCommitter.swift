#if canImport(Glibc)
import Glibc
#endif

/// Writes WAL frames and syncs them on its own thread: group commit.
///
/// Appenders hand over encoded frames with ``enqueue(_:)`` (a memcpy under a lock) and get a log
/// sequence number (LSN, a byte count). The committer thread writes everything queued with one
/// `write` and makes it durable with one `fdatasync`, so all appenders waiting at that moment share
/// the sync. It is the only code that writes WAL files, which keeps frame order equal to enqueue order.
final class WALCommitter: @unchecked Sendable {
    private enum Item {
        case batch(RowBatch)
        case rotate(number: UInt64, firstSequence: UInt64)
    }

    private let monitor = Monitor()
    private let directory: String
    private let io: any StorageIO
    private let durability: Durability
    private let intervalNanos: Int64
    /// Queued bytes above which appenders wait for the committer (bounded memory).
    private let maxQueuedBytes = 64 << 20

    // Guarded by `monitor`.
    private var queue: [Item] = []
    private var queuedBytes = 0
    private var appendedLSN: Int64 = 0
    private var writtenLSN: Int64 = 0
    private var durableLSN: Int64 = 0
    private var lastSync: Int64 = 0
    private var syncRequested = false
    private var closing = false
    private var stopped = false
    private var failure: LogStoreError?
    private var asyncWaiters: [(lsn: Int64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var currentNumber: UInt64 = 0
    private var rotationsDone: UInt64 = 0

    // Owned by the committer thread.
    private var file: File?

    init(directory: String, io: any StorageIO, durability: Durability, interval: Duration) {
        self.directory = directory
        self.io = io
        self.durability = durability
        self.intervalNanos = max(1_000_000, interval.nanoseconds)
    }

    func start() throws(LogStoreError) {
        lastSync = monotonicNanos()
        guard startThread(name: "logstore-wal", { [self] in run() }) else {
            throw LogStoreError(.io, "could not start the WAL committer thread")
        }
    }

    // MARK: Appender side

    /// Waits while too many bytes are queued. Call before taking the store's state lock.
    func waitForRoom() throws(LogStoreError) {
        try monitor.withLock { () throws(LogStoreError) in
            while queuedBytes >= maxQueuedBytes && failure == nil && !stopped { monitor.wait() }
            if let failure { throw failure }
        }
    }

    /// Queues encoded frames; returns the LSN that covers them. Call under the store's state lock
    /// so that WAL order equals sequence order.
    func enqueue(_ frames: RowBatch) throws(LogStoreError) -> Int64 {
        try monitor.withLock { () throws(LogStoreError) -> Int64 in
            if let failure { throw LogStoreError(.writeFailed, "an earlier WAL write failed (\(failure.message)); reopen the store to continue", path: failure.path) }
            if closing { throw LogStoreError(.closed, "the store is closing") }
            queuedBytes += frames.bytes.count
            appendedLSN += Int64(frames.bytes.count)
            queue.append(.batch(frames))
            // Every mode hands bytes to the OS promptly (a process crash then loses nothing the
            // committer wrote); only the fsync waits, for `.batch` until the interval is due.
            monitor.broadcast()
            return appendedLSN
        }
    }

    /// Queues a switch to a new WAL file; frames enqueued afterwards go to it.
    func rotate(to number: UInt64, firstSequence: UInt64) throws(LogStoreError) {
        try monitor.withLock { () throws(LogStoreError) in
            if let failure { throw failure }
            queue.append(.rotate(number: number, firstSequence: firstSequence))
            monitor.broadcast()
        }
    }

    /// Blocks until `lsn` is durable (or written, with durability `none` unless `force`).
    func waitDurable(_ lsn: Int64, force: Bool = false) throws(LogStoreError) {
        try monitor.withLock { () throws(LogStoreError) in
            if force || durability == .none { syncRequested = true; monitor.broadcast() }
            while durableLSN < lsn && failure == nil && !stopped { monitor.wait() }
            if let failure { throw failure }
            if durableLSN < lsn { throw LogStoreError(.closed, "the store closed before the append became durable") }
        }
    }

    /// Suspends until `lsn` is durable without blocking a thread.
    func waitDurableAsync(_ lsn: Int64, force: Bool = false) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            monitor.withLock {
                if let failure { c.resume(throwing: failure); return }
                if durableLSN >= lsn { c.resume(); return }
                if stopped { c.resume(throwing: LogStoreError(.closed, "the store closed before the append became durable")); return }
                if force || durability == .none { syncRequested = true }
                asyncWaiters.append((lsn, c))
                monitor.broadcast()
            }
        }
    }

    /// Blocks until the rotation to file `number` has been carried out (the previous file is complete and synced).
    func waitForRotation(to number: UInt64) throws(LogStoreError) {
        try monitor.withLock { () throws(LogStoreError) in
            while currentNumber < number && failure == nil && !stopped { monitor.wait() }
            if let failure { throw failure }
        }
    }

    var lastAppendedLSN: Int64 { monitor.withLock { appendedLSN } }
    var lastDurableLSN: Int64 { monitor.withLock { durableLSN } }
    var error: LogStoreError? { monitor.withLock { failure } }

    /// Writes and syncs everything queued, then stops the thread.
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
        while true {
            var items: [Item] = []
            var target: Int64 = 0
            var shouldSync = false
            var exit = false
            monitor.withLock {
                while true {
                    let now = monotonicNanos()
                    let hasData = !queue.isEmpty
                    let unsynced = writtenLSN > durableLSN || hasData
                    let intervalDue = now - lastSync >= intervalNanos
                    if failure != nil { exit = true; return }
                    if closing {
                        if !hasData && !unsynced { exit = true; return }
                        shouldSync = true
                        break
                    }
                    switch durability {
                    case .sync:
                        if unsynced { shouldSync = true }
                    case .batch:
                        if unsynced && (intervalDue || syncRequested) { shouldSync = true }
                    case .none:
                        if syncRequested && unsynced { shouldSync = true }
                    }
                    if shouldSync || hasData { break }
                    if hasData || unsynced {
                        monitor.wait(nanoseconds: max(100_000, intervalNanos - (now - lastSync)))
                    } else {
                        monitor.wait(nanoseconds: intervalNanos * 10)
                    }
                }
                items = queue
                queue.removeAll(keepingCapacity: true)
                target = appendedLSN
                if shouldSync { syncRequested = false }
            }
            if exit { break }
            do throws(LogStoreError) {
                try process(items)
                if shouldSync, let file { try file.sync() }
                let now = monotonicNanos()
                monitor.withLock {
                    queuedBytes = max(0, queuedBytes - items.reduce(0) { if case .batch(let b) = $1 { $0 + b.bytes.count } else { $0 } })
                    writtenLSN = target
                    if shouldSync || durability == .none {
                        durableLSN = target
                        if shouldSync { lastSync = now }
                    }
                    resumeWaiters()
                    monitor.broadcast()
                }
            } catch {
                monitor.withLock {
                    failure = error
                    resumeWaiters()
                    monitor.broadcast()
                }
                break
            }
        }
        if let file { try? file.sync() }
        file = nil
        monitor.withLock {
            stopped = true
            resumeWaiters()
            monitor.broadcast()
        }
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
        guard let file else { throw LogStoreError(.io, "no WAL file is open", path: directory) }
        try file.write(bytes)
    }

    private func switchFile(to number: UInt64, firstSequence: UInt64) throws(LogStoreError) {
        if let file { try file.sync() }
        let path = joinPath(directory, WALFormat.fileName(number))
        let next = try File(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, io: io)
        try next.write(WALHeader(fileNumber: number, firstSequence: firstSequence).encode())
        try next.sync()
        try io.fsyncDirectory(directory)
        file = next
        monitor.withLock {
            currentNumber = number
            monitor.broadcast()
        }
    }

    /// Call under the monitor.
    private func resumeWaiters() {
        guard !asyncWaiters.isEmpty else { return }
        var keep: [(lsn: Int64, continuation: CheckedContinuation<Void, any Error>)] = []
        for w in asyncWaiters {
            if let failure { w.continuation.resume(throwing: failure) }
            else if durableLSN >= w.lsn { w.continuation.resume() }
            else if stopped { w.continuation.resume(throwing: LogStoreError(.closed, "the store closed before the append became durable")) }
            else { keep.append(w) }
        }
        asyncWaiters = keep
    }
}
