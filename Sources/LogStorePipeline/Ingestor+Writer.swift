import Dispatch
import LogStore

extension Ingestor {
    /// What the writer does next.
    private enum Step {
        case write([LogRecord], bytes: Int)
        case sleep(nanoseconds: Int64?, settled: [CheckedContinuation<Void, Never>])
        case exit
    }

    /// A batch appended to the store whose WAL sync has not been seen yet.
    struct InFlightBatch {
        var records: [LogRecord]
        var bytes: Int
        var receipt: AppendReceipt
        /// Failed attempts so far (for the retry limit).
        var attempts: Int
    }

    /// Batches appended but not yet known durable, at most; the writer then waits for the oldest.
    static let maxInFlightBatches = 16

    /// The writer thread: cut a batch when one is due, append it, and settle batches as their WAL
    /// syncs complete. It does not wait for a batch's sync before appending the next one (that wait,
    /// up to the store's batch interval per batch, capped the pipeline near 80,000 records/s): up to
    /// ``maxInFlightBatches`` appended batches wait for their sync together, counted as buffered until
    /// settled, and a batch whose sync failed is appended again (a retry).
    func runWriter() {
        var inFlight: [InFlightBatch] = []
        defer {
            let (flushes, waiters) = state.withLock { s in
                s.writerExited = true
                s.status = .closed
                let f = s.flushWaiters.map(\.continuation)
                s.flushWaiters.removeAll()
                let w = s.spaceWaiters
                s.spaceWaiters.removeAll()
                return (f, w)
            }
            for f in flushes { f.resume() }
            for w in waiters { w.resume(retry: true) }
            publishMetrics()
            finished.signal()
        }
        while true {
            settleDurable(&inFlight, blocking: inFlight.count >= Self.maxInFlightBatches)
            switch nextStep() {
            case .exit:
                // Closing: every appended batch is settled (or retried) before the writer stops.
                while !inFlight.isEmpty { settleDurable(&inFlight, blocking: true) }
                if state.withLock({ $0.queue.isEmpty }) { return }
            case .sleep(let nanos, let settled):
                for flush in settled { flush.resume() }
                if !inFlight.isEmpty {
                    // Nothing to append now: wait for the oldest batch's sync instead of sleeping.
                    state.withLock { $0.writerSleeping = false }
                    settleDurable(&inFlight, blocking: true)
                    publishMetrics()
                    continue
                }
                publishMetrics()
                // Wake at least once a second so metrics of drops at the door get published.
                let wait = min(nanos ?? 1_000_000_000, 1_000_000_000)
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(max(wait, 1_000_000))))
                state.withLock { $0.writerSleeping = false }
            case .write(let batch, let bytes):
                append(batch, bytes: bytes, failedAttempts: 0, to: &inFlight)
                publishMetrics()
            }
        }
    }

    private func nextStep() -> Step {
        let now = Self.monotonicNanos()
        return state.withLock { s -> Step in
            if s.queue.isEmpty {
                if s.closing { return .exit }
                let settled = s.flushRequested ? settleFlushes(&s) : []
                s.writerSleeping = true
                return .sleep(nanoseconds: nil, settled: settled)
            }
            let age = now - (s.queue.first?.arrived ?? now)
            let due = s.queue.count >= options.batchRecords || s.queue.bytes >= options.batchBytes
                || age >= batchAgeNanos || s.closing || s.flushRequested
            guard due else {
                s.writerSleeping = true
                return .sleep(nanoseconds: batchAgeNanos - age, settled: [])
            }
            let (records, bytes) = s.queue.removeBatch(maxRecords: options.batchRecords, maxBytes: options.batchBytes)
            s.inFlightRecords += records.count
            s.inFlightBytes += bytes
            return .write(records, bytes: bytes)
        }
    }

    /// Appends one batch, retrying with backoff; then stalls and probes until it is appended, fails
    /// for good, or closing runs out of time. An appended batch joins `inFlight` until its sync.
    private func append(_ batch: [LogRecord], bytes: Int, failedAttempts: Int, to inFlight: inout [InFlightBatch]) {
        var attempts = failedAttempts
        while true {
            do throws(LogStoreError) {
                let receipt = try store.append(batch)
                inFlight.append(InFlightBatch(records: batch, bytes: bytes, receipt: receipt, attempts: attempts))
                return
            } catch {
                attempts += 1
                guard backOff(batch, bytes: bytes, after: error, attempts: attempts) else { return }
            }
        }
    }

    /// Settles the in-flight batches whose sync is known, oldest first; with `blocking`, first waits
    /// for the oldest one's. A batch lost to a failed sync is appended again (or given up, as a failed
    /// append would be).
    private func settleDurable(_ inFlight: inout [InFlightBatch], blocking: Bool) {
        var wait = blocking
        while let first = inFlight.first {
            let outcome: Result<Void, LogStoreError>
            if wait {
                outcome = Result { () throws(LogStoreError) in try store.waitUntilDurableBlocking(first.receipt) }
                wait = false
            } else if let known = store.durabilityOutcome(first.receipt) {
                outcome = known
            } else {
                return
            }
            inFlight.removeFirst()
            switch outcome {
            case .success:
                settle(first.records.count, bytes: first.bytes, receipt: first.receipt, failed: 0)
            case .failure(let error):
                let attempts = first.attempts + 1
                if backOff(first.records, bytes: first.bytes, after: error, attempts: attempts) {
                    append(first.records, bytes: first.bytes, failedAttempts: attempts, to: &inFlight)
                }
            }
        }
    }

    /// After failed attempt number `attempts` of `batch`: true when it should be tried again (after
    /// the backoff, or a stall probe); false when it was given up and settled.
    private func backOff(_ batch: [LogRecord], bytes: Int, after error: LogStoreError, attempts: Int) -> Bool {
        guard Self.isRetryable(error) else {
            settle(batch.count, bytes: bytes, receipt: nil, failed: batch.count)
            return false
        }
        if attempts > options.maxRetries, !markStalled(error) {
            // Closing and out of time: give the batch and the buffer up.
            settle(batch.count, bytes: bytes, receipt: nil, failed: 0, droppedClosed: batch.count)
            return false
        }
        let base = Self.nanos(options.retryBaseDelay)
        let delay = min(Self.nanos(options.retryMaxDelay), base << min(attempts - 1, 20))
        state.withLock { $0.counters.retried += 1 }
        _ = wake.wait(timeout: .now() + .nanoseconds(Int(max(delay, 0))))
        return true
    }

    /// Errors that a later attempt may not meet: I/O errors (a full disk, a failing device) and writes
    /// refused after such an error.
    static func isRetryable(_ error: LogStoreError) -> Bool {
        error.kind == .io || error.kind == .writeFailed
    }

    /// Reports a stall (once per stall). Returns false when closing has run out of time.
    private func markStalled(_ error: LogStoreError) -> Bool {
        let (report, keepGoing) = state.withLock { s -> (Bool, Bool) in
            if s.closing, Self.monotonicNanos() >= s.closeDeadline { return (false, false) }
            let first = !s.status.isStalled
            s.status = .stalled(error)
            return (first, true)
        }
        if report {
            metrics.stalled.record(1)
            options.onStatusChange?(.stalled(error))
        }
        return keepGoing
    }

    /// Settles a written (or failed) batch: counters, resumption, waiting producers and flushes.
    private func settle(_ count: Int, bytes: Int, receipt: AppendReceipt?, failed: Int, droppedClosed: Int = 0) {
        let (waiters, flushes, resumed) = state.withLock { s in
            if let receipt {
                s.counters.written += receipt.accepted
                s.counters.batches += 1
                s.drop(.expired, receipt.droppedExpired)
                s.drop(.future, receipt.rejectedFuture)
                s.drop(.invalid, receipt.rejected.count)
            }
            s.counters.failed += failed
            if droppedClosed > 0 {
                // Closing gave up: drop the rest of the buffer too.
                let rest = s.queue.removeAll().count
                s.drop(.closed, droppedClosed + rest)
                s.droppedAfterAcceptance += droppedClosed + rest
            }
            s.inFlightRecords -= count
            s.inFlightBytes -= bytes
            s.updateBuffered()
            var resumed = false
            if receipt != nil, s.status.isStalled {
                s.status = .running
                resumed = true
            }
            let w = s.spaceWaiters
            s.spaceWaiters.removeAll()
            return (w, settleFlushes(&s), resumed)
        }
        if resumed {
            metrics.stalled.record(0)
            options.onStatusChange?(.running)
        }
        for w in waiters { w.resume(retry: true) }
        for f in flushes { f.resume() }
    }

    /// Removes and returns the flush waiters whose records are all settled.
    func settleFlushes(_ s: inout State) -> [CheckedContinuation<Void, Never>] {
        let resolved = s.resolved
        var ready: [CheckedContinuation<Void, Never>] = []
        s.flushWaiters.removeAll { waiter in
            guard waiter.target <= resolved else { return false }
            ready.append(waiter.continuation)
            return true
        }
        if s.flushWaiters.isEmpty { s.flushRequested = false }
        return ready
    }
}
