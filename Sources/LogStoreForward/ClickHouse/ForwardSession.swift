import Glibc
import LogStore

/// One run of a ``ClickHouseForwarder``: step R, then follow the store and send batches, resolving
/// every failure by step R again (docs/FORWARDING.md 4).
struct ForwardSession {
    let forwarder: ClickHouseForwarder
    let sink: ClickHouseSink
    private var configuration: ForwardConfiguration { forwarder.configuration }
    private var backoff: Backoff
    /// Every record of the store up to this one is in the table (invariant P).
    private var mark: UInt64 = 0
    /// Records read from the store and not yet known to be in the table, in sequence order, from `start`.
    private var pending: [LogRecord] = []
    private var start = 0
    private var firstPendingArrival: ContinuousClock.Instant?
    /// The newest sequence number known to be in the store (at the start, then as records are read).
    private var latestSeen: UInt64 = 0
    /// The last sequence number read from the store (starts at the mark the follower starts after).
    private var lastRead: UInt64 = 0
    private let clock = ContinuousClock()

    init(forwarder: ClickHouseForwarder, sink: ClickHouseSink) {
        self.forwarder = forwarder
        self.sink = sink
        self.backoff = Backoff(initial: forwarder.configuration.initialBackoff, maximum: forwarder.configuration.maxBackoff)
    }

    mutating func run() async throws(ForwardError) {
        mark = try await resolve(settle: configuration.startupSettle)
        let storeLatest = try forwarder.latestStoreSequence()
        guard mark <= storeLatest else {
            throw ForwardError(.conflict, """
                the table holds sequence \(mark) for store id \(configuration.storeID) but the store's newest is \(storeLatest): \
                another store uses this store id, or the store was replaced; use another --store-id
                """, place: sink.target.description)
        }
        latestSeen = storeLatest
        lastRead = mark
        forwarder.progressState.withLock { $0.highWaterMark = mark }
        reportLag()
        if configuration.stopWhenCaughtUp && mark >= storeLatest { return }

        let follower: LogFollower
        do {
            follower = try LogStore.follow(directory: configuration.storeDirectory, after: mark, bufferSize: 4096)
        } catch {
            throw ForwardError(.store, "cannot follow the store: \(error.description)", place: configuration.storeDirectory)
        }
        let queue = RecordQueue(capacity: max(2 * configuration.maxBatchRecords, 4096))
        let forwarder = self.forwarder
        let reader = Task {
            do {
                for try await event in follower {
                    switch event {
                    case .record(let record): guard await queue.push(record) else { return }
                    case .damaged(let report): forwarder.reportDamage(report)
                    case .lagged: break   // a follower never drops records (LogFollower's contract)
                    }
                }
                queue.finish(.finished)
            } catch let error as LogStoreError {
                queue.finish(.failed(error))
            } catch {
                queue.finish(.failed(LogStoreError(.io, "following the store failed: \(error)")))
            }
        }
        defer {
            reader.cancel()
            follower.cancel()
        }
        try await sendLoop(queue: queue, caughtUpAt: storeLatest)
    }

    private mutating func sendLoop(queue: RecordQueue, caughtUpAt target: UInt64) async throws(ForwardError) {
        var idleSince = clock.now
        while !Task.isCancelled {
            let (records, end) = queue.drain()
            if !records.isEmpty {
                if start == pending.count { firstPendingArrival = clock.now }
                countMissing(records)
                pending.append(contentsOf: records)
                latestSeen = max(latestSeen, records[records.count - 1].sequence)
                reportLag()
                idleSince = clock.now
            }
            dropSent()
            if start == pending.count {
                if case .failed(let error) = end {
                    throw ForwardError(.store, "cannot read the store: \(error.description)", place: configuration.storeDirectory)
                }
                if configuration.stopWhenCaughtUp {
                    // Caught up, or the rest of what the store held is unreadable or expired (counted).
                    if mark >= target || clock.now - idleSince > configuration.batchLinger + .seconds(2) { return }
                }
                try await pause(.milliseconds(10))
                continue
            }
            let (batch, complete) = cutBatch()
            let lingered = firstPendingArrival.map { clock.now - $0 >= configuration.batchLinger } ?? true
            guard complete || lingered else {
                try await pause(.milliseconds(10))
                continue
            }
            try await deliver(batch)
            firstPendingArrival = start < pending.count ? clock.now : nil
        }
    }

    /// The next batch from `pending`: one UTC day, at most maxBatchRecords records and about
    /// maxBatchBytes of JSON; `complete` when a limit or a day boundary ended it (rather than the
    /// records read so far).
    private func cutBatch() -> (Batch, complete: Bool) {
        var body: [UInt8] = []
        let day = ClickHouseSchema.day(ofTimestamp: pending[start].timestamp)
        var index = start
        while index < pending.count {
            let record = pending[index]
            if index - start == configuration.maxBatchRecords || ClickHouseSchema.day(ofTimestamp: record.timestamp) != day
                || (body.count >= configuration.maxBatchBytes) {
                return (Batch(body: body, first: pending[start].sequence, last: pending[index - 1].sequence, count: index - start), true)
            }
            ClickHouseRowEncoder.append(record, storeID: sink.storeID, to: &body)
            index += 1
        }
        return (Batch(body: body, first: pending[start].sequence, last: pending[index - 1].sequence, count: index - start), false)
    }

