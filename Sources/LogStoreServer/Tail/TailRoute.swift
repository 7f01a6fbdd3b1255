import AsyncAlgorithms
import Hummingbird
import LogStore
import LogStoreFilter
import LogStoreFormat

/// `GET /api/v1/tail`: Server-Sent Events, one `id: SEQ` event per committed matching record;
/// `Last-Event-ID` (or `after=SEQ`) resumes exactly after that record; `:ping` every 15 s; a client
/// too slow gets `event: dropped` with the count (docs/SERVER.md, "Live tail").
struct TailRoute: Sendable {
    let state: ServerState

    private enum Item: Sendable {
        case event(LiveRecords.Event)
        case ping
        case failed(String)
    }

    func register<Context: RequestContext>(on router: RouterGroup<Context>) {
        router.get("/tail") { request, _ in tail(request) }
    }

    func tail(_ request: Request) -> Response {
        let parameters = QueryParameters(request)
        let plan: FilterPlan
        do throws(QueryParameters.Invalid) { plan = try parameters.plan(now: wallClockNanoseconds()) } catch {
            return Responses.jsonError(.badRequest, error.message)
        }
        var after: UInt64?
        if let text = request.headers[.lastEventID] ?? parameters.string("after") {
            guard let n = UInt64(text.trimmingSpaces) else {
                return Responses.jsonError(.badRequest, "Last-Event-ID / after: '\(text)' is not a sequence number from an earlier event")
            }
            after = n
        }
        // The residual part of `where` is checked here; the engine filters by the pushed-down query.
        var filter = plan.query
        filter.limit = nil
        let live: LiveRecords
        do { live = try LiveRecords(store: state.store, filter: filter, after: after, bufferSize: state.options.tailBufferSize) } catch {
            return Responses.jsonError(.serviceUnavailable, "cannot start the tail: \(error.description)", extra: Responses.retryAfter(5))
        }
        let metrics = state.metrics
        let tails = state.tails
        let pingInterval = state.options.tailPingInterval
        let body = ResponseBody { writer in
            metrics.tailClientsChanged(by: 1)
            defer { metrics.tailClientsChanged(by: -1) }
            try await writer.write(ByteBuffer(string: "retry: 2000\n:ok\n\n"))
            let channel = AsyncChannel<Item>()
            // A graceful shutdown ends the stream (the server waits for every open request).
            guard let registration = tails.register({ channel.finish() }) else { try await writer.finish(nil); return }
            defer { tails.remove(registration) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await live.forEach { event in
                            if case .record(let record) = event, !plan.matches(record) { return }
                            await channel.send(.event(event))
                        }
                    } catch is CancellationError {
                    } catch {
                        await channel.send(.failed("\(error)"))
                    }
                    channel.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: pingInterval)
                        await channel.send(.ping)
                    }
                }
                for await item in channel {
                    try await writer.write(ByteBuffer(bytes: Self.frame(item)))   // throws once the client is gone
                    if case .failed = item { break }
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                               .accelBuffering: "no"], body: body)
    }

    private static func frame(_ item: Item) -> [UInt8] {
        var out = JSONWriter()
        switch item {
        case .event(.record(let record)):
            out.raw("id: \(record.sequence)\ndata: ")
            out.record(record)
            out.raw("\n\n")
        case .event(.dropped(let count)):
            out.raw("event: dropped\ndata: {\"count\":\(count)}\n\n")
        case .event(.damaged(let damage)):
            out.raw("event: damaged\ndata: {\"file\":")
            out.string(damage.file)
            out.raw(",\"offset\":\(damage.offset),\"length\":\(damage.length),\"reason\":")
            out.string(damage.reason)
            out.raw(",\"records\":\(damage.records.map(String.init) ?? "null")}\n\n")
        case .ping:
            out.raw(":ping\n\n")
        case .failed(let reason):
            out.raw("event: error\ndata: ")
            out.string(reason)
            out.raw("\n\n")
        }
        return out.bytes
    }
}
