/// A value guarded by a pthread mutex, with the `withLock` shape of `Synchronization.Mutex`.
///
/// For state that threads share all the time (live subscriptions, the ingestor, parallel counts): ThreadSanitizer in Swift 6.3 on
/// Linux does not see `Mutex`'s futex-based locking and would report every such access as a race
/// (scripts/sanitizers/tsan.supp), while it checks code under a pthread mutex normally.
package final class LockedState<State>: @unchecked Sendable {
    private let monitor = Monitor()
    /// Guarded by `monitor`.
    private var state: State

    package init(_ initial: State) { state = initial }

    @inline(__always)
    package func withLock<R, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        try monitor.withLock { () throws(E) -> R in try body(&state) }
    }
}
