import LogStore
import LogStoreProtocols

/// Writes the protobuf bytes of ``OTLPLogMapper/request(_:storeID:)`` straight from the records, without
/// building swift-protobuf messages (an allocation per record, attribute and value made the exporter
/// three times as costly as the ClickHouse forwarder). The bytes are those swift-protobuf serializes for
/// the same message, field for field and in the same order (`OTLPMappingRoundTripTests` compares them).
///
/// Field numbers (opentelemetry/proto 1.x): `ExportLogsServiceRequest.resource_logs` 1;
/// `ResourceLogs.resource` 1, `.scope_logs` 2; `Resource.attributes` 1; `ScopeLogs.log_records` 2;
/// `LogRecord.time_unix_nano` 1 (fixed64), `.severity_number` 2, `.severity_text` 3, `.body` 5,
/// `.attributes` 6, `.trace_id` 9; `KeyValue.key` 1, `.value` 2; `AnyValue.string_value` 1, `.bool_value` 2,
/// `.int_value` 3, `.double_value` 4 (fixed64).
struct OTLPProtobufEncoder {
    private var record: [UInt8] = []
    private var scope: [UInt8] = []
    private var resource: [UInt8] = []
    private var value: [UInt8] = []

    init() {
        record.reserveCapacity(1024)
        scope.reserveCapacity(1 << 20)
        resource.reserveCapacity(1 << 20)
    }

    /// The request for `records`, appended to `out`.
    mutating func request(_ records: ArraySlice<LogRecord>, storeID: String, into out: inout [UInt8]) {
        var index = records.startIndex
        while index < records.endIndex {
            let source = records[index].source
            scope.removeAll(keepingCapacity: true)
            while index < records.endIndex, records[index].source == source {
                logRecord(records[index], storeID: storeID)
                Self.message(2, record, into: &scope)   // ScopeLogs.log_records
                index += 1
            }
            resource.removeAll(keepingCapacity: true)
            if !source.isEmpty {
                record.removeAll(keepingCapacity: true)
                keyValue("service.name", .string(source), into: &record)   // Resource.attributes, as a KeyValue
                var attributes: [UInt8] = []
                Self.message(1, record, into: &attributes)
                Self.message(1, attributes, into: &resource)   // ResourceLogs.resource
            }
            Self.message(2, scope, into: &resource)   // ResourceLogs.scope_logs: one ScopeLogs, only log_records
            Self.message(1, resource, into: &out)   // ExportLogsServiceRequest.resource_logs
        }
    }

    /// The body of one LogRecord message, in `record`.
    private mutating func logRecord(_ r: LogRecord, storeID: String) {
        record.removeAll(keepingCapacity: true)
        if r.timestamp > 0 {
            Self.tag(1, wire: 1, into: &record)
            Self.fixed64(UInt64(r.timestamp), into: &record)
        }
        Self.tag(2, wire: 0, into: &record)
        Self.varint(UInt64(OTLPLogMapper.severity(r.level).rawValue), into: &record)
        if r.level == .notice { Self.string(3, "NOTICE", into: &record) }
        if !r.message.isEmpty {
            value.removeAll(keepingCapacity: true)
            Self.string(1, r.message, into: &value)
            Self.message(5, value, into: &record)
        }
        for attribute in r.attributes { attributeField(attribute.key, attribute.value) }
        var traceID: [UInt8]?
        if let id = r.correlationID, !id.isEmpty {
            if let bytes = OTLPLogMapper.traceIDBytes(id) { traceID = bytes } else { attributeField(OTLPLogMapper.correlationAttribute, .string(id)) }
        }
        attributeField(OTLPIdempotency.attributeKey, .string(OTLPLogMapper.idempotencyKey(storeID: storeID, sequence: r.sequence)))
        if let traceID {
            Self.tag(9, wire: 2, into: &record)
            Self.varint(UInt64(traceID.count), into: &record)
            record.append(contentsOf: traceID)
        }
    }

    /// `LogRecord.attributes` (field 6) holding one KeyValue, appended to `record`.
    private mutating func attributeField(_ key: String, _ attributeValue: AttributeValue) {
        value.removeAll(keepingCapacity: true)
        keyValue(key, attributeValue, into: &value)
        Self.message(6, value, into: &record)
    }

    /// The body of a KeyValue message.
    private func keyValue(_ key: String, _ attributeValue: AttributeValue, into out: inout [UInt8]) {
        Self.string(1, key, into: &out)
        var any: [UInt8] = []
        switch attributeValue {
        case .string(let s): Self.string(1, s, into: &any)
        case .bool(let b):
            Self.tag(2, wire: 0, into: &any)
            any.append(b ? 1 : 0)
        case .int(let i):
            Self.tag(3, wire: 0, into: &any)
            Self.varint(UInt64(bitPattern: i), into: &any)
        case .double(let d):
            Self.tag(4, wire: 1, into: &any)
            Self.fixed64(d.bitPattern, into: &any)
        }
        Self.message(2, any, into: &out)
    }

    static func tag(_ field: UInt64, wire: UInt64, into out: inout [UInt8]) { varint(field << 3 | wire, into: &out) }

    static func varint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func fixed64(_ value: UInt64, into out: inout [UInt8]) {
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    static func string(_ field: UInt64, _ text: String, into out: inout [UInt8]) {
        tag(field, wire: 2, into: &out)
        var text = text
        text.withUTF8 { bytes in
            varint(UInt64(bytes.count), into: &out)
            out.append(contentsOf: bytes)
        }
    }

    static func message(_ field: UInt64, _ body: [UInt8], into out: inout [UInt8]) {
        tag(field, wire: 2, into: &out)
        varint(UInt64(body.count), into: &out)
        out.append(contentsOf: body)
    }
}
