import AsyncHTTPClient
import CoreMetrics
import LogStore

/// Exports every record of a store to an OTLP/HTTP receiver (docs/FORWARDING.md 8): in sequence order,
/// as gzip-compressed protobuf `ExportLogsServiceRequest`s, saving its position in the store as the
/// `forward:URL` checkpoint after each acknowledged export and resuming after it. OTLP has no read-back
/// and no deduplication, so in general delivery is **at least once** (a crash between the receiver's
/// acknowledgement and the checkpoint sends one batch again); into another `logstore serve` it is
/// **exactly once**, as every record carries the idempotency key `STORE-ID/SEQ`.
///
/// ```swift
/// let store = try LogStore.open(at: "/var/lib/collector/logs")
/// var configuration = ForwardConfiguration(storeDirectory: "/var/lib/collector/logs")
/// configuration.stopWhenCaughtUp = true
/// let forwarder = try OTLPForwarder(target: try OTLPTarget(url: "otlp+http://127.0.0.1:4318"),
///                                   configuration: configuration, positionStore: store)
/// try await forwarder.run()   // returns when caught up; without stopWhenCaughtUp, when cancelled
/// print(forwarder.progress.sentRecords)
/// try store.close()
/// ```
///
/// Run one forwarder per (store, target) at a time. Cancelling the task that runs ``run()`` stops it at
/// any point; a restart resumes after the saved position.
public final class OTLPForwarder: Sendable {
    public let target: OTLPTarget
    public let configuration: ForwardConfiguration
    /// The store, open for writing: where the position is read and saved.
    let positionStore: LogStore
    private let onDamage: @Sendable (DamageReport) -> Void
    private let onPartialSuccess: @Sendable (_ rejected: Int64, _ message: String) -> Void
    let progressState = LockedState(ForwardProgress())
    let metrics: ForwardMetrics

    /// - Parameters:
    ///   - positionStore: the store itself, open for writing (the forwarder runs in the writer's
    ///     process): OTLP has no read-back, so the position lives there, as the checkpoint
    ///     ``ForwardPosition/checkpointName(sink:)`` of the target.
    ///   - metricsFactory: where the forwarder's metrics go (docs/FORWARDING.md 6); nil: the host's
    ///     bootstrapped metrics system.
    ///   - onDamage: called for each damage report of the store (records that cannot be read and so
    ///     are not forwarded).
    ///   - onPartialSuccess: called when the receiver accepted an export but rejected some of its
    ///     records (`partial_success`), with their number and the receiver's message; they are counted in
    ///     `forward_failed_total{reason="rejected"}` and ``ForwardProgress/rejectedRecords`` and not sent again.
    /// - Throws: ``ForwardError/Kind/invalidArgument`` for a bad configuration or a read-only store.
    public init(target: OTLPTarget, configuration: ForwardConfiguration, positionStore: LogStore,
                metricsFactory: (any MetricsFactory)? = nil,
                onDamage: @escaping @Sendable (DamageReport) -> Void = { _ in },
                onPartialSuccess: @escaping @Sendable (_ rejected: Int64, _ message: String) -> Void = { _, _ in }) throws(ForwardError) {
        if let reason = configuration.invalidReason {
            throw ForwardError(.invalidArgument, reason, place: configuration.storeDirectory)
        }
        guard !positionStore.options.readOnly else {
            throw ForwardError(.invalidArgument, "the OTLP forwarder keeps its position in the store: open it for writing",
                               place: configuration.storeDirectory)
        }
        self.target = target
        self.configuration = configuration
        self.positionStore = positionStore
        self.onDamage = onDamage
        self.onPartialSuccess = onPartialSuccess
        self.metrics = ForwardMetrics(sink: target.description, factory: metricsFactory)
    }

    /// What has been done so far.
    public var progress: ForwardProgress { progressState.withLock { $0 } }

