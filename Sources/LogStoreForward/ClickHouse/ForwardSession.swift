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
    /// Records read from the store (as JSONEachRow lines) and not yet known to be in the table, in
    /// sequence order, from `start`.
    private var pending = EncodedLines()
    private var start = 0
    private var firstPendingArrival: ContinuousClock.Instant?
    /// When records last came from the reader.
    private var lastArrival: ContinuousClock.Instant = ContinuousClock().now
    /// The complete batch after the one in flight, encoded meanwhile; used if it still starts right
    /// after the mark.
    private var prepared: Batch?
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

        let queue = RecordQueue(capacity: max(2 * configuration.maxBatchRecords, 4096))
        let reader = ForwardReader(directory: configuration.storeDirectory, storeID: sink.storeID, queue: queue, forwarder: forwarder)
        let from = mark
        let reading = Task { await reader.run(after: from) }
        defer { reading.cancel() }
        try await sendLoop(queue: queue, caughtUpAt: storeLatest)
    }

    private mutating func sendLoop(queue: RecordQueue, caughtUpAt target: UInt64) async throws(ForwardError) {
        lastArrival = clock.now
        while !Task.isCancelled {
            let end = take(from: queue)
            dropSent()
            if start == pending.count {
                if case .failed(let error) = end {
                    throw ForwardError(.store, "cannot read the store: \(error.description)", place: configuration.storeDirectory)
                }
                if configuration.stopWhenCaughtUp {
                    // Caught up, or the rest of what the store held is unreadable or expired (counted).
                    if mark >= target || clock.now - lastArrival > configuration.batchLinger + .seconds(2) { return }
                }
                try await pause(.milliseconds(10))
                continue
            }
            let batch: Batch
            if let next = prepared, next.first == pending.sequences[start] {
                batch = next   // encoded while the previous insert was in flight; complete
            } else {
                let (cut, complete) = cutBatch(from: start)
                let lingered = firstPendingArrival.map { clock.now - $0 >= configuration.batchLinger } ?? true
                guard complete || lingered else {
                    try await pause(.milliseconds(10))
                    continue
                }
                batch = cut
            }
            prepared = nil
            try await deliver(batch, queue: queue)
            firstPendingArrival = start < pending.count ? clock.now : nil
        }
    }

    /// Moves the records the reader has queued to `pending`, unless `pending` already holds the
    /// queue's capacity of unsent records (so a backlog is held in bounded memory: the reader waits
    /// on the full queue); returns the reader's end, if it ended.
    private mutating func take(from queue: RecordQueue) -> RecordQueue.End? {
        guard pending.count - start < queue.capacity else { return nil }
        let (rows, end) = queue.drain()
        if !rows.isEmpty {
            if start == pending.count { firstPendingArrival = clock.now }
            countMissing(rows.sequences)
            pending.append(contentsOf: rows)
            latestSeen = max(latestSeen, rows.sequences[rows.count - 1])
            reportLag()
            lastArrival = clock.now
        }
        return end
    }

    /// The batch from `pending[index...]`: one UTC day, at most maxBatchRecords records and about
    /// maxBatchBytes of JSON; `complete` when a limit or a day boundary ended it (rather than the
    /// records read so far).
    private func cutBatch(from first: Int) -> (Batch, complete: Bool) {
        let day = ClickHouseSchema.day(ofTimestamp: pending.timestamps[first])
        let firstByte = pending.lineStart(first)
        var index = first
        var complete = false
        while index < pending.count {
            if index - first == configuration.maxBatchRecords || ClickHouseSchema.day(ofTimestamp: pending.timestamps[index]) != day
                || pending.lineStart(index) - firstByte >= configuration.maxBatchBytes {
                complete = true
                break
            }
            index += 1
        }
        let batch = Batch(body: pending.body(first..<index), first: pending.sequences[first], last: pending.sequences[index - 1],
                          count: index - first)
        return (batch, complete)
    }

    /// While `batch` is in flight: takes what the reader queued and encodes the batch after it, if
    /// it is complete (a partial one waits for the linger in ``sendLoop``). Only encoding: the next
    /// insert is sent after this one's outcome is known (one insert in flight, FORWARDING.md 4).
    private mutating func prepareNext(after batch: Batch, queue: RecordQueue) {
        _ = take(from: queue)
        let next = start + batch.count
        guard next < pending.count, next > 0, pending.sequences[next - 1] == batch.last else { return }
        let (cut, complete) = cutBatch(from: next)
        if complete { prepared = cut }
    }

    /// Sends `batch` until it is acknowledged or step R shows where the table is. The first attempt
    /// overlaps the encoding of the next batch; after a failure that one is dropped (it is cut again
    /// from wherever step R leaves the mark).
    private mutating func deliver(_ batch: Batch, queue: RecordQueue) async throws(ForwardError) {
        var overlap = true
        while true {
            let queryID = sink.queryIDPrefix + "\(batch.first)-\(batch.last)-\(UInt32.random(in: 0...UInt32.max))"
            let outcome: Result<Void, ForwardError>
            if overlap {
                overlap = false
                let http = sink.http
                let body = batch.body
                async let sent = Self.insert(body, queryID: queryID, http: http)
                prepareNext(after: batch, queue: queue)
                outcome = await sent
            } else {
                outcome = await Self.insert(batch.body, queryID: queryID, http: sink.http)
            }
            switch outcome {
            case .success:
                advance(to: batch.last)
                backoff.reset()
                forwarder.progressState.withLock {
                    $0.sentBatches += 1
                    $0.lastError = nil
                }
                return
            case .failure(let error):
                prepared = nil
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

    private static func insert(_ body: [UInt8], queryID: String, http: ClickHouseHTTP) async -> Result<Void, ForwardError> {
        do {
            try await http.insert(body, queryID: queryID)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Step R with retries: R1 create the table, R2 wait until no insert of this store runs, R3 read
    /// the mark.
    /// With `settle` (at a start), R2 is passed twice, that long apart, so that a request a killed
    /// predecessor had written but ClickHouse had not yet begun is found too (FORWARDING.md 4); not
    /// when R1 found no table: no insert can have been sent to it.
    private mutating func resolve(settle: Duration = .zero) async throws(ForwardError) -> UInt64 {
        while true {
            do {
                let existed = try await sink.ensureTable()
                try await sink.waitUntilNoInsertRuns(limit: configuration.requestTimeout)
                if settle > .zero && existed {
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
    private mutating func countMissing(_ sequences: [UInt64]) {
        var missing: UInt64 = 0
        for sequence in sequences {
            if sequence > lastRead + 1 { missing += sequence - lastRead - 1 }
            lastRead = max(lastRead, sequence)
        }
        guard missing > 0 else { return }
        forwarder.metrics.failed(Int(clamping: missing), reason: "expired")
        forwarder.progressState.withLock { $0.missingRecords += missing }
    }

    /// Every record up to `newMark` is in the table: count and drop them.
    private mutating func advance(to newMark: UInt64) {
        mark = max(mark, newMark)
        var sent = 0
        while start + sent < pending.count, pending.sequences[start + sent] <= mark { sent += 1 }
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
        let oldest = start < pending.count ? pending.timestamps[start] : nil
        let seconds = oldest.map { max(0, Double(Self.nowNanoseconds() - $0) / 1e9) } ?? 0
        forwarder.progressState.withLock {
            $0.lagRecords = records
            $0.lagSeconds = seconds
        }
        forwarder.metrics.lag(records: records, seconds: seconds)
    }

    private mutating func dropSent() {
        while start < pending.count, pending.sequences[start] <= mark { start += 1 }
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
