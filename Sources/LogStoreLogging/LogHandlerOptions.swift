import Instrumentation

/// Settings of a ``LogStoreLogHandler``.
public struct LogHandlerOptions: Sendable {
    /// Default `correlation_id`. The metadata key whose value becomes the correlation ID (and is not
    /// kept as an attribute).
    public var correlationIDKey = "correlation_id"
    /// Default 0 (never wait). With the ingestor's `.block` policy, how long a log call may wait for
    /// room in a full buffer before its record is dropped; the other policies never wait.
    public var maxBlock: Duration = .zero
    /// Default ``LogStoreLogHandler/traceIDFromInstrument``. Finds the trace ID in a `ServiceContext`, used as the
    /// correlation ID when the metadata has none; nil turns this off.
    public var traceID: (@Sendable (ServiceContext) -> String?)? = LogStoreLogHandler.traceIDFromInstrument
    /// Default: the wall clock. Nanoseconds since the epoch for each record's timestamp.
    public var now: @Sendable () -> Int64 = LogStoreLogHandler.wallClock

    public init() {}
}
