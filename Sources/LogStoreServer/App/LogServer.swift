import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import LogStore
import Logging
import NIOSSL
import ServiceLifecycle
import Glibc

/// `logstore serve`: LogStore over HTTP (docs/SERVER.md).
///
/// The server is the store's single writer (or, with `storeOptions.readOnly`, a query server beside
/// another writer). ``run(onListening:)`` serves until SIGTERM or SIGINT, then stops accepting,
/// finishes the requests in flight, closes the store (flushing it) and returns.
///
/// ```swift
/// var options = ServeOptions()
/// options.storePath = "/var/lib/logstore"
/// options.port = 4318
/// try await LogServer(options: options).run()
/// ```
public struct LogServer: Sendable {
    public let options: ServeOptions

    public init(options: ServeOptions) {
        self.options = options
    }

    /// Checks the settings that would make the server unsafe or unusable, before anything is opened.
    public func validate() throws(ServerStartError) {
        if options.tokensFile == nil && !Self.isLoopback(options.host) && !options.allowInsecureNoAuth {
            throw ServerStartError("refusing to listen on \(options.host) without tokens: anyone who can reach it could write and read logs; give --tokens FILE, listen on 127.0.0.1, or pass --insecure-no-auth")
        }
        if (options.tlsCertificatePath == nil) != (options.tlsKeyPath == nil) {
            throw ServerStartError("--tls-cert and --tls-key go together; give both or neither")
        }
    }

    /// Opens the store and serves until SIGTERM or SIGINT. `onListening` gets the bound port once the
    /// server accepts connections (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        try validate()
        if options.tuneAllocatorForRequests { Self.keepRequestBuffersInTheHeap() }
        let tokens = try loadTokens()
        let tls = try loadTLS()
        let store = try LogStore.open(at: options.storePath, options: options.storeOptions)
        var logger = Logger(label: "logstore.serve")
        logger.logLevel = .warning
        let state = ServerState(store: store, options: options, tokens: tokens, logger: logger)
        announce(tokens: tokens, tls: tls != nil)
        let router = ServerRouter.build(state: state)
        let appConfiguration = ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "logstore")
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        let app = Application(router: router, server: server, configuration: appConfiguration,
                              onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
                              logger: logger)
        // Services shut down in reverse order: the tails end first, then the server drains its requests.
        // A request that does not finish within `shutdownGrace` (a client stalled mid-upload) is cancelled.
        // The forwarder, when asked for, shuts down first of all, before the store closes.
        var services: [any Service] = [app, TailShutdownService(registry: state.tails)]
        do {
            if let forward = try ForwardService.make(options: options, store: store, metrics: state.metrics) { services.append(forward) }
        } catch {
            try? store.close()
            throw error
        }
        var configuration = ServiceGroupConfiguration(services: services,
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = options.shutdownGrace
        configuration.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            // After SIGTERM/SIGINT, requests cut off by the grace period are not a failure of the server.
            if !state.tails.isClosed {
                try? store.close()
                throw error
            }
            writeStandardError("logstore serve: requests still open after \(options.shutdownGrace) were cancelled (\(error))\n")
        }
        try store.close()
    }

    private func loadTokens() throws -> TokenTable? {
        guard let path = options.tokensFile else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ServerStartError("\(path): cannot read the token file; check the path and its permissions")
        }
        return try TokenTable(text: text, path: path)
    }

    private func loadTLS() throws -> TLSConfiguration? {
        guard let certificatePath = options.tlsCertificatePath, let keyPath = options.tlsKeyPath else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        } catch {
            throw ServerStartError("cannot load the TLS certificate \(certificatePath) or key \(keyPath): \(error); give PEM files")
        }
    }

    private func announce(tokens: TokenTable?, tls: Bool) {
        let scheme = tls ? "https" : "http"
        var line = "logstore serve: \(scheme)://\(options.host):\(options.port) store \(options.storePath)"
        if options.storeOptions.readOnly { line += " (read-only)" }
        if let tokens {
            line += ", \(tokens.entries.count) tokens"
        } else if Self.isLoopback(options.host) {
            line += ", no tokens: open to every local process (loopback only)"
        } else {
            line += ", NO AUTHENTICATION (--insecure-no-auth)"
        }
        writeStandardError(line + "\n")
    }

    /// Every ingest request allocates and frees buffers of 0.1–20 MiB (the body, its rows, the store's
    /// copy of them). glibc serves a block over 128 KiB with its own mapping, or gives a freed heap top
    /// back to the kernel, so each request faulted its buffers' pages in anew: 5–9 % of the server's CPU
    /// under the C7 load (`perf`: `clear_page_erms` below `memmove` into fresh buffers). Blocks up to
    /// 4 MiB now come from the heap, and up to 32 MiB of free heap top stays mapped per arena, so the
    /// pages are reused; larger bodies are still mapped and unmapped on their own. Process-wide, which
    /// is why it runs only with ``ServeOptions/tuneAllocatorForRequests`` (set by `logstore serve`, whose
    /// process it is), never for a host program that did not ask.
    static func keepRequestBuffersInTheHeap() {
        #if canImport(Glibc)
        // glibc's mallopt (malloc.h, which the Glibc module does not export), looked up by name.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3      // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 4 << 20)
        _ = mallopt(trimThreshold, 32 << 20)
        #endif
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