    /// Sends `batch` until it is acknowledged or step R shows where the table is.
    private mutating func deliver(_ batch: Batch) async throws(ForwardError) {
        while true {
            let queryID = sink.queryIDPrefix + "\(batch.first)-\(batch.last)-\(UInt32.random(in: 0...UInt32.max))"
            do {
                try await sink.http.insert(batch.body, queryID: queryID)
                advance(to: batch.last)
                backoff.reset()
                forwarder.progressState.withLock {
                    $0.sentBatches += 1
                    $0.lastError = nil
                }
                return
            } catch {
                guard error.isRetryable else {
                    forwarder.metrics.failed(batch.count, reason: "rejected")
                    throw error
                }
                noteRetry(error)
                try await pause(backoff.next())
                let newMark = try await resolve()
                guard newMark >= mark else {
                    throw ForwardError(.conflict, """
                        the table's high-water mark for store id \(configuration.storeID) went back from \(mark) to \(newMark): \
                        rows were deleted; restart the forwarder to send again from \(newMark)
                        """, place: sink.target.description)
                }
                if newMark > mark {
                    advance(to: newMark)   // the insert (or a prefix of it) was applied: not sent again
                    return
                }
            }
        }
    }

    /// Step R with retries: R1 create the table, R2 wait until no insert of this store runs, R3 read
    /// the mark.
    /// With `settle` (at a start), R2 is passed twice, that long apart, so that a request a killed
    /// predecessor had written but ClickHouse had not yet begun is found too (FORWARDING.md 4).
    private mutating func resolve(settle: Duration = .zero) async throws(ForwardError) -> UInt64 {
        while true {
            do {
                try await sink.ensureTable()
                try await sink.waitUntilNoInsertRuns(limit: configuration.requestTimeout)
                if settle > .zero {
                    try await pause(settle)
                    try await sink.waitUntilNoInsertRuns(limit: configuration.requestTimeout)
                }
                return try await sink.highWaterMark()
            } catch {
                guard error.isRetryable else { throw error }
                noteRetry(error)
                try await pause(backoff.next())
            }
        }
    }

    /// Sequence numbers the store no longer holds when the forwarder reaches them: records retention
    /// removed before they were sent (docs/FORWARDING.md 7), or appends that failed and were reported
    /// failed to their producer. Counted, never silent: `forward_failed_total{reason="expired"}`.
    private mutating func countMissing(_ records: [LogRecord]) {
        var missing: UInt64 = 0
        for record in records {
            if record.sequence > lastRead + 1 { missing += record.sequence - lastRead - 1 }
            lastRead = max(lastRead, record.sequence)
        }
        guard missing > 0 else { return }
        forwarder.metrics.failed(Int(clamping: missing), reason: "expired")
        forwarder.progressState.withLock { $0.missingRecords += missing }
    }

    /// Every record up to `newMark` is in the table: count and drop them.
    private mutating func advance(to newMark: UInt64) {
        mark = max(mark, newMark)
        var sent = 0
        while start + sent < pending.count, pending[start + sent].sequence <= mark { sent += 1 }
        dropSent()
        forwarder.progressState.withLock {
            $0.highWaterMark = mark
            $0.sentRecords += sent
        }
        forwarder.metrics.sent(sent)
        reportLag()
        forwarder.savePosition(mark)
    }

    /// Updates the lag in the progress and the metrics: records above the mark, and the age of the
    /// oldest record read but not yet in the sink.
    private func reportLag() {
        let records = latestSeen > mark ? latestSeen - mark : 0
        let oldest = start < pending.count ? pending[start].timestamp : nil
        let seconds = oldest.map { max(0, Double(Self.nowNanoseconds() - $0) / 1e9) } ?? 0
        forwarder.progressState.withLock {
            $0.lagRecords = records
            $0.lagSeconds = seconds
        }
        forwarder.metrics.lag(records: records, seconds: seconds)
    }

    private mutating func dropSent() {
        while start < pending.count, pending[start].sequence <= mark { start += 1 }
        if start == pending.count || start > 65_536 {
            pending.removeFirst(start)
            start = 0
        }
    }

    private func noteRetry(_ error: ForwardError) {
        forwarder.metrics.retried()
        forwarder.progressState.withLock {
            $0.retries += 1
            $0.lastError = error.description
        }
    }

    private func pause(_ duration: Duration) async throws(ForwardError) {
        do { try await Task.sleep(for: duration) } catch {
            throw ForwardError(.unavailable, "stopped", place: sink.target.description)
        }
    }

    static func nowNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

/// One insert's JSONEachRow body and the sequence numbers it covers.
struct Batch {
    var body: [UInt8]
    var first: UInt64
    var last: UInt64
    var count: Int
}
