import Dispatch
import Foundation
import LogStore
import LogStoreLogging
import LogStorePipeline
import Logging
import Glibc
import LogStoreFormat

/// The ways `--pipeline` gets the dataset's records into a store, each with 1, 2 or 8 producers.
enum PipelineVariant: String, CaseIterable, Codable, Sendable {
    /// `LogStore.append` in batches of 1,000 from each producer thread (the baseline).
    case direct
    /// `Ingestor.offer(_:waitingUpTo:)` per record from each producer thread (blocks while the buffer is full).
    case offerRecord
    /// `await Ingestor.submit(_:)` per record from each producer task (suspends while the buffer is full).
    case submitRecord
    /// `Ingestor.offer([LogRecord])` per 1,000 records from each producer thread; that call never waits,
    /// so the producer waits (polling `counters.buffered`) until its batch fits, else the records would drop.
    case offerBatch
    /// `Logger.log(level:_:metadata:)` through `LogStoreLogHandler` (which offers to an ``Ingestor``).
    case handler
    /// `offerRecord` with a buffer bound above the dataset size: producers never wait for room, so the
    /// time per call is what an offer costs its caller.
    case offerRecordUnbounded
    /// `handler` with a buffer bound above the dataset size: the caller's cost of a log call.
    case handlerUnbounded

    var label: String {
        switch self {
        case .direct: "direct LogStore.append ×1000"
        case .offerRecord: "Ingestor.offer per record"
        case .submitRecord: "Ingestor.submit per record (async)"
        case .offerBatch: "Ingestor.offer([1000 records])"
        case .handler: "swift-log Logger → LogStoreLogHandler"
        case .offerRecordUnbounded: "Ingestor.offer per record, unbounded buffer"
        case .handlerUnbounded: "swift-log handler, unbounded buffer"
        }
    }

    var usesIngestor: Bool { self != .direct }
    var unbounded: Bool { self == .offerRecordUnbounded || self == .handlerUnbounded }
}

/// What one run of one variant measured.
struct PipelineOutcome {
    /// From the producers' start until every record is written and durable.
    var total: Duration
    /// From the producers' start until the last producer call returned.
    var producers: Duration
    /// User + system CPU of the whole process over `total`.
    var cpuSeconds: Double
    var accepted: Int
    var written: Int
    var dropped: Int
    /// Time inside the producers' calls (`offer`, `submit`, `Logger.log`), summed over producers; 0 for
    /// direct and batch offers.
    var callNanos: Double = 0
    /// Handler only: time spent building each call's metadata (outside `Logger.log`), summed.
    var metadataNanos: Double = 0
    /// Records the store holds after the run (counted before closing).
    var stored: Int
    /// CPU time of the producer threads themselves (CLOCK_THREAD_CPUTIME_ID), summed; 0 for `submitRecord`,
    /// whose tasks hop between pool threads.
    var producerCPUNanos: Double = 0
}

/// Runs one variant over `records` into a new store at `directory`.
struct PipelineProducers {
    let records: [LogRecord]
    let producers: Int
    let batchSize = 1000
    /// Ingestor settings (defaults except what the caller changed, always `.block`).
    let ingestorOptions: IngestorOptions

    /// Contiguous slice of the records for producer `p`.
    func slice(_ p: Int) -> Range<Int> {
        (records.count * p / producers)..<(records.count * (p + 1) / producers)
    }

