/// Exponential backoff with "equal jitter": the n-th pause is drawn uniformly from the upper half of
/// `min(max, initial × 2ⁿ)`, so retries from many forwarders spread out but never shrink to nothing.
struct Backoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private(set) var attempt = 0

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The next pause, and counts the attempt.
    mutating func next() -> Duration {
        let factor = Double(1 << min(attempt, 30))
        attempt += 1
        let ceiling = min(maximum.nanoseconds, initial.nanoseconds * factor)
        let pause = Double.random(in: (ceiling / 2)...ceiling)
        return .nanoseconds(Int64(pause))
    }

    /// After a success: the next failure starts from `initial` again.
    mutating func reset() { attempt = 0 }
}
