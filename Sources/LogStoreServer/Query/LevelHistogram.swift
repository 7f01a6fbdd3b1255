import LogStore
import LogStoreFilter

/// Counts per level in each time bucket of a closed range, from the segment footers' block
/// summaries: each bucket is one `countByLevel` call, which counts every block lying wholly inside the
/// bucket from its summary and decodes only the blocks that straddle a bucket edge. Used by
/// `/api/v1/hits?by=level` when the whole filter is pushed into the engine (no residual `where` part)
/// and the range is bounded, so a 7-day histogram of a large store reads footers, not records.
struct LevelHistogram {
    /// Most buckets answered this way; a finer step over a long range falls back to the scan.
    static let maxBuckets = 2_000

    /// One non-empty bucket: its start and the counts per level name.
    struct Bucket {
        let start: Int64
        let byLevel: [(level: String, count: Int)]
        var count: Int { byLevel.reduce(0) { $0 + $1.count } }
    }

    let query: LogQuery
    let since: Int64
    let until: Int64
    let step: Int64

    /// The histogram of `plan`, or nil when summaries cannot answer it: a residual filter, an open
    /// range, or more than ``maxBuckets`` buckets.
    init?(plan: FilterPlan, step: Int64) {
        guard plan.residual == nil, plan.query.after == nil, let since = plan.query.since,
              let until = plan.query.until, since < until, step > 0 else { return nil }
        let first = Self.floor(since, step)
        guard (until - first) / step < Int64(Self.maxBuckets) else { return nil }
        self.query = plan.query
        self.since = since
        self.until = until
        self.step = step
    }

    /// The start of the bucket holding `t` (floor division, so times before 1970 land right).
    static func floor(_ t: Int64, _ step: Int64) -> Int64 {
        t - ((t % step) + step) % step
    }

    /// The non-empty buckets in time order.
    func buckets(_ store: LogStore) throws(LogStoreError) -> [Bucket] {
        var out: [Bucket] = []
        var start = Self.floor(since, step)
        while start < until {
            var q = query
            q.since = max(start, since)
            q.until = min(start + step, until)
            q.limit = nil
            let counts = try store.countByLevel(q)
            if !counts.isEmpty {
                let byLevel = counts.map { (level: $0.key.name, count: $0.value) }
                    .sorted { $0.count > $1.count || ($0.count == $1.count && $0.level < $1.level) }
                out.append(Bucket(start: start, byLevel: byLevel))
            }
            start += step
        }
        return out
    }
}
