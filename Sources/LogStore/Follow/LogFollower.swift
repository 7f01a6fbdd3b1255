/// A live stream of the records another process commits to a store, read from the store's files;
/// made by ``LogStore/follow(directory:filter:after:bufferSize:)``.
///
/// ```swift
/// // In a process other than the writer's:
/// var filter = LogQuery(sources: ["api-worker"])
/// filter.minimumLevel = .warning
/// for try await event in try LogStore.follow(directory: "/var/lib/collector/logs", filter: filter) {
///     if case .record(let record) = event { print(record.sequence, record.level, record.message) }
/// }
/// ```
///
/// - **Which records:** every record with a sequence number above the starting point that matches
///   the filter, each exactly once, in sequence (commit) order; a late record (older timestamp)
///   arrives when it is written. The filter means what it means for ``LogStore/query(_:)`` and
///   ``LogStore/subscribe(_:bufferSize:)``; ``LogQuery/limit`` ends the stream after that many
///   records, ``LogQuery/order`` is ignored.
/// - **When:** a record is read once its WAL frame is completely written (docs/FORMAT.md 4.2): with
///   durability `.batch` or `.none` that can be before the writer's `fdatasync`, so a record the
///   writer later reports failed (a failed WAL write or sync) may have been delivered. A partially
///   written frame is not read until it is complete.
/// - **How:** a thread watches the store's `wal/` directory with inotify (polling every 100 ms where
///   inotify is unavailable), reads what was appended to the current WAL file since the last read,
///   and keeps each file open until the writer has moved on to a newer one, so a file deleted by a
///   flush is still read to its end. Records whose WAL file was deleted before the follower opened it
///   (a flush moved them into segments; the follower fell behind; the writer restarted) are read from
///   the segments by sequence number. Records removed meanwhile by retention are skipped.
/// - **Memory:** at most `bufferSize` records wait for the consumer. When the buffer is full the
///   follower stops reading until the consumer catches up; nothing is dropped and
///   ``LogSubscription/Event/lagged(skipped:)`` is never sent.
/// - **Damage:** a WAL frame or row, or a segment block or file, that cannot be read is reported
///   with a ``LogSubscription/Event/damaged(_:)`` event naming the file, the offset and the reason
///   (and counted in ``damageCount``), and everything readable around it is still delivered. In the
///   WAL file the writer is still writing, what looks damaged may be a frame being written: it is
///   decided about once the writer has moved on to a newer file (docs/FORMAT.md 4.3).
/// - **Errors:** iteration throws ``LogStoreError`` when the store's files cannot be read (for example
///   a WAL file written by a newer LogStore, ``LogStoreError/Kind/unsupportedVersion``).
/// - **Ending it:** cancelling the iterating task, calling ``cancel()``, or dropping the follower
///   and its iterator stops the thread and closes its files. The stream does not end when the writer
///   closes: it keeps following, and continues when a writer opens the store again.
///
/// Iterate it once (a second iterator shares the same buffer).
public struct LogFollower: AsyncSequence, Sendable {
    public typealias Element = LogSubscription.Event
    public typealias Failure = LogStoreError

    let handle: FollowHandle

    public func makeAsyncIterator() -> Iterator { Iterator(handle: handle) }

    /// Stops following now: the iterator returns nil, buffered records are discarded.
    public func cancel() { handle.cancel() }

    /// How many ``LogSubscription/Event/damaged(_:)`` events the follower has found so far (each
    /// names a damaged WAL frame or row, or a segment block or file, it could not read).
    public var damageCount: Int { handle.buffer.damageCount }

    /// Iterates a ``LogFollower``.
    public struct Iterator: AsyncIteratorProtocol {
        public typealias Element = LogSubscription.Event
        public typealias Failure = LogStoreError

        let handle: FollowHandle

        /// The next event; nil once cancelled or the filter's limit reached.
        public mutating func next() async throws(LogStoreError) -> Element? {
            try await Self.take(from: handle)
        }

        /// The next event; nil once cancelled or the filter's limit reached.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(LogStoreError) -> Element? {
            try await Self.take(from: handle)
        }

        private static func take(from handle: FollowHandle) async throws(LogStoreError) -> Element? {
            let result = await withTaskCancellationHandler {
                await withCheckedContinuation { (c: FollowBuffer.Waiter) in handle.buffer.take(c) }
            } onCancel: {
                handle.cancel()
            }
            return try result.get()
        }
    }
}

/// Owns a follower: stops its thread when cancelled or when the last reference (the follower and
/// its iterators) goes away.
final class FollowHandle: Sendable {
    let buffer: FollowBuffer
    private let watcher: DirectoryWatcher

    init(buffer: FollowBuffer, watcher: DirectoryWatcher) {
        self.buffer = buffer
        self.watcher = watcher
    }

    func cancel() {
        buffer.cancel()
        watcher.wake()
    }

    deinit { cancel() }
}
