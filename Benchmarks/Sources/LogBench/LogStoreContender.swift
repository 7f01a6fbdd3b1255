import Glibc
import LogStore
import LogStoreFormat

/// The LogStore library, used in-process like an embedding collector would.
struct LogStoreContender: Contender {
    var name: String { "logstore" }
    /// Raw block size of flushes in bytes (`--block-size`); nil keeps the library's default.
    var blockSize: Int? = nil

    func supports(_ plan: IngestPlan) -> Bool { true }

    private func options(_ durability: IngestPlan.Durability) -> StoreOptions {
        var o: StoreOptions = switch durability {
        case .sync: StoreOptions(durability: .sync)
        case .batch: StoreOptions(durability: .batch)
        case .none: StoreOptions(durability: .none)
        }
        if let blockSize { o.blockSize = blockSize }
        return o
    }

    func ingest(_ dataset: Dataset, into directory: String, plan: IngestPlan) throws -> IngestTiming {
        let records = plan.limit.map { Array(dataset.records.prefix($0)) } ?? dataset.records
        let store = try LogStore.open(at: directory, options: options(plan.durability))
        let clock = ContinuousClock()
        let start = clock.now
        let accepted: Int
        if plan.writers <= 1 {
            var n = 0
            var i = 0
            while i < records.count {
                let end = min(i + plan.batchSize, records.count)
                n += try store.append(records[i..<end]).accepted
                i = end
            }
            accepted = n
        } else {
            let total = Locked(0)
            let failure = Locked<(any Error)?>(nil)
            let writers = plan.writers, batch = plan.batchSize
            onThreads(writers) { w in
                let lo = records.count * w / writers, hi = records.count * (w + 1) / writers
                var n = 0
                var i = lo
                do {
                    while i < hi {
                        let end = min(i + batch, hi)
                        n += try store.append(records[i..<end]).accepted
                        i = end
                    }
                } catch {
                    failure.withLock { $0 = error }
                }
                total.withLock { $0 += n }
            }
            if let e = failure.withLock({ $0 }) { throw e }
            accepted = total.withLock { $0 }
        }
        let appended = clock.now
        try store.close()
        let closed = clock.now
        return IngestTiming(offered: records.count, accepted: accepted, append: appended - start, close: closed - appended)
    }

    var crashPlan: IngestPlan { IngestPlan(durability: .batch, batchSize: 1000) }

    func ingestAndCrash(_ dataset: Dataset, into directory: String, plan: IngestPlan) throws -> Never {
        let store = try LogStore.open(at: directory, options: options(plan.durability))
        var i = 0
        while i < dataset.records.count {
            let end = min(i + plan.batchSize, dataset.records.count)
            _ = try store.append(dataset.records[i..<end])
            i = end
        }
        kill(getpid(), SIGKILL)
        fatalError("SIGKILL did not end the process")
    }

    func reopenTime(at directory: String, readOnly: Bool) throws -> Duration {
        var o = StoreOptions()
        o.readOnly = readOnly
        o.createIfMissing = false
        let (store, d) = try timed { try LogStore.open(at: directory, options: o) }
        try store.close()
        return d
    }

    func indexFigures(at directory: String) throws -> IndexFigures? {
        var o = StoreOptions()
        o.createIfMissing = false
        let store = try LogStore.open(at: directory, options: o)
        let s = store.statistics
        try store.close()
        return IndexFigures(indexBytes: s.indexBytes, segments: s.segmentCount, records: s.segmentRecords + s.bufferedRecords)
    }

    func openReader(at directory: String) throws -> any ContenderReader {
        var o = StoreOptions()
        o.createIfMissing = false
        return Reader(store: try LogStore.open(at: directory, options: o))
    }

    struct Reader: ContenderReader {
        let store: LogStore

        func records(correlationID: String) throws -> [RecordKey] {
            try store.records(LogQuery(correlationID: correlationID)).map {
                RecordKey(timestamp: $0.timestamp, sequence: $0.sequence)
            }
        }

        func collectRange(since: Int64, until: Int64) throws -> Int {
            try store.records(LogQuery(since: since, until: until)).count
        }

        func countByLevel(since: Int64) throws -> [LogLevel: Int] {
            try store.countByLevel(LogQuery(since: since))
        }

        func countMessages(containing token: String) throws -> Int {
            try store.count(LogQuery(messageContains: token))
        }

        func countAll() throws -> Int { try store.count(LogQuery()) }

        func close() throws { try store.close() }
    }
}
