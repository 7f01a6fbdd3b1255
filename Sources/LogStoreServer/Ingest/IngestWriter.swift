import LogStore

/// Stores the records of one request and answers only when they are durable under the store's
/// durability mode: after the covering fsync for `sync` and `batch`, after the WAL write for `none`.
struct IngestWriter: Sendable {
    let store: LogStore

    /// What happened to a request's records.
    enum Outcome: Sendable {
        /// Stored and durable; the receipt tells which records the store did not take and why.
        case durable(AppendReceipt)
        /// Nothing is known to be stored (the store failed, is full or closed): the client should retry
        /// after `retryAfter` seconds. Never a 500: OTLP clients drop data on a 500.
        case unavailable(reason: String, retryAfter: Int)
    }

    func write(_ content: IngestBatch.Content) async -> Outcome {
        do throws(LogStoreError) {
            let receipt: AppendReceipt
            switch content {
            case .records(let records):
                guard !records.isEmpty else { return .durable(AppendReceipt()) }
                receipt = try await store.appendAsync(records)
                // appendAsync already waited for the fsync with `.sync`; `.batch` waits here for the
                // group commit that covers the receipt. `.none` is acknowledged once written.
                if store.options.durability == .batch { try await store.waitUntilDurable(receipt) }
            case .rows(let rows):
                guard rows.count > 0 else { return .durable(AppendReceipt()) }
                // The row path returns once queued under every durability: wait for the covering fsync
                // with `.sync` and `.batch`; `.none` is acknowledged once written.
                receipt = try store.append(rows: rows)
                if store.options.durability != .none { try await store.waitUntilDurable(receipt) }
            }
            return .durable(receipt)
        } catch {
            switch error.kind {
            case .closed: return .unavailable(reason: "the store is closing; retry", retryAfter: 5)
            case .readOnly: return .unavailable(reason: error.message, retryAfter: 60)
            default: return .unavailable(reason: "the store could not write: \(error.description)", retryAfter: 5)
            }
        }
    }
}

extension AppendReceipt {
    /// Records of the batch the store did not keep, with the first reason, for partial-success answers.
    var notStored: (count: Int, firstReason: String?) {
        var reasons: [String] = []
        if let first = rejected.first { reasons.append("record \(first.index): \(first.reason)") }
        if rejectedFuture > 0 { reasons.append("\(rejectedFuture) records more than the allowed skew in the future") }
        if droppedExpired > 0 { reasons.append("\(droppedExpired) records older than the retention period") }
        if duplicates > 0 { reasons.append("\(duplicates) duplicate records (idempotency key seen)") }
        return (rejected.count + rejectedFuture + droppedExpired + duplicates, reasons.first)
    }
}
