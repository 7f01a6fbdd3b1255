import LogStore
import ServiceLifecycle

/// The open live tails, so that a graceful shutdown can end them: an event stream never ends by
/// itself, and the server waits for every request in flight before it closes the store.
final class TailRegistry: Sendable {
    private struct State {
        var next = 0
        var closers: [Int: @Sendable () -> Void] = [:]
        var closed = false
    }

    private let state = LockedState(State())   // LockedState: visible to TSan

    /// Registers a tail's `close`; returns its id, or nil (after calling `close`) when shutting down.
    func register(_ close: @escaping @Sendable () -> Void) -> Int? {
        let id: Int? = state.withLock { s in
            guard !s.closed else { return nil }
            s.next += 1
            s.closers[s.next] = close
            return s.next
        }
        if id == nil { close() }
        return id
    }

    func remove(_ id: Int) {
        state.withLock { _ = $0.closers.removeValue(forKey: id) }
    }

    /// Whether a graceful shutdown has begun.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Ends every open tail, and every tail opened from now on.
    func closeAll() {
        let closers = state.withLock { s in
            s.closed = true
            defer { s.closers = [:] }
            return Array(s.closers.values)
        }
        for close in closers { close() }
    }
}

/// A service that, on graceful shutdown, ends the live tails before the HTTP server waits for its
/// requests in flight (listed after the application, so shut down before it).
struct TailShutdownService: Service {
    let registry: TailRegistry

    func run() async throws {
        try? await gracefulShutdown()
        registry.closeAll()
    }
}
