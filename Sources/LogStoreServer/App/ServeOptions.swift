import LogStore
import LogStoreProtocols

/// The settings of `logstore serve` (docs/SERVER.md). Each field's doc starts with its default.
public struct ServeOptions: Sendable {
    /// `127.0.0.1`: the address to listen on.
    public var host = "127.0.0.1"
    /// 4318 (OTLP/HTTP's port): the TCP port; 0 picks a free port (see ``LogServer/run(onListening:)``).
    public var port = 4318
    /// `./logstore-data`: the store directory.
    public var storePath = "logstore-data"
    /// The store's options (durability `batch` by default). `readOnly` makes a query server beside
    /// another writer: ingest routes answer 405 and tail follows the files (`LogStore.follow`).
    public var storeOptions = StoreOptions()
    /// nil: without a token file every route is open, and the server listens on loopback only
    /// (unless ``allowInsecureNoAuth``). With one, every route needs a bearer token of its scope.
    public var tokensFile: String?
    /// false: refuse a non-loopback address without tokens. `--insecure-no-auth` sets it.
    public var allowInsecureNoAuth = false
    /// nil: plain HTTP. Both set: HTTPS with this PEM certificate chain and private key.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// 20 MiB: the largest request body, after decompression; larger bodies get 413.
    public var maxBodyBytes = 20 << 20
    /// 256 MiB: request bodies (decompressed) being read, decoded and stored at once; beyond it ingest
    /// answers 429 with Retry-After. With the per-record overhead of decoding this bounds ingest memory.
    public var maxInFlightBytes = 256 << 20
    /// How OTLP records map (the correlation attribute).
    public var otlpMapping = OTLPMappingOptions()
    /// 15 s: the interval of `:ping` comments on a live tail.
    public var tailPingInterval: Duration = .seconds(15)
    /// 10,000: records a tail client may fall behind before it gets a `dropped` event.
    public var tailBufferSize = 10_000
    /// 10 s: after SIGTERM or SIGINT, how long requests in flight may take before they are cancelled
    /// (a client stalled mid-upload must not keep the store open forever).
    public var shutdownGrace: Duration = .seconds(10)
    /// true: one line per request on standard error.
    public var accessLog = true
    /// nil: no forwarding. A `clickhouse://HOST[:PORT]/[DB.]TABLE` URL (or `otlp+http://HOST[:PORT]`, an
    /// OTLP/HTTP receiver, docs/FORWARDING.md 8): the server also forwards every
    /// record of its store there, exactly once (docs/FORWARDING.md), from its own process: the position
    /// is saved in the store (`logstore inspect` shows it; not with `StoreOptions.readOnly`) and the
    /// `forward_*` metrics appear on `/metrics`. A permanent rejection stops forwarding (said on
    /// standard error, counted in `forward_failed_total`); the server goes on serving.
    public var forwardTo: String?
    /// nil: `HOSTNAME:ABSOLUTE-STORE-PATH`. The store id the forwarder writes with every row.
    public var forwardStoreID: String?
    /// true: tune glibc's allocator for request buffers (blocks up to 4 MiB from the heap, 32 MiB of free
    /// heap top kept) — about 5–9 % less server CPU under heavy ingest. Process-wide, so false by default:
    /// a host program that embeds the server decides for its own process; `logstore serve` sets it.
    public var tuneAllocatorForRequests = false

    public init() {}
}
