import LogStore
import LogStoreFilter

/// A query's records after the residual part of `--where` and the limit: the engine skips blocks
/// by what was pushed down, this checks the rest record by record.
struct FilteredRecords {
    private let iterator: QueryIterator
    private let plan: FilterPlan
    private var remaining: Int?

    /// Runs `plan` on `store`; `limit` counts records that pass the residual filter too.
    init(_ store: LogStore, _ plan: FilterPlan, limit: Int? = nil, order: LogQuery.Order = .ascending,
         after: QueryCursor? = nil) throws(LogStoreError) {
        var q = plan.query
        q.order = order
        q.after = after
        // The engine's limit would count records the residual filter then drops.
        if plan.residual == nil { q.limit = limit }
        self.iterator = try store.query(q)
        self.plan = plan
        self.remaining = limit
    }

    mutating func next() throws(LogStoreError) -> LogRecord? {
        if let remaining, remaining <= 0 { return nil }
        while let r = try iterator.next() {
            guard plan.matches(r) else { continue }
            if let remaining { self.remaining = remaining - 1 }
            return r
        }
        return nil
    }
}
