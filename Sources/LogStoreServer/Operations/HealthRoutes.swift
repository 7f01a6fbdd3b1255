import Hummingbird

/// `GET /healthz` (the process answers) and `GET /readyz` (the store is open and, unless read-only,
/// writable). Both are open without a token so load balancers and orchestrators can probe them.
struct HealthRoutes: Sendable {
    let state: ServerState

    func register<Context: RequestContext>(on router: RouterGroup<Context>) {
        router.get("/healthz") { _, _ in Responses.text(.ok, "ok") }
        router.get("/readyz") { _, _ in
            switch state.readiness() {
            case nil: Responses.text(.ok, "ready")
            case let reason?: Responses.text(.serviceUnavailable, "not ready: \(reason)", extra: Responses.retryAfter(5))
            }
        }
    }
}

extension ServerState {
    /// nil when the store is open and (unless read-only) writable, else why not.
    func readiness() -> String? {
        if readOnly { return nil }
        do {
            try store.sync()
            return nil
        } catch {
            return error.description
        }
    }
}
