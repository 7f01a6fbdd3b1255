import Hummingbird
import LogStore
import LogStoreFilter
import LogStoreIngest
import LogStoreFormat

/// `GET /api/v1/query`, `/api/v1/count` and `/api/v1/trace/{id}` (docs/SERVER.md, "Query API").
struct QueryRoutes: Sendable {
    let state: ServerState

    /// Records per write to the connection: small enough that a client that went away stops the scan soon.
    static let flushBytes = 64 << 10

    func register<Context: RequestContext>(on router: RouterGroup<Context>) {
        router.get("/query") { request, _ in query(request) }
        router.get("/count") { request, _ in count(request) }
        router.get("/trace/{id}") { request, context in trace(context.parameters.get("id") ?? "") }
        AggregateRoutes(state: state).register(on: router)
    }

    /// Streams matching records in order, `limit` at most (default 1,000, up to 100,000), then the
    /// cursor of the next page (`cursor=…` continues after it). JSON: `{"records":[…],"next_cursor":…}`;
    /// `format=ndjson`: one record per line, then `{"next_cursor":"…"}` when there is more.
    func query(_ request: Request) -> Response {
        let parameters = QueryParameters(request)
        var plan: FilterPlan
        let limit: Int
        let ndjson = parameters.string("format") == "ndjson"
        do throws(QueryParameters.Invalid) {
            plan = try parameters.plan(now: wallClockNanoseconds())
            limit = try parameters.int("limit", default: 1000, range: 1...100_000)
            switch parameters.string("order") ?? "asc" {
            case "asc": plan.query.order = .ascending
            case "desc": plan.query.order = .descending
            case let other: throw QueryParameters.Invalid(message: "order: '\(other)' is neither asc nor desc")
            }
            if let text = parameters.string("cursor") {
                guard let cursor = QueryCursor(text) else {
                    throw QueryParameters.Invalid(message: "cursor: '\(text)' is not a cursor from a previous page (TIMESTAMP:SEQUENCE)")
                }
                plan.query.after = cursor
            }
        } catch {
            return Responses.jsonError(.badRequest, error.message)
        }
        // One more than the page tells whether there is a next page.
        if plan.residual == nil { plan.query.limit = limit + 1 }
        let state = self.state
        let finalPlan = plan
        let body = ResponseBody { writer in
            var out = JSONWriter()
            if !ndjson { out.raw("{\"records\":[") }
            var emitted = 0
            var last: LogRecord?
            var more = false
            var failure: String?
            do {
                let reader = try state.reader()
                defer { reader.release() }
                let iterator = try reader.store.query(finalPlan.query)
                while let record = try iterator.next() {
                    guard finalPlan.matches(record) else { continue }
                    if emitted == limit { more = true; break }
                    if !ndjson && emitted > 0 { out.raw(",") }
                    out.record(record)
                    if ndjson { out.raw("\n") }
                    emitted += 1
                    last = record
                    if out.bytes.count >= Self.flushBytes {
                        try await writer.write(ByteBuffer(bytes: out.bytes))   // throws once the client is gone
                        out = JSONWriter()
                    }
                }
            } catch let error as LogStoreError {
                failure = error.description
            }
            let cursor = more ? last.map { QueryCursor($0).description } : nil
            if ndjson {
                if let failure { out.raw("{\"error\":"); out.string(failure); out.raw("}\n") }
                if let cursor { out.raw("{\"next_cursor\":"); out.string(cursor); out.raw("}\n") }
            } else {
                out.raw("],\"next_cursor\":")
                if let cursor { out.string(cursor) } else { out.raw("null") }
                if let failure { out.raw(",\"error\":"); out.string(failure) }
                out.raw("}\n")
            }
            try await writer.write(ByteBuffer(bytes: out.bytes))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: ndjson ? "application/x-ndjson" : "application/json"], body: body)
    }

    /// `{"count": N}`; `by=level` adds `{"by_level": {"error": 3, …}}`.
    func count(_ request: Request) -> Response {
        let parameters = QueryParameters(request)
        let plan: FilterPlan
        do throws(QueryParameters.Invalid) { plan = try parameters.plan(now: wallClockNanoseconds()) } catch {
            return Responses.jsonError(.badRequest, error.message)
        }
        do {
            var out = JSONWriter()
            if parameters.string("by") == "level" {
                var counts: [LogLevel: Int] = [:]
                if plan.residual == nil {
                    counts = try state.withReader { try $0.countByLevel(plan.query) }
                } else {
                    try forEachMatch(plan) { counts[$0.level, default: 0] += 1 }
                }
                out.raw("{\"count\":\(counts.values.reduce(0, +)),\"by_level\":{")
                for (i, level) in LogLevel.allCases.enumerated() {
                    if i > 0 { out.raw(",") }
                    out.key(level.name)
                    out.raw(String(counts[level] ?? 0))
                }
                out.raw("}}\n")
            } else {
                var total = 0
                if plan.residual == nil {
                    total = try state.withReader { try $0.count(plan.query) }
                } else {
                    try forEachMatch(plan) { _ in total += 1 }
                }
                out.raw("{\"count\":\(total)}\n")
            }
            return Responses.bytes(.ok, out.bytes, contentType: "application/json")
        } catch {
            return Responses.jsonError(.serviceUnavailable, "the query failed: \(error)", extra: Responses.retryAfter(5))
        }
    }

    /// Every record of one correlation ID, as `logstore trace --format json`.
    func trace(_ id: String) -> Response {
        guard !id.isEmpty else { return Responses.jsonError(.badRequest, "give the correlation ID: /api/v1/trace/ID") }
        let records: [LogRecord]
        do { records = try state.withReader { try $0.records(LogQuery(correlationID: id)) } } catch {
            return Responses.jsonError(.serviceUnavailable, "the query failed: \(error)", extra: Responses.retryAfter(5))
        }
        guard let first = records.first, let last = records.last else {
            return Responses.jsonError(.notFound, "no records with correlation ID \(id)")
        }
        var sources: [String] = []
        for r in records where !sources.contains(r.source) { sources.append(r.source) }
        var out = JSONWriter()
        out.raw("{\"correlation_id\":")
        out.string(id)
        out.raw(",\"status\":\"\(records.contains { $0.level >= .error } ? "failed" : "ok")\",\"steps\":\(records.count)")
        out.raw(",\"duration_ns\":\(last.timestamp &- first.timestamp),\"start\":\"\(TimestampParser.formatRFC3339(first.timestamp))\",\"sources\":[")
        for (i, s) in sources.enumerated() { if i > 0 { out.raw(",") }; out.string(s) }
        out.raw("],\"records\":[")
        var previous = first.timestamp
        for (i, r) in records.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{\"offset_ns\":\(r.timestamp &- first.timestamp),\"since_previous_ns\":\(r.timestamp &- previous),\"record\":")
            out.record(r)
            out.raw("}")
            previous = r.timestamp
        }
        out.raw("]}\n")
        return Responses.bytes(.ok, out.bytes, contentType: "application/json")
    }

    /// Calls `body` for every record the plan matches, in order.
    func forEachMatch(_ plan: FilterPlan, _ body: (LogRecord) -> Void) throws {
        let reader = try state.reader()
        defer { reader.release() }
        let iterator = try reader.store.query(plan.query)
        while let record = try iterator.next() {
            if plan.matches(record) { body(record) }
        }
    }
}