    func run(_ variant: PipelineVariant, directory: String) throws -> PipelineOutcome {
        let store = try LogStore.open(at: directory, options: StoreOptions(durability: .batch))
        var io = ingestorOptions
        if variant.unbounded {
            io.maxBufferedRecords = max(io.maxBufferedRecords, records.count + io.batchRecords)
            io.maxBufferedBytes = max(io.maxBufferedBytes, 1 << 40)
        }
        let ingestor = variant.usesIngestor ? try Ingestor(store: store, options: io) : nil
        let failure = Locked<(any Error)?>(nil)
        let callNanos = Locked(0.0), metadataNanos = Locked(0.0), producerCPU = Locked(0.0)
        /// Runs a producer body on each thread and adds up the threads' own CPU time.
        func producerThreads(_ body: @escaping @Sendable (Int) -> Void) {
            onThreads(producers) { p in
                let c0 = threadCPUNanos()
                body(p)
                let used = Double(threadCPUNanos() - c0)
                producerCPU.withLock { $0 += used }
            }
        }
        let cpu0 = CPUTime.process
        let clock = ContinuousClock()
        let start = clock.now
        switch variant {
        case .direct:
            producerThreads { p in
                do { try appendDirect(store, range: slice(p)) } catch { failure.withLock { $0 = error } }
            }
        case .offerRecord, .offerRecordUnbounded:
            guard let ingestor else { break }
            producerThreads { p in
                var call: Int64 = 0
                for i in slice(p) {
                    let t1 = monotonicNanos()
                    ingestor.offer(records[i], waitingUpTo: .seconds(600))
                    call += monotonicNanos() - t1
                }
                callNanos.withLock { $0 += Double(call) }
            }
        case .submitRecord:
            guard let ingestor else { break }
            let ranges = (0..<producers).map(slice)
            let all = records
            blockingAwait {
                await withTaskGroup(of: Void.self) { group in
                    for range in ranges {
                        group.addTask {
                            var call: Int64 = 0
                            for i in range {
                                let t1 = monotonicNanos()
                                await ingestor.submit(all[i])
                                call += monotonicNanos() - t1
                            }
                            callNanos.withLock { [call] in $0 += Double(call) }
                        }
                    }
                }
            }
        case .offerBatch:
            guard let ingestor else { break }
            // Room for every producer's next batch: a batch offered under this bound always fits.
            let limit = ingestorOptions.maxBufferedRecords - producers * batchSize
            producerThreads { p in
                let range = slice(p)
                var i = range.lowerBound
                while i < range.upperBound {
                    let end = min(i + batchSize, range.upperBound)
                    while ingestor.counters.buffered > limit { usleep(100) }
                    ingestor.offer(Array(records[i..<end]))
                    i = end
                }
            }
        case .handler, .handlerUnbounded:
            guard let ingestor else { break }
            var options = LogHandlerOptions()
            options.maxBlock = .seconds(600)      // wait for room rather than drop (policy .block)
            let handlerOptions = options
            producerThreads { p in
                let (call, build) = logThroughHandler(ingestor, options: handlerOptions, range: slice(p))
                callNanos.withLock { $0 += call }
                metadataNanos.withLock { $0 += build }
            }
        }
        let producersDone = clock.now
        // Until written: the ingestor's flush waits for every accepted record to be written and durable
        // (its writer waits for the sync of each batch); direct appends get one sync for the same guarantee.
        if let ingestor {
            blockingAwait { await ingestor.flush() }
        } else {
            try store.sync()
        }
        let end = clock.now
        let cpu = CPUTime.process - cpu0
        if let e = failure.withLock({ $0 }) { throw e }
        var counters = IngestorCounters()
        if let ingestor {
            counters = ingestor.counters
            blockingAwait { await ingestor.close() }
        } else {
            counters.accepted = records.count
            counters.written = records.count
        }
        let stored = try store.count(LogQuery())
        try store.close()
        return PipelineOutcome(total: end - start, producers: producersDone - start, cpuSeconds: cpu,
                               accepted: counters.accepted, written: counters.written, dropped: counters.droppedTotal,
                               callNanos: callNanos.withLock { $0 }, metadataNanos: metadataNanos.withLock { $0 },
                               stored: stored, producerCPUNanos: producerCPU.withLock { $0 })
    }

    private func appendDirect(_ store: LogStore, range: Range<Int>) throws {
        var i = range.lowerBound
        while i < range.upperBound {
            let end = min(i + batchSize, range.upperBound)
            try store.append(records[i..<end])
            i = end
        }
    }

    /// Logs `records[range]` through one `Logger` per source; returns the nanoseconds spent inside the
    /// log calls and building their metadata.
    private func logThroughHandler(_ ingestor: Ingestor, options: LogHandlerOptions,
                                   range: Range<Int>) -> (call: Double, build: Double) {
        var loggers: [String: Logger] = [:]
        var call: Int64 = 0, build: Int64 = 0
        var t0 = monotonicNanos()
        for i in range {
            let r = records[i]
            var logger: Logger
            if let l = loggers[r.source] {
                logger = l
            } else {
                logger = Logger(label: r.source) { LogStoreLogHandler(label: $0, ingestor: ingestor, options: options) }
                logger.logLevel = .trace
                loggers[r.source] = logger
            }
            let metadata = CallSiteMetadata.of(r)
            let t1 = monotonicNanos()
            logger.log(level: CallSiteMetadata.level(r.level), Logger.Message(stringLiteral: r.message), metadata: metadata)
            let t2 = monotonicNanos()
            build += t1 - t0
            call += t2 - t1
            t0 = t2
        }
        return (Double(call), Double(build))
    }
}
