#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogStore
import LogStoreProtocols

/// Records as OTLP log records, the inverse of `logstore serve`'s OTLP mapping (docs/SERVER.md,
/// "OTLP mapping"; what round-trips exactly: docs/FORWARDING.md 8):
///
/// - timestamp → `time_unix_nano` (a timestamp at or before 1970 is not representable: left 0, and the
///   receiver uses its receive time);
/// - level → `severity_number` trace 1, debug 5, info 9, notice 10 (with `severity_text` `NOTICE`),
///   warning 13, error 17, critical 21;
/// - source → the resource attribute `service.name` (a run of records with the same source shares one
///   `ResourceLogs`, so the records keep their order);
/// - correlation ID → `trace_id` when it is 32 lowercase hex digits (not all zero), else the string
///   attribute `correlation_id`;
/// - attributes → attributes, typed (string, int, double, bool), in order;
/// - message → a string `body`;
/// - and the attribute `logstore.idempotency_key` = `STORE-ID/SEQ` (``idempotencyKey(storeID:sequence:)``).
enum OTLPLogMapper {
    /// The attribute a correlation ID that is not a trace id travels in.
    static let correlationAttribute = "correlation_id"

    /// One export request for `records`, in their order.
    static func request(_ records: ArraySlice<LogRecord>, storeID: String) -> OTLPExportRequest {
        var request = OTLPExportRequest()
        var index = records.startIndex
        while index < records.endIndex {
            let source = records[index].source
            var scope = OTLPScopeLogs()
            while index < records.endIndex, records[index].source == source {
                scope.logRecords.append(logRecord(records[index], storeID: storeID))
                index += 1
            }
            var resourceLogs = OTLPResourceLogs()
            if !source.isEmpty { resourceLogs.resource.attributes = [keyValue("service.name", .string(source))] }
            resourceLogs.scopeLogs = [scope]
            request.resourceLogs.append(resourceLogs)
        }
        return request
    }

    /// The OTLP log record of `record`.
    static func logRecord(_ record: LogRecord, storeID: String) -> OTLPLogRecord {
        var out = OTLPLogRecord()
        if record.timestamp > 0 { out.timeUnixNano = UInt64(record.timestamp) }
        out.severityNumber = severity(record.level)
        if record.level == .notice { out.severityText = "NOTICE" }
        if !record.message.isEmpty { out.body.stringValue = record.message }
        out.attributes.reserveCapacity(record.attributes.count + 2)
        for attribute in record.attributes { out.attributes.append(keyValue(attribute.key, attribute.value)) }
        if let id = record.correlationID, !id.isEmpty {
            if let traceID = traceID(id) {
                out.traceID = traceID
            } else {
                out.attributes.append(keyValue(correlationAttribute, .string(id)))
            }
        }
        out.attributes.append(keyValue(OTLPIdempotency.attributeKey, .string(idempotencyKey(storeID: storeID, sequence: record.sequence))))
        return out
    }

    /// `STORE-ID/SEQ`; when that would pass the 255-byte limit of idempotency keys, `#` and the FNV-1a
    /// (64-bit) hash of the store id in hex stand for the store id.
    static func idempotencyKey(storeID: String, sequence: UInt64) -> String {
        let key = storeID + "/" + String(sequence)
        if key.utf8.count <= IdempotencyKey.maxBytes { return key }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in storeID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "#" + String(hash, radix: 16) + "/" + String(sequence)
    }

    static func severity(_ level: LogLevel) -> Opentelemetry_Proto_Logs_V1_SeverityNumber {
        switch level {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .info2
        case .warning: .warn
        case .error: .error
        case .critical: .fatal
        }
    }

    /// The 16 bytes of a correlation ID of 32 lowercase hex digits, not all zero; else nil.
    static func traceID(_ id: String) -> Data? { traceIDBytes(id).map { Data($0) } }

    /// ``traceID(_:)`` as bytes.
    static func traceIDBytes(_ id: String) -> [UInt8]? {
        let utf8 = id.utf8
        guard utf8.count == 32 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        var i = 0
        var nonZero = false
        for c in utf8 {
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            if digit != 0 { nonZero = true }
            bytes[i >> 1] |= i & 1 == 0 ? digit << 4 : digit
            i += 1
        }
        return nonZero ? bytes : nil
    }

    static func keyValue(_ key: String, _ value: AttributeValue) -> OTLPKeyValue {
        var kv = OTLPKeyValue()
        kv.key = key
        switch value {
        case .string(let s): kv.value.stringValue = s
        case .int(let i): kv.value.intValue = i
        case .double(let d): kv.value.doubleValue = d
        case .bool(let b): kv.value.boolValue = b
        }
        return kv
    }
}