    /// Exports until cancelled, or with ``ForwardConfiguration/stopWhenCaughtUp`` until every record the
    /// store held at the start has been acknowledged. Retries outages forever.
    /// - Throws: ``ForwardError`` of kind `rejected` (the receiver refused an export for good: nothing more
    ///   is sent, the position stays before it), `conflict`, `store`. Cancellation is not an error.
    public func run() async throws(ForwardError) {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var session = OTLPExportSession(forwarder: self,
                                        http: OTLPExportHTTP(target: target, client: client, timeout: configuration.requestTimeout))
        let result: Result<Void, ForwardError>
        do {
            try await session.run()
            result = .success(())
        } catch {
            if Task.isCancelled {
                result = .success(())
            } else {
                if error.kind != .rejected { metrics.failed(reason: "stopped") }
                result = .failure(error)
            }
        }
        try? await client.shutdown()
        try result.get()
    }

    /// The store's newest sequence number against the position saved for `target` in `store` (which may
    /// be open read-only, beside a running writer): what `logstore forward --status` prints.
    public static func status(target: OTLPTarget, store: LogStore, storeID: String) async throws(ForwardError) -> ForwardStatus {
        let mark = try savedPosition(target: target, store: store)
        var status = ForwardStatus(storeID: storeID, storeLatestSequence: store.latestSequence, highWaterMark: mark)
        if status.lagRecords > 0, let next = await firstTimestamp(directory: store.path, after: mark) {
            status.lagSeconds = max(0, Double(ForwardSession.nowNanoseconds() - next) / 1e9)
        }
        return status
    }

    /// The timestamp of the first record the store holds above `mark` (nil when none arrives within
    /// 10 s: the rest expired or is unreadable).
    static func firstTimestamp(directory: String, after mark: UInt64) async -> Int64? {
        guard let follower = try? LogStore.follow(directory: directory, after: mark, bufferSize: 16) else { return nil }
        defer { follower.cancel() }
        let first = Task { () -> Int64? in
            for try await event in follower { if case .record(let record) = event { return record.timestamp } }
            return nil
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(10))
            follower.cancel()
        }
        defer { timeout.cancel() }
        return (try? await first.value) ?? nil
    }

    /// The position saved in the store (0 when none).
    func savedPosition() throws(ForwardError) -> UInt64 { try Self.savedPosition(target: target, store: positionStore) }

    static func savedPosition(target: OTLPTarget, store: LogStore) throws(ForwardError) -> UInt64 {
        let name = ForwardPosition.checkpointName(sink: target.description)
        let value: [UInt8]?
        do { value = try store.checkpoint(named: name) } catch {
            throw ForwardError(.store, "cannot read the checkpoint \(name): \(error.description)", place: store.path)
        }
        guard let value else { return 0 }
        guard let mark = ForwardPosition.mark(from: value) else {
            throw ForwardError(.store, "the checkpoint \(name) is \(value.count) bytes, not 8", place: store.path)
        }
        return mark
    }

    /// Saves the position after an acknowledged export; a failure is an error (the next start would
    /// send again what the receiver has, which is what the position is there to prevent).
    func savePosition(_ mark: UInt64) throws(ForwardError) {
        do {
            _ = try positionStore.append([LogRecord](), checkpoints: [ForwardPosition.checkpoint(sink: target.description, mark: mark)])
            progressState.withLock { $0.positionError = nil }
        } catch {
            progressState.withLock { $0.positionError = error.description }
            throw ForwardError(.store, "cannot save the position \(mark): \(error.description)", place: configuration.storeDirectory)
        }
    }

    func reportDamage(_ report: DamageReport) {
        progressState.withLock { $0.damagedReports += 1 }
        metrics.failed(reason: "damaged")
        onDamage(report)
    }

    func reportPartialSuccess(rejected: Int64, message: String) {
        progressState.withLock {
            $0.rejectedRecords += Int(clamping: rejected)
            $0.lastRejection = message
        }
        if rejected > 0 { metrics.failed(Int(clamping: rejected), reason: "rejected") }
        onPartialSuccess(rejected, message)
    }
}
