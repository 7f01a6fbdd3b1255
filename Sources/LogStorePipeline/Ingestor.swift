import Dispatch
import Foundation
import LogStore

/// Batches records from many concurrent producers into a `LogStore`, with bounded memory,
/// a chosen backpressure policy, retries and automatic recovery from persistent write failures.
///
/// ```swift
/// var options = IngestorOptions()
/// options.backpressure = .dropOldest
/// let ingestor = try Ingestor(store: store, options: options)
/// ingestor.offer(record)                 // never waits
/// await ingestor.submit(record)          // waits for room with `.block`
/// await ingestor.close()                 // writes what is buffered
/// ```
///
/// Producers take one lock per record (no task hop); one writer thread cuts batches of
/// ``IngestorOptions/batchRecords`` records or ``IngestorOptions/batchBytes`` bytes, or whatever has
/// waited ``IngestorOptions/batchAge``, and appends them, waiting until they are durable. A failed write
/// is retried with exponential backoff; if it still fails (a full disk, say) the ingestor reports
/// ``IngestorStatus/stalled(_:)``, keeps the records buffered up to the bound (the policy decides what
/// happens to more) and keeps probing, resuming by itself when the store accepts writes again.
/// Counters are in ``counters`` and published through swift-metrics.
public final class Ingestor: Sendable {
    /// The store written to.
    public let store: LogStore
    /// The settings given at creation.
    public let options: IngestorOptions

    let state = LockedState(State())
    /// Wakes the writer thread.
    let wake = DispatchSemaphore(value: 0)
    /// Signalled when the writer thread has exited.
    let finished = DispatchSemaphore(value: 0)
    let metrics: IngestorMetrics
    let batchAgeNanos: Int64

    /// Starts an ingestor writing to `store` (which must be open for writing and stay open until
    /// ``close(timeout:)`` returns). Throws `.invalidArgument` for inconsistent options.
    public init(store: LogStore, options: IngestorOptions = IngestorOptions()) throws(LogStoreError) {
        try options.validate()
        guard !store.options.readOnly else {
            throw LogStoreError(.readOnly, "Ingestor needs a store opened for writing; open it without readOnly", path: store.path)
        }
        self.store = store
        self.options = options
        self.metrics = IngestorMetrics(label: options.metricsLabel, dimensions: options.metricsDimensions)
        self.batchAgeNanos = Int64(options.batchAge.components.seconds) * 1_000_000_000
            + options.batchAge.components.attoseconds / 1_000_000_000
        let thread = Thread { [self] in runWriter() }
        thread.name = "logstore-ingestor"
        thread.start()
    }

    /// The result of offering a record.
    public enum OfferResult: Sendable, Hashable {
        /// The record is buffered and will be written.
        case accepted
        /// The record was not taken.
        case dropped(DropReason)
    }

    /// Offers a record without ever waiting. When the buffer is full, `.dropOldest` evicts the oldest
    /// buffered records; `.dropNewest` and `.block` drop this one (`bufferFull`).
    @discardableResult
    public func offer(_ record: LogRecord) -> OfferResult {
        let (result, _) = enqueue(record, mayWait: false)
        return result
    }

    /// Offers records without waiting, as ``offer(_:)-(LogRecord)`` does for each, under one lock.
    /// Returns how many were accepted.
    @discardableResult
    public func offer(_ records: [LogRecord]) -> Int {
        let now = Self.monotonicNanos()
        return state.withLock { s in
            var accepted = 0
            for record in records where admit(record, bytes: record.estimatedBytes, now: now, into: &s, mayWait: false) == .accepted {
                accepted += 1
            }
            nudgeWriterIfNeeded(&s)
            return accepted
        }
    }

    /// Offers a record, blocking the calling thread at most `bound` for room with the `.block` policy
    /// (the other policies never wait). A record that finds no room in time is dropped (`bufferFull`).
    @discardableResult
    public func offer(_ record: LogRecord, waitingUpTo bound: Duration) -> OfferResult {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, Self.nanos(bound)))
        while true {
            let semaphore = DispatchSemaphore(value: 0)
            let (result, registered) = enqueue(record, mayWait: true, waiter: .semaphore(semaphore))
            guard registered else { return result }
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline || semaphore.wait(timeout: DispatchTime(uptimeNanoseconds: deadline)) == .timedOut {
                // Out of time: withdraw the waiter, then make one last non-waiting attempt.
                state.withLock { s in s.spaceWaiters.removeAll { $0.isSemaphore(semaphore) } }
                return offer(record)
            }
        }
    }

    /// Offers a record, suspending until there is room with the `.block` policy (the other policies
    /// never wait). Returns `.dropped(.closed)` if the ingestor closes meanwhile.
    @discardableResult
    public func submit(_ record: LogRecord) async -> OfferResult {
        while true {
            let outcome: OfferResult? = await withCheckedContinuation { (continuation: CheckedContinuation<OfferResult?, Never>) in
                let (result, registered) = enqueue(record, mayWait: true, waiter: .continuation(continuation))
                if !registered { continuation.resume(returning: result) }
            }
            if let outcome { return outcome }
        }
    }

    /// The counters now.
    public var counters: IngestorCounters { state.withLock { $0.counters } }

    /// Whether the ingestor is running, stalled or closed.
    public var status: IngestorStatus { state.withLock { $0.status } }

    /// Waits until every record accepted before the call is written, failed or dropped. While the store
    /// is stalled this waits for it to recover (or for ``close(timeout:)``).
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                let target = s.counters.accepted
                if s.resolved >= target || s.writerExited { return true }
                s.flushWaiters.append((target, continuation))
                s.flushRequested = true
                return false
            }
            if done { continuation.resume() } else { wake.signal() }
        }
    }

    /// Stops accepting records, writes what is buffered and stops the writer. If the store is stalled,
    /// waits at most `timeout` for it to recover; records still buffered then are dropped (`closed`).
    /// Does not close the store. Returns the final counters.
    @discardableResult
    public func close(timeout: Duration = .seconds(10)) async -> IngestorCounters {
        let waiters = state.withLock { s -> [Waiter] in
            if s.status.isClosedOrClosing(s.closing) { return [] }
            s.closing = true
            s.closeDeadline = Self.monotonicNanos() + Self.nanos(timeout)
            let w = s.spaceWaiters
            s.spaceWaiters.removeAll()
            return w
        }
        for w in waiters { w.resume(retry: true) }   // they retry, meet `closing` and count as dropped
        wake.signal()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [finished] in
                finished.wait()
                finished.signal()
                c.resume()
            }
        }
        return counters
    }

    static func nanos(_ d: Duration) -> Int64 {
        let (s, a) = d.components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max / 2 : ns + a / 1_000_000_000
    }

    static func monotonicNanos() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }
}

extension IngestorStatus {
    func isClosedOrClosing(_ closing: Bool) -> Bool {
        if closing { return true }
        if case .closed = self { return true }
        return false
    }
}
