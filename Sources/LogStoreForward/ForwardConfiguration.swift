import Glibc

/// How a forwarder reads its store and batches and retries; each field's doc starts with its default.
public struct ForwardConfiguration: Sendable {
    /// The store directory to forward (read like `LogStore.follow`, taking no lock).
    public var storeDirectory: String
    /// The store id written with every row (docs/FORWARDING.md 1): 1 to 256 bytes.
    /// Default: ``ForwardConfiguration/derivedStoreID(directory:)``.
    public var storeID: String
    /// 10,000: at most this many records per insert (1 to 1,000,000, so ClickHouse forms one block).
    public var maxBatchRecords = 10_000
    /// 8 MiB: at most about this many bytes of JSON per insert (a single larger record is sent alone).
    public var maxBatchBytes = 8 << 20
    /// 200 ms: how long a batch that is not full waits for more records before it is sent.
    public var batchLinger: Duration = .milliseconds(200)
    /// 200 ms: the first pause after a failure; it doubles up to ``maxBackoff``, with jitter.
    public var initialBackoff: Duration = .milliseconds(200)
    /// 30 s: the longest pause between retries.
    public var maxBackoff: Duration = .seconds(30)
    /// 60 s: how long one request may take before its outcome is treated as unknown.
    public var requestTimeout: Duration = .seconds(60)
    /// 1 s: at a start, how long the forwarder waits for inserts of a killed predecessor that
    /// ClickHouse had received but not yet begun, before it reads the high-water mark (FORWARDING.md 4).
    public var startupSettle: Duration = .seconds(1)
    /// false: return from ``ClickHouseForwarder/run()`` once every record the store held at the start
    /// is in the sink (`--once`), instead of following until cancelled.
    public var stopWhenCaughtUp = false
    /// 10 s: with ``stopWhenCaughtUp``, how long the store's reader may hand over nothing before the
    /// records still missing are taken as unreadable or expired (counted) and the run ends. Long
    /// enough for a reader that a loaded machine pauses for seconds: at 2 s a `--once` run beside a
    /// busy test suite ended having sent nothing.
    public var caughtUpIdle: Duration = .seconds(10)

    public init(storeDirectory: String, storeID: String? = nil) {
        self.storeDirectory = storeDirectory
        self.storeID = storeID ?? Self.derivedStoreID(directory: storeDirectory)
    }

    /// `HOSTNAME:ABSOLUTE-PATH` of the store (docs/FORWARDING.md 1): stable while the store stays where it is.
    public static func derivedStoreID(directory: String) -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return host + ":" + absolutePath(directory)
    }

    /// `path` made absolute against the working directory, without `.` and empty components
    /// (symbolic links are not resolved).
    static func absolutePath(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: 4096)
            if getcwd(&buffer, buffer.count) != nil {
                full = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
            }
        }
        let parts = full.split(separator: "/").filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }

    /// Why this configuration cannot be used, or nil.
    var invalidReason: String? {
        if storeID.isEmpty || storeID.utf8.count > 256 { return "the store id must be 1 to 256 bytes" }
        if !(1...1_000_000).contains(maxBatchRecords) { return "maxBatchRecords must be 1 to 1000000" }
        if maxBatchBytes < 1024 { return "maxBatchBytes must be at least 1024" }
        if initialBackoff <= .zero || maxBackoff < initialBackoff { return "backoffs must be positive, initial ≤ max" }
        if requestTimeout <= .zero { return "requestTimeout must be positive" }
        if startupSettle < .zero { return "startupSettle must not be negative" }
        return nil
    }
}
