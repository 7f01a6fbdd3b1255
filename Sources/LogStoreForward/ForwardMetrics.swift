import CoreMetrics

/// A forwarder's metrics (docs/FORWARDING.md 6), through swift-metrics, each with a `sink` dimension (the
/// target URL): `forward_lag_records` and `forward_lag_seconds` (gauges), `forward_sent_total`,
/// `forward_retries_total` and `forward_failed_total{reason}` (counters; reasons `rejected`, `damaged`,
/// `store`, `conflict`). They go to the factory given to the forwarder, else to the host's bootstrapped
/// metrics system (`MetricsSystem.factory`; without a bootstrap they cost nothing).
final class ForwardMetrics: Sendable {
    private let factory: any MetricsFactory
    private let sink: String
    private let sent: Counter
    private let retries: Counter
    private let lagRecords: Gauge
    private let lagSeconds: Gauge

    init(sink: String, factory: (any MetricsFactory)?) {
        let factory = factory ?? MetricsSystem.factory
        self.factory = factory
        self.sink = sink
        sent = Counter(label: "forward_sent_total", dimensions: [("sink", sink)], factory: factory)
        retries = Counter(label: "forward_retries_total", dimensions: [("sink", sink)], factory: factory)
        lagRecords = Gauge(label: "forward_lag_records", dimensions: [("sink", sink)], factory: factory)
        lagSeconds = Gauge(label: "forward_lag_seconds", dimensions: [("sink", sink)], factory: factory)
    }

    func sent(_ records: Int) { if records > 0 { sent.increment(by: records) } }
    func retried() { retries.increment() }
    func failed(_ count: Int = 1, reason: String) {
        Counter(label: "forward_failed_total", dimensions: [("sink", sink), ("reason", reason)], factory: factory)
            .increment(by: count)
    }
    func lag(records: UInt64, seconds: Double) {
        lagRecords.record(Int64(clamping: records))
        lagSeconds.record(seconds)
    }
}
