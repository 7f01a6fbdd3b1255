import ArgumentParser
import Dispatch
import LogStore
import LogStoreForward
import Synchronization
import Glibc

/// Set by SIGINT and SIGTERM while `forward` runs.
private let forwardStopRequested = Atomic<Bool>(false)

/// `logstore forward`: ships the store's records to ClickHouse exactly once (docs/FORWARDING.md).
struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Forward every record of the store to ClickHouse (exactly once) or to an OTLP/HTTP receiver.",
        discussion: """
        clickhouse://: sends the records in sequence order as JSONEachRow inserts over ClickHouse's HTTP \
        interface, creating the table when missing (schema in docs/FORWARDING.md), and keeps following the \
        store until SIGINT or SIGTERM (exit 0). On every start and after every timeout or dropped connection it \
        reads back the table's largest sequence number for this store, so nothing is sent twice or skipped, \
        whatever was killed when. Outages are retried with backoff; a permanent rejection (a schema or type \
        error) stops with exit status 1 and the records stay in the store.

        otlp+http://: exports the records as gzip-compressed OTLP protobuf to HOST:PORT/v1/logs (port 4318 by \
        default), retrying 429, 502, 503, 504 and connection errors (after Retry-After when given), and saves \
        its position in the store after each acknowledged export (so it opens the store as its writer: run it \
        when no other writer has the store open, or use `logstore serve --forward-to`). At least once in \
        general; exactly once into another `logstore serve` (idempotency keys STORE-ID/SEQ).

        Examples:
          logstore forward --to clickhouse://127.0.0.1:8123/default.logs
          logstore forward --to clickhouse://127.0.0.1:8123/default.logs --once
          logstore forward --to clickhouse://127.0.0.1:8123/default.logs --status
          logstore forward --to otlp+http://127.0.0.1:4318 --once
        """
    )

    @OptionGroup var location: StoreLocation

    @Option(help: ArgumentHelp("Where to send: clickhouse://HOST[:PORT]/[DB.]TABLE (port 8123 by default) or otlp+http://HOST[:PORT][/PATH] (4318, /v1/logs).", valueName: "URL"))
    var to: String

    @Option(name: .customLong("store-id"), help: ArgumentHelp("The store's id in the table (default: HOSTNAME:ABSOLUTE-STORE-PATH).", valueName: "ID"))
    var storeID: String?

    @Flag(help: "Exit 0 once every record the store holds now is in the table.")
    var once = false

    @Flag(help: "Print the store's newest sequence number, the table's high-water mark and the lag, then exit.")
    var status = false

    @Option(name: .customLong("batch-records"), help: ArgumentHelp("At most this many records per insert (1 to 1000000).", valueName: "N"))
    var batchRecords = 10_000

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds a request may take before its outcome is resolved by reading back.", valueName: "S"))
    var timeout = 60.0

    @Option(help: "Output format of --status: text or json.")
    var format = "text"

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func run() throws {
        guard isDirectory(location.path) else {
            throw CLIFailure.data("logstore: no store at \(location.path); ingest something first or pass --store DIR")
        }
        guard format == "text" || format == "json" else { throw CLIFailure.usage("logstore: --format is text or json") }
        guard timeout > 0 else { throw CLIFailure.usage("logstore: --timeout must be positive") }
        do {
            var configuration = ForwardConfiguration(storeDirectory: location.path, storeID: storeID)
            configuration.maxBatchRecords = batchRecords
            configuration.requestTimeout = .milliseconds(Int64(timeout * 1000))
            configuration.stopWhenCaughtUp = once
            if to.hasPrefix(OTLPTarget.scheme) {
                try exportOTLP(target: try OTLPTarget(url: to), configuration: configuration)
                return
            }
            let target = try ClickHouseTarget(url: to)
            let path = location.path
            let quiet = self.quiet
            let forwarder = try ClickHouseForwarder(target: target, configuration: configuration) { damage in
                if !quiet { writeStderr("logstore: warning: damaged records not forwarded: \(path)/\(damage); run `logstore verify`\n") }
            }
            if status {
                try printStatus(try runBlocking { () async throws(ForwardError) in try await forwarder.status() })
            } else {
                try forward(forwarder)
            }
        } catch let error as ForwardError {
            throw error.kind == .invalidArgument ? CLIFailure.usage("logstore: \(error)") : CLIFailure.data("logstore: \(error)")
        }
    }

    private func forward(_ forwarder: ClickHouseForwarder) throws {
        try runUntilStopped(forwarder.run) { forwarder.progress }
        if !quiet {
            let p = forwarder.progress
            writeStderr("logstore: forwarded \(p.sentRecords) records in \(p.sentBatches) inserts; high-water mark \(p.highWaterMark); "
                        + "\(p.retries) retries, \(p.damagedReports) damage reports\n")
        }
    }

    /// Runs `run` until it returns or SIGINT/SIGTERM arrives, printing retries from `progress`.
    func runUntilStopped(_ run: @escaping @Sendable () async throws(ForwardError) -> Void,
                         progress: @escaping @Sendable () -> ForwardProgress) throws {
        let handler: @convention(c) (Int32) -> Void = { _ in forwardStopRequested.store(true, ordering: .relaxed) }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let quiet = self.quiet
        try runBlocking { () async throws(ForwardError) in
            let work = Task { () async -> Result<Void, ForwardError> in
                do throws(ForwardError) { try await run() } catch { return .failure(error) }
                return .success(())
            }
            let watcher = Task {
                var lastRetries = 0
                while !Task.isCancelled {
                    if forwardStopRequested.load(ordering: .relaxed) { work.cancel(); return }
                    let progress = progress()
                    if !quiet, progress.retries != lastRetries, let error = progress.lastError {
                        writeStderr("logstore: retrying (\(progress.retries) so far): \(error)\n")
                        lastRetries = progress.retries
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            defer { watcher.cancel() }
            try await work.value.get()
        }
    }

    func printStatus(_ status: ForwardStatus) throws {
        if format == "json" {
            print(#"{"store_id":"\#(jsonEscaped(status.storeID))","store_latest_seq":\#(status.storeLatestSequence),"high_water_mark":\#(status.highWaterMark),"lag_records":\#(status.lagRecords),"lag_seconds":\#(Format.fixed(status.lagSeconds, 3))}"#)
        } else {
            print("store id:          \(status.storeID)")
            print("store newest seq:  \(status.storeLatestSequence)")
            print("high-water mark:   \(status.highWaterMark)")
            print("lag:               \(status.lagRecords) records, \(Format.fixed(status.lagSeconds, 1)) s")
        }
    }

    private func jsonEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

/// Runs `body` on the concurrency pool and waits for it: the CLI's commands are synchronous.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws(ForwardError) -> T) throws(ForwardError) -> T {
    let box = Mutex<Result<T, ForwardError>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, ForwardError>
        do throws(ForwardError) { result = .success(try await body()) } catch { result = .failure(error) }
        box.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    guard let result = box.withLock({ $0 }) else {
        throw ForwardError(.store, "the forwarding task ended without a result", place: "logstore forward")
    }
    return try result.get()
}
