import Instrumentation

extension LogStoreLogHandler {
    /// Finds the trace ID of `context` through the bootstrapped instrument (`InstrumentationSystem`):
    /// it injects the context into a dictionary, as for an outgoing request, and reads the W3C
    /// `traceparent` header's trace ID (swift-otel and other W3C tracers), else the value of a key whose
    /// name contains `trace-id`, `trace_id` or `traceid` (case-insensitive). Nil when there is none.
    public static let traceIDFromInstrument: @Sendable (ServiceContext) -> String? = { context in
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return traceID(in: carrier)
    }

    /// The trace ID in injected headers; see ``LogStoreLogHandler/traceIDFromInstrument``.
    static func traceID(in carrier: [String: String]) -> String? {
        if let parent = carrier.first(where: { $0.key.lowercased() == "traceparent" })?.value {
            let fields = parent.split(separator: "-")
            if fields.count >= 4, fields[1].count == 32 { return String(fields[1]) }
        }
        for key in carrier.keys.sorted() {
            let k = key.lowercased()
            if k.contains("trace-id") || k.contains("trace_id") || k.contains("traceid"), let v = carrier[key], !v.isEmpty {
                return v
            }
        }
        return nil
    }
}

struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
