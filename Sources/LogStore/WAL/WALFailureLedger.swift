/// The appends a failed WAL write or sync lost, by log sequence number (LSN), so that every waiter
/// whose append was lost gets the error, however late it asks (docs/DESIGN.md, "WAL write
/// failures").
///
/// Not thread-safe: the ``WALCommitter`` keeps it under its monitor.
struct WALFailureLedger {
    /// One failure: the appends with LSNs in `after+1 ... through` were not made durable.
    struct Entry {
        var after: Int64
        var through: Int64
        var error: LogStoreError
        /// Whether some caller already got this error: from `sync()`, `flush()` or `close()`, or as the
        /// error of its own `.sync` append.
        var reported: Bool
    }

    /// Oldest first; ranges never overlap and increase.
    private(set) var entries: [Entry] = []
    /// LSN up to which `sync()`-style checkpoints have looked.
    private var checkpointed: Int64 = 0

    mutating func record(after: Int64, through: Int64, error: LogStoreError, reported: Bool) {
        guard through > after else { return }
        entries.append(Entry(after: after, through: through, error: error, reported: reported))
    }

    /// The failure that lost the append ending at `lsn`, if any.
    func failure(covering lsn: Int64) -> LogStoreError? {
        index(covering: lsn).map { entries[$0].error }
    }

    /// Marks the failure that lost the append ending at `lsn` as told to its caller.
    mutating func markReported(covering lsn: Int64) {
        if let i = index(covering: lsn) { entries[i].reported = true }
    }

    private func index(covering lsn: Int64) -> Int? {
        var lo = 0
        var hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].through < lsn { lo = mid + 1 } else { hi = mid }
        }
        guard lo < entries.count, entries[lo].after < lsn, lsn <= entries[lo].through else { return nil }
        return lo
    }

    /// For `sync()`, `flush()` and `close()`: the newest failure that lost an append made up to `lsn`
    /// and that no caller has been told about yet, as a ``LogStoreError/Kind/writeFailed`` error
    /// carrying the original's path and `errno`. Marks every such failure reported.
    mutating func takeUnreported(through lsn: Int64) -> LogStoreError? {
        var newest: Entry?
        var count = 0
        for i in entries.indices.reversed() {
            if entries[i].through <= checkpointed && entries[i].reported { break }
            if entries[i].after < lsn && !entries[i].reported {
                if newest == nil { newest = entries[i] }
                count += 1
                entries[i].reported = true
            }
        }
        checkpointed = max(checkpointed, lsn)
        guard let newest else { return nil }
        let what = count == 1 ? "an append was" : "appends were"
        return LogStoreError(.writeFailed,
                             "\(what) lost because a WAL write or sync failed (\(newest.error.message)); the store carries on with a new WAL file: append the lost records again",
                             path: newest.error.path, code: newest.error.code)
    }
}
