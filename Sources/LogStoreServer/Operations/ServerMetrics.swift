import CoreMetrics
import LogStore
import Prometheus

/// The server's metrics, through swift-metrics into a Prometheus registry of its own (no global
/// bootstrap: a host program keeps its own metrics system). `/metrics` renders ``render(store:)``.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Also given to an in-process forwarder (`forward_*` metrics on /metrics).
    let factory: PrometheusMetricsFactory
    private let ackLatency: CoreMetrics.Timer
    private let tailClients: CoreMetrics.Meter
    private let storeSegments: CoreMetrics.Gauge
    private let storeBytes: CoreMetrics.Gauge
    private let storeBuffered: CoreMetrics.Gauge

    init() {
        factory = PrometheusMetricsFactory(registry: registry)
        ackLatency = CoreMetrics.Timer(label: "logstore_ingest_ack_seconds", dimensions: [], factory: factory)
        tailClients = CoreMetrics.Meter(label: "logstore_tail_clients", dimensions: [], factory: factory)
        storeSegments = CoreMetrics.Gauge(label: "logstore_store_segments", dimensions: [], factory: factory)
        storeBytes = CoreMetrics.Gauge(label: "logstore_store_segment_bytes", dimensions: [], factory: factory)
        storeBuffered = CoreMetrics.Gauge(label: "logstore_store_buffered_records", dimensions: [], factory: factory)
    }

    /// One answered request: `logstore_http_requests_total{route,status}`.
    func request(route: String, status: Int) {
        Counter(label: "logstore_http_requests_total", dimensions: [("route", route), ("status", String(status))],
                factory: factory).increment()
    }

    /// Records stored and the body bytes they came in: `logstore_ingested_records_total{protocol}`,
    /// `logstore_ingested_bytes_total{protocol}`.
    func ingested(protocol name: String, records: Int, bytes: Int) {
        Counter(label: "logstore_ingested_records_total", dimensions: [("protocol", name)], factory: factory)
            .increment(by: records)
        Counter(label: "logstore_ingested_bytes_total", dimensions: [("protocol", name)], factory: factory)
            .increment(by: bytes)
    }

    /// Records not stored: `logstore_rejected_records_total{reason}` (decode, invalid, future, expired,
    /// duplicate, overload, unavailable).
    func rejected(_ count: Int, reason: String) {
        guard count > 0 else { return }
        Counter(label: "logstore_rejected_records_total", dimensions: [("reason", reason)], factory: factory)
            .increment(by: count)
    }

    /// The time from a request's arrival to its durable acknowledgement.
    func ackLatency(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        ackLatency.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func tailClientsChanged(by delta: Int) {
        if delta > 0 { tailClients.increment(by: Double(delta)) } else { tailClients.decrement(by: Double(-delta)) }
    }

    /// The Prometheus text exposition, with the store's sizes read now.
    func render(store: LogStore) -> [UInt8] {
        let statistics = store.statistics
        storeSegments.record(statistics.segmentCount)
        storeBytes.record(statistics.segmentBytes)
        storeBuffered.record(statistics.bufferedRecords)
        return registry.emitToBuffer()
    }
}
