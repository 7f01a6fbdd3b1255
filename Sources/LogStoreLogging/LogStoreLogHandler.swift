import Instrumentation
import LogStore
import LogStorePipeline
import Logging
import Glibc
import LogStoreFormat

/// A swift-log backend that stores every log event in a `LogStore` through an `Ingestor`.
///
/// ```swift
/// let store = try LogStore.open(at: "/var/lib/app/logs")
/// let ingestor = try Ingestor(store: store)
/// LoggingSystem.bootstrap(LogStoreLogHandler.factory(ingestor: ingestor))
/// Logger(label: "api").info("started", metadata: ["correlation_id": "3f2a…", "port": "8080"])
/// ```
///
/// The logger's label becomes the record's source, its level the level (swift-log's seven levels map
/// one to one), the message the message, and metadata (handler, provider, then call site, later ones
/// winning) become attributes, nested dictionaries as dotted keys. The correlation ID comes from the
/// metadata key ``LogHandlerOptions/correlationIDKey`` or else from the trace ID of the current `ServiceContext`.
///
/// Logging never throws and never blocks longer than ``LogHandlerOptions/maxBlock``: when the ingestor's buffer
/// is full (a slow or full disk, a damaged store) records are dropped and counted by the ingestor.
public struct LogStoreLogHandler: LogHandler {
    /// Where records go.
    public let ingestor: Ingestor
    /// The logger's label, stored as each record's source.
    public let label: String
    public let options: LogHandlerOptions
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info

    public init(label: String, ingestor: Ingestor, options: LogHandlerOptions = LogHandlerOptions(),
                metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.ingestor = ingestor
        self.options = options
        self.metadataProvider = metadataProvider
    }

    /// A factory for `LoggingSystem.bootstrap(_:)` (and `Logger(label:factory:)`):
    /// `LoggingSystem.bootstrap(LogStoreLogHandler.factory(ingestor: ingestor, options: options))`.
    /// Handlers get no metadata provider; to set one, bootstrap with ``metadataProviderFactory(ingestor:options:)``.
    public static func factory(ingestor: Ingestor, options: LogHandlerOptions = LogHandlerOptions()) -> @Sendable (String) -> any LogHandler {
        { label in LogStoreLogHandler(label: label, ingestor: ingestor, options: options) }
    }

    /// A factory for `LoggingSystem.bootstrap(_:metadataProvider:)`, which hands each handler the
    /// bootstrapped metadata provider:
    /// `LoggingSystem.bootstrap(LogStoreLogHandler.metadataProviderFactory(ingestor: ingestor), metadataProvider: provider)`.
    public static func metadataProviderFactory(ingestor: Ingestor, options: LogHandlerOptions = LogHandlerOptions())
        -> @Sendable (String, Logger.MetadataProvider?) -> any LogHandler {
        { label, provider in LogStoreLogHandler(label: label, ingestor: ingestor, options: options, metadataProvider: provider) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let record = makeRecord(event)
        if options.maxBlock > .zero {
            ingestor.offer(record, waitingUpTo: options.maxBlock)
        } else {
            ingestor.offer(record)
        }
    }

    /// The record for one event.
    func makeRecord(_ event: LogEvent) -> LogRecord {
        // The common case, a handler without metadata or provider, takes the call's dictionary as it
        // is (merging rehashes every key).
        var merged = metadata
        if let provided = metadataProvider?.get() {
            if merged.isEmpty { merged = provided } else { merged.merge(provided) { _, new in new } }
        }
        if let call = event.metadata {
            if merged.isEmpty { merged = call } else { merged.merge(call) { _, new in new } }
        }
        var correlationID: String?
        if let value = merged.removeValue(forKey: options.correlationIDKey) {
            correlationID = MetadataAttributes.text(value)
        }
        if correlationID == nil || correlationID?.isEmpty == true, let context = ServiceContext.current,
           let extract = options.traceID {
            correlationID = extract(context)
        }
        if let id = correlationID, id.utf8.count > RecordLimits.maxCorrelationIDBytes {
            merged["correlation_id_truncated"] = .string(id)      // kept, never silently lost
            correlationID = String(decoding: id.utf8.prefix(RecordLimits.maxCorrelationIDBytes), as: UTF8.self)
        }
        var attributes: [Attribute] = []
        if let error = event.error { attributes.append(Attribute("error", .string(String(describing: error)))) }
        MetadataAttributes.append(merged, into: &attributes)
        return LogRecord(timestamp: options.now(), level: Self.level(event.level), source: label,
                         correlationID: correlationID, message: event.message.description, attributes: attributes)
    }

    static func level(_ level: Logger.Level) -> LogLevel {
        switch level {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }

    /// The wall clock in nanoseconds since the epoch.
    public static let wallClock: @Sendable () -> Int64 = {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }
}
