import CoreMetrics
import Metrics
import Synchronization
import Testing
@testable import LogStore
@testable import LogStorePipeline

/// Records every counter and gauge value by label and dimensions.
final class RecordingMetrics: MetricsFactory, Sendable {
    /// A pthread lock (`LockedState`), which ThreadSanitizer sees; it cannot see `Mutex` on Linux.
    let values = LockedState<[String: Int64]>([:])

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
    }

    final class Handler: CounterHandler, RecorderHandler, TimerHandler, FloatingPointCounterHandler, Sendable {
        let key: String
        let owner: RecordingMetrics
        init(_ key: String, _ owner: RecordingMetrics) { self.key = key; self.owner = owner }
        func increment(by amount: Int64) { owner.values.withLock { $0[key, default: 0] += amount } }
        func increment(by amount: Double) {}
        func reset() { owner.values.withLock { $0[key] = 0 } }
        func record(_ value: Int64) { owner.values.withLock { $0[key] = value } }
        func record(_ value: Double) { owner.values.withLock { $0[key] = Int64(value) } }
        func recordNanoseconds(_ duration: Int64) {}
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { Handler(Self.key(label, dimensions), self) }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { Handler(Self.key(label, dimensions), self) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { Handler(Self.key(label, dimensions), self) }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { NOOPMetricsHandler.instance }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { Handler(Self.key(label, dimensions), self) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    /// The process-wide factory, bootstrapped once.
    static let shared: RecordingMetrics = {
        let m = RecordingMetrics()
        MetricsSystem.bootstrap(m)
        return m
    }()
}

@Suite struct IngestorMetricsTests {
    @Test func countersArePublishedThroughSwiftMetrics() async throws {
        let metrics = RecordingMetrics.shared
        let dir = TempDir()
        let store = try openStore(dir)
        var options = smallOptions(.dropNewest, buffer: 10, batch: 10)
        options.batchAge = .seconds(60)
        options.metricsDimensions = [("pipeline", "metrics-test")]
        let ingestor = try Ingestor(store: store, options: options)
        for i in 0..<10 { ingestor.offer(record(i)) }
        let huge = LogRecord(timestamp: nowNanos(), level: .info, source: "s", correlationID: nil,
                             message: String(repeating: "x", count: 2 << 20), attributes: [])
        #expect(ingestor.offer(huge) == .dropped(.tooLarge))
        await ingestor.close()
        let v = metrics.values.withLock { $0 }
        let d = "pipeline=metrics-test"
        #expect(v["logstore_ingest_accepted_total,\(d)"] == 10)
        #expect(v["logstore_ingest_written_total,\(d)"] == 10)
        #expect(v["logstore_ingest_dropped_total,\(d),reason=tooLarge"] == 1)
        #expect(v["logstore_ingest_buffered_records,\(d)"] == 0)
        try store.close()
    }
}
