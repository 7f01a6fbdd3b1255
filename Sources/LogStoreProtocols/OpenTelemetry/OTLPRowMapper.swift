#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogStore
import LogStoreFormat
import SwiftProtobuf

/// Maps decoded OTLP messages straight into rows in the engine's row encoding (docs/FORMAT.md, 3.4),
/// the form `LogStore.append(rows:)` stores, with the mapping of ``OTLPRecordMapper`` (docs/SERVER.md,
/// "OTLP mapping"): each row is byte for byte what `RowCodec.encode` writes for the `LogRecord`
/// ``OTLPRecordMapper`` builds, and the same records are rejected with the same places and reasons.
///
/// No `LogRecord`, attribute array or hex `String` is built per record: the resource's source and
/// the scope and resource attributes are encoded once per scope and their bytes copied into each row;
/// ids are written as hex straight into the row.
struct OTLPRowMapper {
    let options: OTLPMappingOptions
    let receiveTime: Int64

    func map(_ request: OTLPExportRequest, into rows: inout EncodedRows, rejected: inout [ProtocolDecodeError]) {
        var out = OTLPRowBytes(capacity: 0)
        map(request, into: &out, rejected: &rejected)
        out.move(into: &rows)
    }

    /// Writes the rows of `request` into `out`; the records that cannot be mapped are listed in
    /// `rejected` with their places. The records are read where the message holds them (no copy of a
    /// record, its strings or its attributes per record).
    func map(_ request: OTLPExportRequest, into out: inout OTLPRowBytes, rejected: inout [ProtocolDecodeError]) {
        var shared = ByteWriter(capacity: 1024)
        for (r, resourceLogs) in request.resourceLogs.enumerated() {
            let resource = OTLPRecordMapper.ResourceContext(resourceLogs.resource)
            for (s, scopeLogs) in resourceLogs.scopeLogs.enumerated() {
                let scope = OTLPRecordMapper.ScopeContext(scopeLogs.hasScope ? scopeLogs.scope : nil)
                // What every row of this scope ends with: the scope's attributes, then the resource's.
                shared.removeAll()
                for a in scope.attributes { Self.attribute(a, into: &shared) }
                for a in resource.attributes { Self.attribute(a, into: &shared) }
                let context = Context(source: resource.source, sharedCount: scope.attributes.count + resource.attributes.count)
                shared.withBytes { sharedBytes in
                    scopeLogs.logRecords.withUnsafeBufferPointer { records in
                        for i in records.indices {
                            do throws(ProtocolDecodeError) {
                                try map(records[i], context: context, shared: sharedBytes, into: &out)
                            } catch {
                                let place = "resourceLogs[\(r)].scopeLogs[\(s)].logRecords[\(i)]"
                                rejected.append(ProtocolDecodeError(
                                    place: error.place.isEmpty ? place : "\(place).\(error.place)", reason: error.reason))
                            }
                        }
                    }
                }
            }
        }
    }

    /// What the rows of one scope share besides the encoded attributes.
    struct Context {
        let source: String
        let sharedCount: Int
    }

    /// Appends the row of `record` to `out`; throws, writing nothing, when the record is rejected.
    func map(_ record: OTLPLogRecord, context: Context, shared: UnsafeRawBufferPointer,
             into out: inout OTLPRowBytes) throws(ProtocolDecodeError) {
        // Every check that can reject the record comes before the first byte is written, in the order
        // OTLPRecordMapper makes them, so both name the same first problem.
        let timestamp = try OTLPRecordMapper.timestamp(record, receiveTime: receiveTime)
        var correlationIndex = -1
        var attributeID: String?
        if let key = options.correlationAttribute {
            for (k, kv) in record.attributes.enumerated() where kv.key == key {
                if let id = OTLPValues.correlationText(kv.value) {
                    (correlationIndex, attributeID) = (k, id)
                    break
                }
            }
        }
        let hasTrace = try Self.checkID(record.traceID, length: 16, field: "traceId")
        let hasSpan = try Self.checkID(record.spanID, length: 8, field: "spanId")
        if let id = attributeID, id.utf8.count > RecordLimits.maxCorrelationIDBytes {
            throw ProtocolDecodeError(place: "attributes.\(options.correlationAttribute ?? "")",
                                      reason: "correlation ID of \(id.utf8.count) bytes exceeds \(RecordLimits.maxCorrelationIDBytes) bytes")
        }

        Self.write(record, timestamp: timestamp, context: context, attributeID: attributeID,
                   correlationIndex: correlationIndex, hasTrace: hasTrace, hasSpan: hasSpan, shared: shared, into: &out)
        out.endRow()
        OTLPIdempotency.keyLastRow(of: record, in: &out)
    }

