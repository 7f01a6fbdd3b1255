/// The records a follower has read and its consumer has not taken yet: at most `capacity` of them.
///
/// The follower thread blocks in ``push(_:)`` while the buffer is full (records stay in the store,
/// so a slow consumer makes the follower read later, never lose records); the consumer takes events
/// with ``take(_:)``. ``finish(_:)`` ends the stream after the buffered events, with or without an
/// error; ``cancel()`` ends it now and wakes the follower.
final class FollowBuffer: Sendable {
    typealias Event = LogSubscription.Event
    typealias Waiter = CheckedContinuation<Result<Event?, LogStoreError>, Never>

    private struct State {
        var items = RingBuffer<Event>()
        var finished = false
        var failure: LogStoreError?
        var cancelled = false
        var waiter: Waiter?
        /// `.damaged` events handed over so far.
        var damaged = 0

        var count: Int { items.count }

        mutating func dequeue() -> Event? { items.popFirst() }
    }

    let capacity: Int
    private let monitor = Monitor()
    /// Guarded by `monitor`.
    nonisolated(unsafe) private var state = State()

    init(capacity: Int) { self.capacity = capacity }

    /// Whether the consumer has gone: the follower should stop.
    var isCancelled: Bool { monitor.withLock { state.cancelled } }

    /// `.damaged` events pushed so far (delivered, or waiting for the consumer).
    var damageCount: Int { monitor.withLock { state.damaged } }

    /// Hands `event` to the consumer, waiting while the buffer is full. False once cancelled.
    func push(_ event: Event) -> Bool {
        var wake: Waiter?
        let accepted = monitor.withLock { () -> Bool in
            while !state.cancelled && state.waiter == nil && state.count >= capacity { monitor.wait() }
            guard !state.cancelled, !state.finished else { return false }
            if case .damaged = event { state.damaged += 1 }
            if let w = state.waiter {
                state.waiter = nil
                wake = w
            } else {
                state.items.append(event)
            }
            return true
        }
        wake?.resume(returning: .success(event))
        return accepted
    }

    /// Hands the next event to `c` now or when one arrives; nil when the stream is over, or the error
    /// that ended it once the buffered events are taken.
    func take(_ c: Waiter) {
        let ready = monitor.withLock { () -> Result<Event?, LogStoreError>? in
            if state.cancelled { return .success(nil) }
            if let e = state.dequeue() {
                monitor.broadcast()
                return .success(e)
            }
            if state.finished {
                defer { state.failure = nil }
                return state.failure.map { .failure($0) } ?? .success(nil)
            }
            state.waiter = c
            return nil
        }
        if let ready { c.resume(returning: ready) }
    }

    /// No more events will come; the consumer reads what is buffered, then `error` if there is one.
    func finish(_ error: LogStoreError?) {
        let w = monitor.withLock { () -> Waiter? in
            guard !state.finished else { return nil }
            state.finished = true
            state.failure = error
            defer { state.waiter = nil }
            if state.waiter != nil { state.failure = nil }
            return state.waiter
        }
        w?.resume(returning: error.map { .failure($0) } ?? .success(nil))
    }

    /// The consumer has gone: drop the buffer, end the stream, wake a blocked follower.
    func cancel() {
        let w = monitor.withLock { () -> Waiter? in
            state.cancelled = true
            state.finished = true
            state.items.removeAll()
            monitor.broadcast()
            defer { state.waiter = nil }
            return state.waiter
        }
        w?.resume(returning: .success(nil))
    }
}
