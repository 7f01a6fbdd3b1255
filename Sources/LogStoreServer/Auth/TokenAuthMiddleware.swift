import Hummingbird

/// Requires `Authorization: Bearer TOKEN` with a token whose scope covers `scope` (admin covers all):
/// 401 with `WWW-Authenticate: Bearer` when the token is missing or unknown, 403 when its scope is wrong.
/// Without a token table every request passes.
struct TokenAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: TokenTable?
    let scope: TokenScope

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let tokens else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.count > 7,
              header.prefix(7).lowercased() == "bearer " else {
            return Responses.jsonError(.unauthorized, "this route needs 'Authorization: Bearer TOKEN' with a token of scope \(scope.rawValue)",
                                       extra: [.wwwAuthenticate: "Bearer realm=\"logstore\""])
        }
        let token = String(header.dropFirst(7)).trimmingSpaces
        guard let granted = tokens.scope(of: token) else {
            return Responses.jsonError(.unauthorized, "the bearer token is not known to this server",
                                       extra: [.wwwAuthenticate: "Bearer realm=\"logstore\", error=\"invalid_token\""])
        }
        guard granted == scope || granted == .admin else {
            return Responses.jsonError(.forbidden, "the token's scope is \(granted.rawValue); this route needs \(scope.rawValue)")
        }
        return try await next(request, context)
    }
}
