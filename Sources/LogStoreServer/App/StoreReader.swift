import LogStore

/// The store a query reads. On the writing server that is the server's own store, which sees every
/// record as soon as it is appended. A `--read-only` server opens the store afresh for each query,
/// because a read-only open sees what the other writer made durable up to that moment only.
struct StoreReader: Sendable {
    let store: LogStore
    let release: @Sendable () -> Void
}

extension ServerState {
    func reader() throws(LogStoreError) -> StoreReader {
        guard readOnly else { return StoreReader(store: store, release: {}) }
        var options = StoreOptions()
        options.readOnly = true
        let fresh = try LogStore.open(at: store.path, options: options)
        return StoreReader(store: fresh, release: { try? fresh.close() })
    }

    /// Runs `body` with a reader and releases it afterwards.
    func withReader<T>(_ body: (LogStore) throws -> T) throws -> T {
        let reader = try reader()
        defer { reader.release() }
        return try body(reader.store)
    }
}
