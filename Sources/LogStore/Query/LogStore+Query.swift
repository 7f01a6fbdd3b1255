extension LogStore {
    /// Starts a query; records are read lazily as the iterator advances.
    public func query(_ query: LogQuery) throws(LogStoreError) -> QueryIterator {
        let (snapshot, predicate) = try prepare(query)
        return try QueryIterator(snapshot: snapshot, predicate: predicate, limit: query.limit)
    }

    /// All records of a query, collected into an array (mind ``LogQuery/limit`` on large stores).
    public func records(_ query: LogQuery) throws(LogStoreError) -> [LogRecord] {
        let it = try self.query(query)
        var out: [LogRecord] = []
        while let r = try it.next() { out.append(r) }
        return out
    }

    func prepare(_ query: LogQuery) throws(LogStoreError) -> (StoreSnapshot, Predicate) {
        let snapshot = try state.withLock { () throws(LogStoreError) -> StoreSnapshot in
            if shared.closed { throw LogStoreError(.closed, "the store is closed", path: path) }
            return shared.snapshot()
        }
        let oldest = options.clock() &- snapshot.settings.retentionSeconds &* 1_000_000_000
        return (snapshot, Predicate(query, oldestRetained: oldest))
    }
}
