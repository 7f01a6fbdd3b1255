import ArgumentParser
import Dispatch
import LogStore
import LogStoreServer
import Glibc

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the store over HTTP: OTLP, NDJSON and Loki in; queries and live tail out.",
        discussion: """
        The server is the store's single writer (with --read-only, a query server beside another \
        writer). A 2xx answer to an ingest request means its records are durable under --durability. \
        SIGTERM or SIGINT stops accepting, finishes the requests in flight, closes the store and exits 0. \
        Without --tokens every route is open, so the server listens on loopback only unless \
        --insecure-no-auth is given. Routes, mapping, status codes and limits: docs/SERVER.md.

        Examples:
          logstore serve --store /var/lib/logstore
          logstore serve --listen 0.0.0.0:4318 --tokens /etc/logstore/tokens --tls-cert cert.pem --tls-key key.pem
          logstore serve --new-token ingest --token-name ci >> /etc/logstore/tokens.new
          logstore serve --read-only --listen 127.0.0.1:9428
          logstore serve --forward-to clickhouse://127.0.0.1:8123/default.logs
          curl -X POST --data-binary @app.ndjson http://127.0.0.1:4318/insert/jsonline
          curl 'http://127.0.0.1:4318/api/v1/query?since=15m&where=level%3E%3Dwarning'
        """
    )

    @OptionGroup var location: StoreLocation

    @Option(help: ArgumentHelp("Address and port to listen on; port 0 picks a free one.", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:4318"

    @Option(help: ArgumentHelp("Token file: lines 'SCOPE sha256:HEX [NAME]' (see --new-token).", valueName: "FILE"))
    var tokens: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("PEM certificate chain: serve HTTPS.", valueName: "FILE"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "FILE"))
    var tlsKey: String?

    @Flag(help: "Serve queries beside another writer; ingest routes answer 405.")
    var readOnly = false

    @Flag(help: "Allow a non-loopback address without --tokens (anyone who reaches it may write and read).")
    var insecureNoAuth = false

    @Option(help: "When an ingest request is durable before its answer: sync (fsync each), batch (group fsync) or none.")
    var durability: Durability = .batch

    @Option(help: ArgumentHelp("Largest request body in MiB, after decompression (larger: 413).", valueName: "MIB"))
    var maxBodyMib = 20

    @Option(help: ArgumentHelp("OTLP record attribute holding the correlation ID (default: the trace ID).", valueName: "KEY"))
    var correlationAttribute: String?

    @Flag(help: "Do not write the one-line-per-request access log to standard error.")
    var noAccessLog = false

    @Option(name: .customLong("forward-to"), help: ArgumentHelp("Also forward every record to ClickHouse, exactly once (clickhouse://HOST[:PORT]/[DB.]TABLE), or to an OTLP/HTTP receiver (otlp+http://HOST[:PORT]; docs/FORWARDING.md).", valueName: "URL"))
    var forwardTo: String?

    @Option(name: .customLong("forward-store-id"), help: ArgumentHelp("The store id written with forwarded rows (default: HOSTNAME:ABSOLUTE-STORE-PATH).", valueName: "ID"))
    var forwardStoreID: String?

    @Option(help: ArgumentHelp("Interval of ':ping' comments on live tails, in milliseconds.", valueName: "MS", visibility: .hidden))
    var tailPingMs = 15_000

    @Option(help: ArgumentHelp("Print a new random token of this scope (ingest, read, admin) and its token-file line, then exit.", valueName: "SCOPE"))
    var newToken: String?

    @Option(help: ArgumentHelp("A name for --new-token's line.", valueName: "NAME"))
    var tokenName = ""

    func validate() throws {
        if let newToken, TokenScope(rawValue: newToken) == nil {
            throw ValidationError("--new-token: '\(newToken)' is not a scope; use ingest, read or admin")
        }
        guard parsedListen() != nil else { throw ValidationError("--listen: '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:4318)") }
        if maxBodyMib < 1 { throw ValidationError("--max-body-mib must be at least 1") }
    }

    func parsedListen() -> (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    func run() throws {
        if let newToken, let scope = TokenScope(rawValue: newToken) {
            let made = TokenTable.newToken(scope: scope, name: tokenName)
            writeStderr("token (give it to the client; it is not stored): \(made.token)\n")
            print(made.line)
            return
        }
        var options = ServeOptions()
        options.tuneAllocatorForRequests = true   // this process is the server's own
        guard let address = parsedListen() else { return }
        options.host = address.host
        options.port = address.port
        options.storePath = location.path
        options.storeOptions = StoreOptions(durability: durability)
        options.storeOptions.readOnly = readOnly
        options.storeOptions.createIfMissing = !readOnly
        options.tokensFile = tokens
        options.allowInsecureNoAuth = insecureNoAuth
        options.tlsCertificatePath = tlsCertificate
        options.tlsKeyPath = tlsKey
        options.maxBodyBytes = maxBodyMib << 20
        options.otlpMapping.correlationAttribute = correlationAttribute
        options.accessLog = !noAccessLog
        options.tailPingInterval = .milliseconds(max(10, tailPingMs))
        options.forwardTo = forwardTo
        options.forwardStoreID = forwardStoreID
        let server = LogServer(options: options)
        do throws(ServerStartError) { try server.validate() } catch { throw CLIFailure.usage("logstore serve: \(error.message)") }
        let outcome = LockedState<(any Error)?>(nil)   // LockedState: visible to TSan
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run(onListening: { port in
                    writeStderr("logstore serve: listening on port \(port)\n")
                })
            } catch {
                outcome.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.withLock({ $0 }) {
            if let start = error as? ServerStartError { throw CLIFailure.data("logstore serve: \(start.message)") }
            throw error
        }
    }
}
