import Hummingbird

/// Builds the router: every route grouped with the token scope it needs (docs/SERVER.md, "Routes").
enum ServerRouter {
    static func build(state: ServerState) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        if state.options.accessLog { router.add(middleware: AccessLogMiddleware(state: state)) }
        router.add(middleware: RequestMetricsMiddleware(metrics: state.metrics))

        HealthRoutes(state: state).register(on: router.group())
        ViewerRoutes().register(on: router.group())
        let ingest = router.group().add(middleware: TokenAuthMiddleware(tokens: state.tokens, scope: .ingest))
        IngestRoutes(state: state).register(on: ingest)
        let admin = router.group().add(middleware: TokenAuthMiddleware(tokens: state.tokens, scope: .admin))
        MetricsRoute(state: state).register(on: admin)
        let read = router.group("/api/v1").add(middleware: TokenAuthMiddleware(tokens: state.tokens, scope: .read))
        QueryRoutes(state: state).register(on: read)
        TailRoute(state: state).register(on: read)
        return router
    }
}
