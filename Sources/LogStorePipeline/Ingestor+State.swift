import Dispatch
import LogStore

extension Ingestor {
    /// A producer waiting for room.
    enum Waiter {
        case semaphore(DispatchSemaphore)
        /// Resumed with nil to retry, or with a final result.
        case continuation(CheckedContinuation<OfferResult?, Never>)

        func resume(retry: Bool) {
            switch self {
            case .semaphore(let s): s.signal()
            case .continuation(let c): c.resume(returning: retry ? nil : .dropped(.closed))
            }
        }

        func isSemaphore(_ other: DispatchSemaphore) -> Bool {
            if case .semaphore(let s) = self { return s === other }
            return false
        }
    }

    /// Everything shared between producers and the writer, behind one lock.
    struct State {
        var queue = RecordQueue()
        var inFlightRecords = 0
        var inFlightBytes = 0
        var counters = IngestorCounters()
        var status = IngestorStatus.running
        var closing = false
        var closeDeadline: Int64 = 0
        var writerExited = false
        /// Whether the writer sleeps without a reason to wake early; producers then signal it once.
        var writerSleeping = false
        var flushRequested = false
        var spaceWaiters: [Waiter] = []
        var flushWaiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []

        /// Records whose fate is settled: written, failed, or dropped after acceptance.
        var resolved: Int {
            counters.written + counters.failed + (counters.dropped[.evicted] ?? 0) + (counters.dropped[.expired] ?? 0)
                + (counters.dropped[.future] ?? 0) + (counters.dropped[.invalid] ?? 0) + droppedAfterAcceptance
        }
        /// Records dropped as `closed` after they had been accepted.
        var droppedAfterAcceptance = 0

        var bufferedRecords: Int { queue.count + inFlightRecords }
        var bufferedBytes: Int { queue.bytes + inFlightBytes }

        mutating func drop(_ reason: DropReason, _ n: Int = 1) {
            counters.dropped[reason, default: 0] += n
        }

        mutating func updateBuffered() {
            counters.buffered = bufferedRecords
            counters.bufferedBytes = bufferedBytes
        }
    }

    /// Takes `record` into the buffer if the policy allows, or registers `waiter` to be woken when there
    /// is room (returning `registered` true). Called with the lock held.
    func admit(_ record: LogRecord, bytes: Int, now: Int64, into s: inout State, mayWait: Bool,
               waiter: Waiter? = nil) -> OfferResult {
        if s.closing || s.writerExited {
            s.drop(.closed)
            return .dropped(.closed)
        }
        if bytes > options.maxBufferedBytes || bytes > store.options.maxRecordBytes {
            s.drop(.tooLarge)
            return .dropped(.tooLarge)
        }
        func fits() -> Bool {
            s.bufferedRecords < options.maxBufferedRecords && s.bufferedBytes + bytes <= options.maxBufferedBytes
        }
        if !fits() {
            switch options.backpressure {
            case .dropNewest:
                s.drop(.bufferFull)
                return .dropped(.bufferFull)
            case .block:
                if mayWait, let waiter {
                    s.spaceWaiters.append(waiter)
                    return .dropped(.bufferFull)      // not counted: the caller waits and retries
                }
                s.drop(.bufferFull)
                return .dropped(.bufferFull)
            case .dropOldest:
                while !fits(), let evicted = s.queue.removeFirst() {
                    _ = evicted
                    s.drop(.evicted)
                }
                if !fits() {                          // everything left is being written
                    s.drop(.bufferFull)
                    return .dropped(.bufferFull)
                }
            }
        }
        s.queue.append(.init(record: record, bytes: bytes, arrived: now))
        s.counters.accepted += 1
        s.updateBuffered()
        return .accepted
    }

    /// Admits one record; `registered` tells whether `waiter` was queued to wait for room.
    func enqueue(_ record: LogRecord, mayWait: Bool, waiter: Waiter? = nil) -> (OfferResult, registered: Bool) {
        let bytes = record.estimatedBytes
        let now = Self.monotonicNanos()
        return state.withLock { s in
            let waitersBefore = s.spaceWaiters.count
            let result = admit(record, bytes: bytes, now: now, into: &s, mayWait: mayWait, waiter: waiter)
            nudgeWriterIfNeeded(&s)
            return (result, s.spaceWaiters.count > waitersBefore)
        }
    }

    /// Wakes a sleeping writer when a batch is full or the first record arrived (to start its age clock).
    func nudgeWriterIfNeeded(_ s: inout State) {
        guard s.writerSleeping else { return }
        if s.queue.count == 1 || s.queue.count >= options.batchRecords || s.queue.bytes >= options.batchBytes {
            s.writerSleeping = false
            wake.signal()
        }
    }
}
