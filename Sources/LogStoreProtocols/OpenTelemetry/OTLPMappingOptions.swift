/// How OTLP log records become LogStore records (docs/SERVER.md, "OTLP mapping").
public struct OTLPMappingOptions: Sendable, Hashable {
    /// Default nil: a record's `trace_id` (hex) is its correlation ID. When set, the record attribute with
    /// this key (a string or an integer) is the correlation ID instead, and `trace_id` is kept as the
    /// attribute `trace_id`; a record without the attribute falls back to its `trace_id`.
    public var correlationAttribute: String?

    public init(correlationAttribute: String? = nil) {
        self.correlationAttribute = correlationAttribute
    }
}
