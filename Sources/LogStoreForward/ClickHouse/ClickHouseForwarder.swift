import AsyncHTTPClient
import CoreMetrics
import LogStore

/// Forwards every record of a store to a ClickHouse table exactly once (docs/FORWARDING.md): in
/// sequence order, as bounded JSONEachRow inserts within one UTC day each, resolving every start and
/// every ambiguous failure by reading back the table's high-water mark for the store.
///
/// ```swift
/// let target = try ClickHouseTarget(url: "clickhouse://127.0.0.1:8123/default.logs")
/// var configuration = ForwardConfiguration(storeDirectory: "/var/lib/collector/logs")
/// configuration.stopWhenCaughtUp = true
/// let forwarder = try ClickHouseForwarder(target: target, configuration: configuration)
/// try await forwarder.run()   // returns when caught up; without stopWhenCaughtUp, when cancelled
/// print(forwarder.progress.sentRecords)
/// ```
///
/// Run one forwarder per (store id, table) at a time. Cancelling the task that runs ``run()`` stops it
/// at any point safely: a restart resumes exactly where the table says.
public final class ClickHouseForwarder: Sendable {
    public let target: ClickHouseTarget
    public let configuration: ForwardConfiguration
    private let onDamage: @Sendable (DamageReport) -> Void
    let progressState = LockedState(ForwardProgress())
    let metrics: ForwardMetrics
    /// The writer's store, when the forwarder runs in its process: the position is kept there too.
    let positionStore: LogStore?

    /// - Parameters:
    ///   - metricsFactory: where the forwarder's metrics go (docs/FORWARDING.md 6); nil: the host's
    ///     bootstrapped metrics system.
    ///   - positionStore: the store itself, open for writing, when the forwarder runs in the writer's
    ///     process: after each acknowledged insert the sink's high-water mark is saved in it as a
    ///     checkpoint (``ForwardPosition``), which `logstore inspect` shows. nil for a forwarder in
    ///     another process (it cannot write the store, and needs no position of its own).
    ///   - onDamage: called for each damage report of the store (records that cannot be read
    ///     and so are not forwarded); they are also counted in ``ForwardProgress/damagedReports``.
    /// - Throws: ``ForwardError/Kind/invalidArgument`` for a bad configuration.
    public init(target: ClickHouseTarget, configuration: ForwardConfiguration, metricsFactory: (any MetricsFactory)? = nil,
                positionStore: LogStore? = nil,
                onDamage: @escaping @Sendable (DamageReport) -> Void = { _ in }) throws(ForwardError) {
        if let reason = configuration.invalidReason {
            throw ForwardError(.invalidArgument, reason, place: configuration.storeDirectory)
        }
        self.target = target
        self.configuration = configuration
        self.onDamage = onDamage
        self.metrics = ForwardMetrics(sink: target.description, factory: metricsFactory)
        self.positionStore = positionStore
    }

    /// What has been done so far.
    public var progress: ForwardProgress { progressState.withLock { $0 } }

    /// Forwards until cancelled, or with ``ForwardConfiguration/stopWhenCaughtUp`` until every record
    /// the store held at the start is in the table. Retries outages forever.
    /// - Throws: ``ForwardError`` of kind `rejected` (a permanent rejection: nothing more is sent),
    ///   `conflict`, `store` (the store cannot be read), `invalidArgument`. Cancellation is not an error.
    public func run() async throws(ForwardError) {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        let http = ClickHouseHTTP(target: target, client: client, timeout: configuration.requestTimeout)
        var session = ForwardSession(forwarder: self, sink: ClickHouseSink(http: http, storeID: configuration.storeID))
        let result: Result<Void, ForwardError>
        do {
            try await session.run()
            result = .success(())
        } catch {
            if Task.isCancelled {
                result = .success(())
            } else {
                if error.kind != .rejected { metrics.failed(reason: "stopped") }   // rejected: counted per record
                result = .failure(error)
            }
        }
        try? await client.shutdown()
        try result.get()
    }

    /// The store's newest sequence number against the table's high-water mark, read once.
    public func status() async throws(ForwardError) -> ForwardStatus {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        let http = ClickHouseHTTP(target: target, client: client, timeout: configuration.requestTimeout)
        let sink = ClickHouseSink(http: http, storeID: configuration.storeID)
        let result: Result<ForwardStatus, ForwardError>
        do {
            let latest = try latestStoreSequence()
            try await sink.ensureTable()
            let mark = try await sink.highWaterMark()
            var status = ForwardStatus(storeID: configuration.storeID, storeLatestSequence: latest, highWaterMark: mark)
            if latest > mark, let next = try await nextRecordTimestamp(after: mark) {
                status.lagSeconds = max(0, Double(ForwardSession.nowNanoseconds() - next) / 1e9)
            }
            result = .success(status)
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        return try result.get()
    }

    /// The timestamp of the first record the store holds above `mark`, read by following the store from
    /// there (nil when none arrives within 10 s: the rest expired or is unreadable).
    func nextRecordTimestamp(after mark: UInt64) async throws(ForwardError) -> Int64? {
        let follower: LogFollower
        do {
            follower = try LogStore.follow(directory: configuration.storeDirectory, after: mark, bufferSize: 16)
        } catch {
            throw ForwardError(.store, "cannot follow the store: \(error.description)", place: configuration.storeDirectory)
        }
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

    /// The newest sequence number of the store, from a read-only open.
    func latestStoreSequence() throws(ForwardError) -> UInt64 {
        var options = StoreOptions()
        options.readOnly = true
        do {
            let store = try LogStore.open(at: configuration.storeDirectory, options: options)
            let latest = store.latestSequence
            try? store.close()
            return latest
        } catch {
            throw ForwardError(.store, "cannot open the store: \(error.description)", place: configuration.storeDirectory)
        }
    }

    func reportDamage(_ report: DamageReport) {
        progressState.withLock { $0.damagedReports += 1 }
        metrics.failed(reason: "damaged")
        onDamage(report)
    }

    /// Saves the sink's high-water mark in the writer's store (see `positionStore`). A failure is kept
    /// in ``ForwardProgress/positionError``: the sink's mark stays the truth, so forwarding goes on.
    func savePosition(_ mark: UInt64) {
        guard let positionStore else { return }
        do {
            _ = try positionStore.append([LogRecord](), checkpoints: [ForwardPosition.checkpoint(sink: target.description, mark: mark)])
            progressState.withLock { $0.positionError = nil }
        } catch {
            progressState.withLock { $0.positionError = error.description }
        }
    }
}
