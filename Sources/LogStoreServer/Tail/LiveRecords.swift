import LogStore

/// The live records of a tail, from the engine: the one place the server uses `LogStore.subscribe`
/// and `LogStore.follow`.
///
/// - A fresh tail on the writing server subscribes (`LogStore.subscribe`): records arrive once durable;
///   a client more than the buffer behind gets ``Event/dropped(_:)`` instead of unbounded memory, and
///   the writer never waits.
/// - A resumed tail (`Last-Event-ID: N`) and every tail of a `--read-only` server follow the store's
///   files after sequence N (`LogStore.follow`): every matching record after N exactly once, in
///   sequence order, read from the WAL or, when flushed, from the segments; a slow client makes it
///   read later, never drop.
/// - Damage the engine meets is passed on as ``Event/damaged(_:)`` (an SSE `damaged` event), never
///   skipped silently.
struct LiveRecords: Sendable {
    enum Event: Sendable {
        case record(LogRecord)
        /// `count` matching records were skipped because the client fell behind.
        case dropped(Int)
        /// Stored records at this point could not be read (file, offset, reason, records lost when
        /// known); the readable records around them are still delivered.
        case damaged(DamageReport)
    }

    private enum Source: Sendable {
        case subscription(LogSubscription)
        case follower(LogFollower)
    }

    private let source: Source

    /// - Parameter after: resume after this sequence number (nil: from now on).
    init(store: LogStore, filter: LogQuery, after: UInt64?, bufferSize: Int) throws(LogStoreError) {
        if store.options.readOnly || after != nil {
            // Without `after`, follow opens the store afresh and starts after its newest record now.
            source = .follower(try LogStore.follow(directory: store.path, filter: filter, after: after, bufferSize: bufferSize))
        } else {
            source = .subscription(try store.subscribe(filter, bufferSize: bufferSize))
        }
    }

    /// Calls `body` for each event until the stream ends, `body` throws, or the task is cancelled.
    func forEach(_ body: (Event) async throws -> Void) async throws {
        switch source {
        case .subscription(let subscription):
            for await event in subscription {
                switch event {
                case .record(let record): try await body(.record(record))
                case .lagged(let skipped): try await body(.dropped(skipped))
                case .damaged(let damage): try await body(.damaged(damage))
                }
            }
        case .follower(let follower):
            for try await event in follower {
                switch event {
                case .record(let record): try await body(.record(record))
                case .lagged(let skipped): try await body(.dropped(skipped))
                case .damaged(let damage): try await body(.damaged(damage))
                }
            }
        }
    }
}
