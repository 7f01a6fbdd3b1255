import LogStore
import LogStoreFilter
import LogStoreFormat

/// One `/api/v1/stats` group: its figures over the whole range and, with `every=`, per time bucket.
struct StatsTally {
    /// Records, errors (level error and above) and the finite values of the `field` attribute.
    struct Figures {
        var count = 0
        var errors = 0
        var values: [Double] = []

        mutating func add(_ record: LogRecord, value: Double?) {
            count += 1
            if record.level >= .error { errors += 1 }
            if let value { values.append(value) }
        }

        var errorRate: Double { count == 0 ? 0 : Double(errors) / Double(count) }
    }

    var total = Figures()
    /// Bucket start (ns, aligned to the epoch) → figures; empty without `every=`.
    var buckets: [Int64: Figures] = [:]

    mutating func add(_ record: LogRecord, value: Double?, bucket: Int64?) {
        total.add(record, value: value)
        if let bucket { buckets[bucket, default: Figures()].add(record, value: value) }
    }
}

extension JSONWriter {
    /// `"count":N,"errors":N,"error_rate":R` and, when a field was asked for,
    /// `,"n":N,"p50":…,"p95":…,"p99":…,"max":…` (nearest rank; null without values).
    mutating func statsFigures(_ figures: StatsTally.Figures, field: Bool) {
        raw("\"count\":\(figures.count),\"errors\":\(figures.errors),\"error_rate\":")
        double(figures.errorRate)
        guard field else { return }
        raw(",\"n\":\(figures.values.count)")
        let summary = NearestRank.summary(figures.values)
        for (name, value) in [("p50", summary?.p50), ("p95", summary?.p95), ("p99", summary?.p99), ("max", summary?.max)] {
            raw(",\"\(name)\":")
            if let value { double(value) } else { raw("null") }
        }
    }
}
