import Glibc

extension LogStore {
    /// Follows the store at `directory`, written by another process (or by this one), delivering the
    /// records committed after `after` that match `filter`; see ``LogFollower`` for delivery, order,
    /// memory and ending.
    ///
    /// Takes no lock and changes nothing on disk, like a read-only open.
    ///
    /// ```swift
    /// let store = try LogStore.open(at: path, options: readOnlyOptions)
    /// let recent = try store.records(LogQuery(limit: 20, order: .descending))   // what is there now
    /// let start = store.latestSequence
    /// try store.close()
    /// for try await event in try LogStore.follow(directory: path, after: start) {   // what comes next
    ///     print(event)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - directory: the store directory.
    ///   - filter: which records to deliver; the default delivers every record.
    ///   - after: deliver records whose sequence number is greater than this. Nil (the default)
    ///     starts after the newest record in the store now (``latestSequence`` of a read-only open);
    ///     0 delivers every record the store still holds, then follows.
    ///   - bufferSize: how many records may wait for the consumer (1…1,048,576; default 1,024).
    /// - Throws: ``LogStoreError/Kind/notFound`` when there is no store at `directory`,
    ///   ``LogStoreError/Kind/invalidArgument`` for a bad `bufferSize`, and what a read-only open
    ///   throws when `after` is nil.
    public static func follow(directory: String, filter: LogQuery = LogQuery(), after: UInt64? = nil,
                              bufferSize: Int = 1024) throws(LogStoreError) -> LogFollower {
        guard (1...(1 << 20)).contains(bufferSize) else {
            throw LogStoreError(.invalidArgument, "bufferSize is \(bufferSize); use 1 to 1048576 records", path: directory)
        }
        let io = PosixIO()
        guard io.exists(directory) else {
            throw LogStoreError(.notFound, "no store at this path; check the path, or follow after a writer created it", path: directory)
        }
        let start: UInt64
        if let after {
            start = after
        } else {
            var options = StoreOptions()
            options.readOnly = true
            let store = try LogStore.open(at: directory, options: options)
            start = store.latestSequence
            try? store.close()
        }
        let buffer = FollowBuffer(capacity: bufferSize)
        let watcher = try DirectoryWatcher()
        // No retention bound, as for subscriptions: what the writer still holds is delivered.
        let follower = WALFollower(directory: directory, io: io, predicate: Predicate(filter, oldestRetained: .min),
                                   after: start, limit: filter.limit, buffer: buffer, watcher: watcher)
        guard startThread(name: "logstore-follow", { follower.run() }) else {
            throw LogStoreError(.io, "could not start the follower thread; the process may be out of threads or memory",
                                path: directory)
        }
        return LogFollower(handle: FollowHandle(buffer: buffer, watcher: watcher))
    }

    /// The largest sequence number this store holds (0 when it holds none): for a read-only store,
    /// as of when it was opened; for a writer, the last one assigned. Records appended later get
    /// larger ones, so it is where ``follow(directory:filter:after:bufferSize:)`` continues a query.
    public var latestSequence: UInt64 {
        state.withLock {
            var latest = shared.segments.reduce(0) { max($0, $1.summary.maxSequence) }
            for head in shared.immutables + [shared.head.snapshot()] {
                latest = max(latest, head.lastSequence)
            }
            if committer != nil { latest = max(latest, shared.nextSequence - 1) }
            return latest
        }
    }
}