    /// The row of a record that passed every check.
    @inline(__always)
    static func write(_ record: OTLPLogRecord, timestamp: Int64, context: Context, attributeID: String?,
                      correlationIndex: Int, hasTrace: Bool, hasSpan: Bool, shared: UnsafeRawBufferPointer,
                      into w: inout OTLPRowBytes) {
        w.i64(timestamp)
        w.u8(OTLPRecordMapper.level(record.severityNumber.rawValue, text: record.severityText).rawValue)
        w.string(context.source)
        if let id = attributeID {
            w.u8(1)
            w.string(id)
        } else if hasTrace {
            w.u8(1)
            record.traceID.withUnsafeBytes { w.hex($0) }
        } else {
            w.u8(0)
        }
        if record.hasBody {
            switch record.body.value {
            case .stringValue(let s)?: w.string(s)
            case nil: w.u8(0)
            default: w.string(OTLPValues.jsonText(record.body))
            }
        } else {
            w.u8(0)
        }
        var count = record.attributes.count - (correlationIndex >= 0 ? 1 : 0) + context.sharedCount
        if hasTrace && attributeID != nil { count += 1 }
        if hasSpan { count += 1 }
        if !record.severityText.isEmpty { count += 1 }
        if !record.eventName.isEmpty { count += 1 }
        w.varint(count)
        record.attributes.withUnsafeBufferPointer { attributes in
            for k in attributes.indices where k != correlationIndex {
                w.string(attributes[k].key)
                Self.value(attributes[k].value, into: &w)
            }
        }
        if hasTrace && attributeID != nil {
            w.string(Self.traceIDKey)
            w.u8(AttributeType.string)
            record.traceID.withUnsafeBytes { w.hex($0) }
        }
        if hasSpan {
            w.string(Self.spanIDKey)
            w.u8(AttributeType.string)
            record.spanID.withUnsafeBytes { w.hex($0) }
        }
        if !record.severityText.isEmpty {
            w.string(Self.severityTextKey)
            w.u8(AttributeType.string)
            w.string(record.severityText)
        }
        if !record.eventName.isEmpty {
            w.string(Self.eventNameKey)
            w.u8(AttributeType.string)
            w.string(record.eventName)
        }
        w.raw(shared)
    }

    static let traceIDKey = "trace_id"
    static let spanIDKey = "span_id"
    static let severityTextKey = "severity_text"
    static let eventNameKey = "event_name"

    /// True when the id is present (not empty, not all zero); throws when present with the wrong length.
    static func checkID(_ bytes: Data, length: Int, field: String) throws(ProtocolDecodeError) -> Bool {
        if bytes.isEmpty || bytes.withUnsafeBytes({ $0.allSatisfy { $0 == 0 } }) { return false }
        guard bytes.count == length else {
            throw ProtocolDecodeError(place: field, reason: "\(bytes.count) bytes, expected \(length)")
        }
        return true
    }

    /// An attribute already mapped (scope and resource ones): key and value as `RowCodec` writes them.
    static func attribute(_ a: Attribute, into w: inout ByteWriter) {
        w.string(a.key)
        RowCodec.encodeValue(a.value, into: &w)
    }

    /// A record attribute's value as ``OTLPValues/attributeValue(_:)`` maps it, written without boxing.
    @inline(__always)
    static func value(_ value: OTLPAnyValue, into w: inout OTLPRowBytes) {
        switch value.value {
        case .stringValue(let s)?:
            w.u8(AttributeType.string)
            w.string(s)
        case .intValue(let i)?:
            w.u8(AttributeType.int)
            w.zigzag(i)
        case .doubleValue(let d)?:
            w.u8(AttributeType.double)
            w.u64(d.bitPattern)
        case .boolValue(let b)?:
            w.u8(AttributeType.bool)
            w.u8(b ? 1 : 0)
        case .bytesValue?, .arrayValue?, .kvlistValue?:
            w.u8(AttributeType.string)
            w.string(OTLPValues.jsonText(value))
        case nil:
            w.u8(AttributeType.string)
            w.u8(0)
        }
    }
}
