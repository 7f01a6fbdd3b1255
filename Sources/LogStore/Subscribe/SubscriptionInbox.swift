
/// One subscriber's filter and bounded buffer. The committer thread pushes matching records; the
/// consumer takes them. Pushing never blocks: a full buffer drops the record and counts it, and the
/// count comes out as one `.lagged` event before the next record that fits.
final class SubscriptionInbox: Sendable {
    typealias Event = LogSubscription.Event

    private struct State {
        /// At most `capacity` records, and a `.lagged` marker or a damage report beyond them.
        var ring = RingBuffer<Event>()
        /// Matching records dropped since the last `.lagged` event.
        var skipped = 0
        /// Matching records still wanted (the filter's limit), nil for no limit.
        var remaining: Int?
        /// No more records will come (limit reached, store closed); buffered ones are still read.
        var finished = false
        /// Unsubscribed: nothing more is returned.
        var cancelled = false
        var waiter: CheckedContinuation<Event?, Never>?
        /// `.damaged` events that found the ring full; delivered once it has room. Never dropped.
        var heldDamage: [DamageReport] = []
        /// `.damaged` events pushed so far.
        var damaged = 0

        var count: Int { ring.count }
        mutating func enqueue(_ e: Event) { ring.append(e) }
        mutating func dequeue() -> Event? { ring.popFirst() }
    }

    let predicate: Predicate
    let capacity: Int
    private let state: LockedState<State>

    init(predicate: Predicate, capacity: Int, limit: Int?) {
        self.predicate = predicate
        self.capacity = capacity
        let remaining = limit.map { max(0, $0) }
        state = LockedState(State(remaining: remaining, finished: remaining == 0))
    }

    /// Records waiting and records skipped since the last `.lagged` event (for tests and monitoring).
    var debugCounts: (buffered: Int, skipped: Int) { state.withLock { ($0.count, $0.skipped) } }

    /// Whether a consumer is waiting for the next event (its buffer is empty): a readiness signal for
    /// tests and monitoring.
    var hasWaitingConsumer: Bool { state.withLock { $0.waiter != nil } }

    /// Whether the subscriber still wants records.
    var isOpen: Bool { state.withLock { !$0.finished && !$0.cancelled } }

    /// `.damaged` events pushed so far.
    var damageCount: Int { state.withLock { $0.damaged } }

    /// Delivers a matching record (or counts it as skipped when the buffer is full), or a damage report
    /// (kept even when the buffer is full). Returns false when the subscriber wants nothing more (the
    /// hub then drops it).
    func push(_ event: Event) -> Bool {
        switch event {
        case .record(let record): return push(record)
        case .damaged(let damage): return push(damage)
        case .lagged: return isOpen
        }
    }

    private func push(_ damage: DamageReport) -> Bool {
        var wake: CheckedContinuation<Event?, Never>?
        let open = state.withLock { s -> Bool in
            guard !s.finished && !s.cancelled else { return false }
            s.damaged += 1
            if let w = s.waiter {
                s.waiter = nil
                wake = w
            } else if s.count <= capacity && s.heldDamage.isEmpty {
                s.enqueue(.damaged(damage))
            } else {
                s.heldDamage.append(damage)
            }
            return true
        }
        wake?.resume(returning: .damaged(damage))
        return open
    }

    func push(_ record: LogRecord) -> Bool {
        var wake: CheckedContinuation<Event?, Never>?
        let open = state.withLock { s -> Bool in
            guard !s.finished && !s.cancelled else { return false }
            if let w = s.waiter {
                // The consumer waits, so the buffer is empty and nothing is skipped.
                s.waiter = nil
                wake = w
            } else if s.count >= capacity {
                s.skipped += 1
            } else {
                if s.skipped > 0 {
                    s.enqueue(.lagged(skipped: s.skipped))
                    s.skipped = 0
                }
                s.enqueue(.record(record))
            }
            if let r = s.remaining {
                s.remaining = r - 1
                if r - 1 <= 0 { s.finished = true }
            }
            return !s.finished
        }
        wake?.resume(returning: .record(record))
        return open
    }

    /// Hands the next event to `c` now, or when one arrives; nil when the stream is over.
    func take(_ c: CheckedContinuation<Event?, Never>) {
        let ready = state.withLock { s -> Event?? in
            if s.cancelled { return .some(nil) }
            if let e = s.dequeue() { return .some(e) }
            if !s.heldDamage.isEmpty { return .some(.damaged(s.heldDamage.removeFirst())) }
            if s.skipped > 0 {
                defer { s.skipped = 0 }
                return .some(.lagged(skipped: s.skipped))
            }
            if s.finished { return .some(nil) }
            s.waiter = c
            return .none
        }
        if let ready { c.resume(returning: ready) }
    }

    /// No more records will come; the consumer still reads what is buffered.
    func finish() {
        let w = state.withLock { s -> CheckedContinuation<Event?, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        w?.resume(returning: nil)
    }

    /// Unsubscribed: discards the buffer and ends the stream now.
    func cancel() {
        let w = state.withLock { s -> CheckedContinuation<Event?, Never>? in
            s.cancelled = true
            s.finished = true
            s.ring.removeAll()
            defer { s.waiter = nil }
            return s.waiter
        }
        w?.resume(returning: nil)
    }
}
