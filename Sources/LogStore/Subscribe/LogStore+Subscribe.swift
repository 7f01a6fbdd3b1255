extension LogStore {
    /// Subscribes to the records this store commits from now on that match `filter`; see
    /// ``LogSubscription`` for delivery, order, lag and ending.
    ///
    /// Every record appended after this call returns (by an append that starts after it) and matching
    /// `filter` is delivered once the WAL committer has acknowledged it, unless the consumer lags.
    /// The filter means exactly what it means for ``query(_:)``: same time bounds, levels, sources,
    /// correlation ID, message text, attribute conditions and `after` cursor; `limit` ends the
    /// subscription after that many records.
    ///
    /// - Parameters:
    ///   - filter: which records to deliver; the default delivers every record.
    ///   - bufferSize: how many records may wait for the consumer (1…1,048,576; default 1,024). A
    ///     consumer that falls further behind gets ``LogSubscription/Event/lagged(skipped:)``.
    /// - Throws: ``LogStoreError/Kind/readOnly`` for a store opened read-only (subscribe in the writing
    ///   process; another process follows with ``LogStore/follow(directory:filter:after:bufferSize:)``), ``LogStoreError/Kind/closed`` once
    ///   the store is closing, ``LogStoreError/Kind/invalidArgument`` for a bad `bufferSize`.
    public func subscribe(_ filter: LogQuery = LogQuery(), bufferSize: Int = 1024) throws(LogStoreError) -> LogSubscription {
        guard let committer else { throw readOnlyError() }
        guard (1...(1 << 20)).contains(bufferSize) else {
            throw LogStoreError(.invalidArgument, "bufferSize is \(bufferSize); use 1 to 1048576 records", path: path)
        }
        if state.withLock({ shared.closing }) {
            throw LogStoreError(.closed, "the store is closed; open it again to subscribe", path: path)
        }
        // No retention bound: every record the store accepts is inside the retention at commit time.
        let inbox = SubscriptionInbox(predicate: Predicate(filter, oldestRetained: .min), capacity: bufferSize,
                                      limit: filter.limit)
        let hub = committer.subscriptions
        try hub.add(inbox, path: path)
        return LogSubscription(handle: SubscriptionHandle(inbox: inbox, hub: hub))
    }
}
