import Hummingbird
import LogStore
import LogStoreFilter
import LogStoreIngest
import LogStoreFormat

/// `GET /api/v1/hits` (counts per time bucket), `/api/v1/facets` (top values) and `/api/v1/stats`.
struct AggregateRoutes: Sendable {
    let state: ServerState

    /// Most records one aggregate reads; the answer says `"truncated": true` when it stopped there.
    static let maxScanned = 10_000_000
    /// Most distinct groups or values tracked per field (bounded memory).
    static let maxDistinct = 10_000

    func register<Context: RequestContext>(on router: RouterGroup<Context>) {
        router.get("/hits") { request, _ in hits(request) }
        router.get("/facets") { request, _ in facets(request) }
        router.get("/stats") { request, _ in stats(request) }
    }

    private func prepare(_ request: Request) -> Result<(QueryParameters, FilterPlan), QueryParameters.Invalid> {
        let parameters = QueryParameters(request)
        do throws(QueryParameters.Invalid) {
            return .success((parameters, try parameters.plan(now: wallClockNanoseconds())))
        } catch {
            return .failure(error)
        }
    }

    /// Reads matching records in order; false when it stopped at ``maxScanned``.
    private func scan(_ plan: FilterPlan, most: Int = maxScanned, _ body: (LogRecord) -> Void) throws -> Bool {
        let reader = try state.reader()
        defer { reader.release() }
        let iterator = try reader.store.query(plan.query)
        var scanned = 0
        while let record = try iterator.next() {
            guard plan.matches(record) else { continue }
            scanned += 1
            if scanned > most { return false }
            body(record)
        }
        return true
    }

    private func failed(_ error: any Error) -> Response {
        Responses.jsonError(.serviceUnavailable, "the query failed: \(error)", extra: Responses.retryAfter(5))
    }

