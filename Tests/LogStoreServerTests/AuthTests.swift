import Hummingbird
import HummingbirdTesting
@testable import LogStoreServer
import Testing

@Suite struct AuthTests {
    static let ingest = TokenTable.newToken(scope: .ingest, name: "ci")
    static let read = TokenTable.newToken(scope: .read)
    static let admin = TokenTable.newToken(scope: .admin)
    static let file = "# tokens\n\(ingest.line)\n\(read.line)\n\n\(admin.line)   # the operator\n"

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static let routes: [(HTTPRequest.Method, String, TokenScope)] = [
        (.post, "/v1/logs", .ingest), (.post, "/insert/jsonline", .ingest), (.post, "/loki/api/v1/push", .ingest),
        (.get, "/api/v1/query", .read), (.get, "/api/v1/count", .read), (.get, "/api/v1/hits", .read),
        (.get, "/api/v1/facets", .read), (.get, "/api/v1/stats", .read), (.get, "/api/v1/trace/x", .read),
        (.get, "/api/v1/tail", .read), (.get, "/metrics", .admin),
    ]

    @Test func everyRouteNeedsAToken() async throws {
        let server = try TestServer(tokens: Self.file)
        try await server.run { client in
            for (method, uri, _) in Self.routes {
                let missing = try await client.execute(uri: uri, method: method)
                #expect(missing.status == .unauthorized, "\(uri)")
                #expect(missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(uri)")
                let wrong = try await client.execute(uri: uri, method: method, headers: Self.bearer("lst_guess"))
                #expect(wrong.status == .unauthorized, "\(uri)")
                let basic = try await client.execute(uri: uri, method: method, headers: [.authorization: "Basic dXNlcjpwdw=="])
                #expect(basic.status == .unauthorized, "\(uri)")
            }
        }
    }

    @Test func theWrongScopeIs403() async throws {
        let server = try TestServer(tokens: Self.file)
        try await server.run { client in
            for (method, uri, scope) in Self.routes where scope != .ingest {
                let r1 = try await client.execute(uri: uri, method: method, headers: Self.bearer(Self.ingest.token))
                #expect(r1.status == .forbidden, "\(uri)")
            }
            for (method, uri, scope) in Self.routes where scope != .read {
                let r2 = try await client.execute(uri: uri, method: method, headers: Self.bearer(Self.read.token))
                #expect(r2.status == .forbidden, "\(uri)")
            }
        }
    }

    @Test func theRightScopePassesAndAdminPassesEverywhere() async throws {
        let server = try TestServer(tokens: Self.file)
        try await server.run { client in
            let line = ByteBuffer(string: "{\"ts\":\(nowSeconds),\"msg\":\"authorized\"}\n")
            let r3 = try await client.execute(uri: "/insert/jsonline", method: .post, headers: Self.bearer(Self.ingest.token), body: line)
            #expect(r3.status == .ok)
            let r4 = try await client.execute(uri: "/insert/jsonline", method: .post, headers: Self.bearer(Self.admin.token), body: line)
            #expect(r4.status == .ok)
            let r5 = try await client.execute(uri: "/api/v1/count", method: .get, headers: Self.bearer(Self.read.token))
            #expect(r5.status == .ok)
            let r6 = try await client.execute(uri: "/api/v1/count", method: .get, headers: Self.bearer(Self.admin.token))
            #expect(r6.status == .ok)
            let r7 = try await client.execute(uri: "/metrics", method: .get, headers: Self.bearer(Self.admin.token))
            #expect(r7.status == .ok)
            // Probes stay open.
            let r8 = try await client.execute(uri: "/healthz", method: .get)
            #expect(r8.status == .ok)
            let r9 = try await client.execute(uri: "/readyz", method: .get)
            #expect(r9.status == .ok)
        }
    }

    @Test func tokenFileErrorsNameTheLine() {
        #expect(throws: ServerStartError.self) { try TokenTable(text: "read sha256:abcd\n", path: "t") }
        do {
            _ = try TokenTable(text: "\(Self.read.line)\nwrite sha256:\(String(repeating: "0", count: 64))\n", path: "t")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("t:2:"))
        }
        #expect(TokenTable.newToken(scope: .read).token != TokenTable.newToken(scope: .read).token)
    }

    @Test func nonLoopbackWithoutTokensIsRefused() {
        var options = ServeOptions()
        options.host = "0.0.0.0"
        #expect(throws: ServerStartError.self) { try LogServer(options: options).validate() }
        options.allowInsecureNoAuth = true
        #expect(throws: Never.self) { try LogServer(options: options).validate() }
        options = ServeOptions()
        #expect(throws: Never.self) { try LogServer(options: options).validate() }
    }
}

/// The `LogServer` doc comment's example, compiled (not run: it serves until SIGTERM).
func logServerDocExample() async throws {
    var options = ServeOptions()
    options.storePath = "/var/lib/logstore"
    options.port = 4318
    try await LogServer(options: options).run()
}

/// LogStoreServer.docc/LogStoreServer.md, compiled (not run: it serves until SIGTERM; ServerProcessTests
/// runs the same server as a process).
func logServerArticleExample(directory: String, tokensPath: String) async throws {
    var options = ServeOptions()
    options.storePath = directory
    options.port = 0                          // any free port
    options.tokensFile = tokensPath           // lines of "SCOPE sha256:HEX [NAME]" (logstore serve --new-token)
    try await LogServer(options: options).run(onListening: { port in print("listening on \(port)") })
}
