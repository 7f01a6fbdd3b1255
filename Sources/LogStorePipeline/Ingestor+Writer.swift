import Dispatch
import LogStore

extension Ingestor {
    /// What the writer does next.
    private enum Step {
        case write([LogRecord], bytes: Int)
        case sleep(nanoseconds: Int64?, settled: [CheckedContinuation<Void, Never>])
        case exit
    }

    /// The writer thread: cut a batch when one is due, write it, settle its records, repeat.
    func runWriter() {
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
            switch nextStep() {
            case .exit:
                return
            case .sleep(let nanos, let settled):
                for flush in settled { flush.resume() }
                publishMetrics()
                // Wake at least once a second so metrics of drops at the door get published.
                let wait = min(nanos ?? 1_000_000_000, 1_000_000_000)
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(max(wait, 1_000_000))))
                state.withLock { $0.writerSleeping = false }
            case .write(let batch, let bytes):
                write(batch, bytes: bytes)
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
            s.inFlightRecords = records.count
            s.inFlightBytes = bytes
            return .write(records, bytes: bytes)
        }
    }

    /// Writes one batch: retries with backoff, then stalls and probes until it is written, fails for
    /// good, or closing runs out of time.
    private func write(_ batch: [LogRecord], bytes: Int) {
        var attempt = 0
        while true {
            do throws(LogStoreError) {
                let receipt = try store.append(batch)
                try store.waitUntilDurableBlocking(receipt)
                settle(batch.count, receipt: receipt, failed: 0)
                return
            } catch {
                guard Self.isRetryable(error) else {
                    settle(batch.count, receipt: nil, failed: batch.count)
                    return
                }
                attempt += 1
                if attempt > options.maxRetries, !markStalled(error) {
                    // Closing and out of time: give the batch and the buffer up.
                    settle(batch.count, receipt: nil, failed: 0, droppedClosed: batch.count)
                    return
                }
                let base = Self.nanos(options.retryBaseDelay)
                let delay = min(Self.nanos(options.retryMaxDelay), base << min(attempt - 1, 20))
                state.withLock { $0.counters.retried += 1 }
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(max(delay, 0))))
            }
        }
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
    private func settle(_ count: Int, receipt: AppendReceipt?, failed: Int, droppedClosed: Int = 0) {
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
            s.inFlightRecords = 0
            s.inFlightBytes = 0
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