    /// `step` (default 1m) buckets aligned to the epoch; `by` splits each bucket's count.
    /// `{"step_ns": …, "buckets": [{"time": …, "timestamp_ns": …, "count": N, "by": {…}}], "truncated": false}`
    func hits(_ request: Request) -> Response {
        let parameters: QueryParameters, plan: FilterPlan
        switch prepare(request) {
        case .success(let p): (parameters, plan) = p
        case .failure(let e): return Responses.jsonError(.badRequest, e.message)
        }
        let stepText = parameters.string("step") ?? "1m"
        guard let step = DurationParser.parse(stepText), step > 0 else {
            return Responses.jsonError(.badRequest, "step: '\(stepText)' is not a duration (10s, 1m, 1h, 1d)")
        }
        let by = parameters.string("by")
        let key = by.flatMap(GroupKey.init)
        if let by, key == nil { return Responses.jsonError(.badRequest, "by: '\(by)' is not level, source or attr.KEY") }
        if case .level = key, let histogram = LevelHistogram(plan: plan, step: step) {
            return levelHits(histogram)
        }
        var buckets: [Int64: (count: Int, by: [String: Int])] = [:]
        let complete: Bool
        do {
            complete = try scan(plan) { record in
                let bucket = record.timestamp - ((record.timestamp % step) + step) % step
                var entry = buckets[bucket] ?? (0, [:])
                entry.count += 1
                if let key {
                    let value = key.value(of: record)
                    if entry.by[value] != nil || entry.by.count < Self.maxDistinct { entry.by[value, default: 0] += 1 }
                }
                buckets[bucket] = entry
            }
        } catch { return failed(error) }
        var out = JSONWriter()
        out.raw("{\"step_ns\":\(step),\"buckets\":[")
        for (i, bucket) in buckets.keys.sorted().enumerated() {
            let entry = buckets[bucket] ?? (0, [:])
            if i > 0 { out.raw(",") }
            out.raw("{\"time\":\"\(TimestampParser.formatRFC3339(bucket))\",\"timestamp_ns\":\(bucket),\"count\":\(entry.count)")
            if key != nil {
                out.raw(",\"by\":{")
                for (j, (value, count)) in entry.by.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }).enumerated() {
                    if j > 0 { out.raw(",") }
                    out.key(value)
                    out.raw(String(count))
                }
                out.raw("}")
            }
            out.raw("}")
        }
        out.raw("],\"truncated\":\(!complete)}\n")
        return Responses.bytes(.ok, out.bytes, contentType: "application/json")
    }

    /// `hits?by=level` over a bounded range without a residual filter: from block summaries.
    private func levelHits(_ histogram: LevelHistogram) -> Response {
        let buckets: [LevelHistogram.Bucket]
        do { buckets = try state.withReader { try histogram.buckets($0) } } catch { return failed(error) }
        var out = JSONWriter()
        out.raw("{\"step_ns\":\(histogram.step),\"buckets\":[")
        for (i, bucket) in buckets.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{\"time\":\"\(TimestampParser.formatRFC3339(bucket.start))\",\"timestamp_ns\":\(bucket.start),\"count\":\(bucket.count),\"by\":{")
            for (j, entry) in bucket.byLevel.enumerated() {
                if j > 0 { out.raw(",") }
                out.key(entry.level)
                out.raw(String(entry.count))
            }
            out.raw("}}")
        }
        out.raw("],\"truncated\":false}\n")
        return Responses.bytes(.ok, out.bytes, contentType: "application/json")
    }

    /// The `limit` (default 10) most frequent values of source, level and each attribute among the
    /// matching records: `{"scanned": N, "facets": {"source": [{"value": …, "count": N}], "level": […], "attr.status": […]}}`.
    /// `scan=N` reads at most N records (`"truncated": true` when more match), `order=desc` the newest first.
    func facets(_ request: Request) -> Response {
        let parameters: QueryParameters
        var plan: FilterPlan
        switch prepare(request) {
        case .success(let p): (parameters, plan) = p
        case .failure(let e): return Responses.jsonError(.badRequest, e.message)
        }
        let limit: Int, most: Int
        do throws(QueryParameters.Invalid) {
            limit = try parameters.int("limit", default: 10, range: 1...1000)
            most = try parameters.int("scan", default: Self.maxScanned, range: 1...Self.maxScanned)
            switch parameters.string("order") ?? "asc" {
            case "asc": plan.query.order = .ascending
            case "desc": plan.query.order = .descending
            case let other: throw QueryParameters.Invalid(message: "order: '\(other)' is neither asc nor desc")
            }
        } catch {
            return Responses.jsonError(.badRequest, error.message)
        }
        var fields: [String: [String: Int]] = ["source": [:], "level": [:]]
        var order = ["source", "level"]
        var scanned = 0
        let complete: Bool
        do {
            complete = try scan(plan, most: most) { record in
                scanned += 1
                fields["source", default: [:]][record.source, default: 0] += 1
                fields["level", default: [:]][record.level.name, default: 0] += 1
                for attribute in record.attributes {
                    let name = "attr." + attribute.key
                    if fields[name] == nil {
                        guard fields.count < 200 else { continue }
                        fields[name] = [:]
                        order.append(name)
                    }
                    let value = attribute.value.description
                    if fields[name]?[value] != nil || (fields[name]?.count ?? 0) < Self.maxDistinct {
                        fields[name]?[value, default: 0] += 1
                    }
                }
            }
        } catch { return failed(error) }
        var out = JSONWriter()
        out.raw("{\"scanned\":\(scanned),\"truncated\":\(!complete),\"facets\":{")
        for (i, name) in order.enumerated() {
            if i > 0 { out.raw(",") }
            out.key(name)
            out.raw("[")
            let top = (fields[name] ?? [:]).sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(limit)
            for (j, (value, count)) in top.enumerated() {
                if j > 0 { out.raw(",") }
                out.raw("{\"value\":")
                out.string(value)
                out.raw(",\"count\":\(count)}")
            }
            out.raw("]")
        }
        out.raw("}}\n")
        return Responses.bytes(.ok, out.bytes, contentType: "application/json")
    }

    /// As `logstore stats`: per group (`by`), count, errors (level error and above), error rate and,
    /// with `field=KEY`, n, p50, p95, p99 and max of that numeric attribute; plus the store's sizes.
    func stats(_ request: Request) -> Response {
        let parameters: QueryParameters, plan: FilterPlan
        switch prepare(request) {
        case .success(let p): (parameters, plan) = p
        case .failure(let e): return Responses.jsonError(.badRequest, e.message)
        }
        let by = parameters.string("by")
        let key = by.flatMap(GroupKey.init)
        if let by, key == nil { return Responses.jsonError(.badRequest, "by: '\(by)' is not level, source or attr.KEY") }
        let field = parameters.string("field")
        var every: Int64?
        if let text = parameters.string("every") {
            guard let d = DurationParser.parse(text), d > 0 else {
                return Responses.jsonError(.badRequest, "every: '\(text)' is not a duration (1m, 1h, 1d)")
            }
            every = d
        }
        var groups: [String: StatsTally] = [:]
        let complete: Bool
        do {
            complete = try scan(plan) { record in
                let group = key?.value(of: record) ?? ""
                guard groups[group] != nil || groups.count < Self.maxDistinct else { return }
                var value: Double?
                if let field, let v = record.attribute(field)?.numericValue, v.isFinite { value = v }
                let bucket = every.map { LevelHistogram.floor(record.timestamp, $0) }
                groups[group, default: StatsTally()].add(record, value: value, bucket: bucket)
            }
        } catch { return failed(error) }
        let statistics = state.store.statistics
        var out = JSONWriter()
        out.raw("{\"store\":{\"segments\":\(statistics.segmentCount),\"segment_records\":\(statistics.segmentRecords),\"segment_bytes\":\(statistics.segmentBytes),\"buffered_records\":\(statistics.bufferedRecords)},")
        out.raw("\"truncated\":\(!complete),\"groups\":[")
        for (i, (name, entry)) in groups.sorted(by: { $0.value.total.count > $1.value.total.count || ($0.value.total.count == $1.value.total.count && $0.key < $1.key) }).enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{")
            if let by { out.key(by); out.string(name); out.raw(",") }
            out.statsFigures(entry.total, field: field != nil)
            if every != nil {
                out.raw(",\"series\":[")
                for (j, bucket) in entry.buckets.keys.sorted().enumerated() {
                    if j > 0 { out.raw(",") }
                    out.raw("{\"time\":\"\(TimestampParser.formatRFC3339(bucket))\",\"timestamp_ns\":\(bucket),")
                    out.statsFigures(entry.buckets[bucket] ?? StatsTally.Figures(), field: field != nil)
                    out.raw("}")
                }
                out.raw("]")
            }
            out.raw("}")
        }
        out.raw("]}\n")
        return Responses.bytes(.ok, out.bytes, contentType: "application/json")
    }
}
