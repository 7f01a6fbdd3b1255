import Hummingbird

/// `GET /metrics`: Prometheus text format (scope admin when tokens are configured).
struct MetricsRoute: Sendable {
    let state: ServerState

    func register<Context: RequestContext>(on router: RouterGroup<Context>) {
        router.get("/metrics") { _, _ in
            Responses.bytes(.ok, state.metrics.render(store: state.store), contentType: "text/plain; version=0.0.4")
        }
    }
}
