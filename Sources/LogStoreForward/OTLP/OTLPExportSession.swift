import LogStore
import LogStoreProtocols

/// One run of an ``OTLPForwarder``: read the saved position, follow the store after it, export batches,
/// and save the position after each acknowledged one (docs/FORWARDING.md 8).
struct OTLPExportSession {
    let forwarder: OTLPForwarder
    let http: OTLPExportHTTP
    private var configuration: ForwardConfiguration { forwarder.configuration }
    private var backoff: Backoff
    /// Every record up to this one was acknowledged by the receiver (or rejected by it one by one).
    private var mark: UInt64 = 0
    /// Records read and not yet acknowledged, in sequence order, from `start`.
    private var pending: [LogRecord] = []
    private var start = 0
    private var firstPendingArrival: ContinuousClock.Instant?
    private var latestSeen: UInt64 = 0
    private var lastRead: UInt64 = 0
    private let clock = ContinuousClock()
    private var encoder = OTLPProtobufEncoder()

    init(forwarder: OTLPForwarder, http: OTLPExportHTTP) {
        self.forwarder = forwarder
        self.http = http
        self.backoff = Backoff(initial: forwarder.configuration.initialBackoff, maximum: forwarder.configuration.maxBackoff)
    }

    mutating func run() async throws(ForwardError) {
        mark = try forwarder.savedPosition()
        let storeLatest = forwarder.positionStore.latestSequence
        guard mark <= storeLatest else {
            throw ForwardError(.conflict, """
                the saved position \(mark) lies beyond the store's newest sequence \(storeLatest): the store was replaced; \
                remove the checkpoint \(ForwardPosition.checkpointName(sink: http.target.description)) to export again from the start
                """, place: configuration.storeDirectory)
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
        let queue = LogRecordQueue(capacity: max(2 * configuration.maxBatchRecords, 4096))
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

    private mutating func sendLoop(queue: LogRecordQueue, caughtUpAt target: UInt64) async throws(ForwardError) {
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
            compact()
            if start == pending.count {
                if case .failed(let error) = end {
                    throw ForwardError(.store, "cannot read the store: \(error.description)", place: configuration.storeDirectory)
                }
                if configuration.stopWhenCaughtUp {
                    if mark >= target || clock.now - idleSince > configuration.batchLinger + .seconds(2) { return }
                }
                try await pause(.milliseconds(10))
                continue
            }
            let (batchEnd, complete) = cutBatch()
            let lingered = firstPendingArrival.map { clock.now - $0 >= configuration.batchLinger } ?? true
            guard complete || lingered else {
                try await pause(.milliseconds(10))
                continue
            }
            try await deliver(pending[start..<batchEnd])
            firstPendingArrival = start < pending.count ? clock.now : nil
        }
    }

    /// The end of the next batch in `pending`: at most maxBatchRecords records and about maxBatchBytes of
    /// record text; `complete` when a limit ended it rather than the records read so far.
    private func cutBatch() -> (end: Int, complete: Bool) {
        var bytes = 0
        var index = start
        while index < pending.count {
            if index - start == configuration.maxBatchRecords || bytes >= configuration.maxBatchBytes { return (index, true) }
            bytes += Self.approximateSize(pending[index])
            index += 1
        }
        return (index, false)
    }

    /// About the bytes a record takes in a request before compression.
    static func approximateSize(_ record: LogRecord) -> Int {
        var size = 48 + record.message.utf8.count + record.source.utf8.count + (record.correlationID?.utf8.count ?? 0)
        for attribute in record.attributes {
            size += 8 + attribute.key.utf8.count
            if case .string(let text) = attribute.value { size += text.utf8.count } else { size += 9 }
        }
        return size
    }

    /// Exports `batch` until the receiver acknowledges it; throws on a permanent rejection.
    private mutating func deliver(_ batch: ArraySlice<LogRecord>) async throws(ForwardError) {
        let first = batch[batch.startIndex].sequence, last = batch[batch.endIndex - 1].sequence
        var encoded: [UInt8] = []
        encoded.reserveCapacity(batch.count * 160)
        encoder.request(batch, storeID: configuration.storeID, into: &encoded)
        guard let body = Gzip.compress(encoded) else {
            throw ForwardError(.store, "zlib could not compress the request of records \(first)–\(last)", place: http.target.description)
        }
        while true {
            switch await http.export(body) {
            case .accepted(let rejected, let message):
                if rejected != 0 || !message.isEmpty { forwarder.reportPartialSuccess(rejected: rejected, message: message) }
                let sent = max(0, batch.count - Int(clamping: max(0, rejected)))
                try advance(to: last, sent: sent)
                backoff.reset()
                forwarder.progressState.withLock {
                    $0.sentBatches += 1
                    $0.lastError = nil
                }
                return
            case .retry(let reason, let retryAfter):
                let error = ForwardError(.unavailable, "the export of records \(first)–\(last) failed: \(reason); retrying",
                                         place: http.target.description)
                noteRetry(error)
                let pauseFor = backoff.next()
                try await pause(retryAfter.map { min($0, Self.longestRetryAfter) } ?? pauseFor)
            case .rejected(let reason):
                forwarder.metrics.failed(batch.count, reason: "rejected")
                throw ForwardError(.rejected, """
                    the receiver rejected the export of records \(first)–\(last) for good (\(reason)); \
                    they stay in the store and are not counted as sent
                    """, place: http.target.description)
            }
        }
    }

    /// A `Retry-After` longer than this is cut to it (a receiver's clock far off, or a date typo).
    static let longestRetryAfter: Duration = .seconds(3600)

    /// Sequence numbers the store no longer holds when the forwarder reaches them, counted
    /// (`forward_failed_total{reason="expired"}`, docs/FORWARDING.md 7).
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

    /// The receiver acknowledged everything up to `newMark`: save the position, count and drop.
    private mutating func advance(to newMark: UInt64, sent: Int) throws(ForwardError) {
        try forwarder.savePosition(newMark)
        mark = max(mark, newMark)
        while start < pending.count, pending[start].sequence <= mark { start += 1 }
        compact()
        forwarder.progressState.withLock {
            $0.highWaterMark = mark
            $0.sentRecords += sent
        }
        forwarder.metrics.sent(sent)
        reportLag()
    }

    private func reportLag() {
        let records = latestSeen > mark ? latestSeen - mark : 0
        let oldest = start < pending.count ? pending[start].timestamp : nil
        let seconds = oldest.map { max(0, Double(ForwardSession.nowNanoseconds() - $0) / 1e9) } ?? 0
        forwarder.progressState.withLock {
            $0.lagRecords = records
            $0.lagSeconds = seconds
        }
        forwarder.metrics.lag(records: records, seconds: seconds)
    }

    private mutating func compact() {
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
            throw ForwardError(.unavailable, "stopped", place: http.target.description)
        }
    }
}
