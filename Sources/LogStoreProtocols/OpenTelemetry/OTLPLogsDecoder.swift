#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogStore
import SwiftProtobuf

/// Decodes OTLP/HTTP log export requests (`ExportLogsServiceRequest`) into records; pure, no I/O.
///
/// ```swift
/// let body: [UInt8] = Array(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"}}]}]}]}"#.utf8)
/// let decoded = try OTLPLogsDecoder.decodeJSON(body, receiveTime: 1_700_000_000_000_000_000)
/// print(decoded.records.count, decoded.rejected)
/// ```
public enum OTLPLogsDecoder {
    /// Decodes the protobuf encoding (`application/x-protobuf`).
    ///
    /// Throws when the bytes are not a valid message (malformed, truncated, invalid UTF-8 in a string);
    /// records that cannot be mapped are skipped and listed in ``DecodedRecords/rejected``.
    public static func decodeProtobuf(_ bytes: [UInt8], receiveTime: Int64,
                                      options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRecords {
        let request: OTLPExportRequest
        do {
            request = try OTLPExportRequest(serializedBytes: bytes)
        } catch {
            throw ProtocolDecodeError(place: "body", reason: "not a valid protobuf ExportLogsServiceRequest (\(error))")
        }
        var result = DecodedRecords()
        OTLPRecordMapper(options: options, receiveTime: receiveTime).map(request, into: &result)
        return result
    }

    /// Decodes the JSON encoding (`application/json`), OTLP's flavour (see ``OTLPJSONReader``).
    ///
    /// Throws when the body is not JSON or its structure is wrong above the log records; a log record
    /// that cannot be read or mapped is skipped and listed in ``DecodedRecords/rejected``.
    public static func decodeJSON(_ bytes: [UInt8], receiveTime: Int64,
                                  options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRecords {
        let json = try JSONTreeParser.parse(bytes)
        var reader = OTLPJSONReader()
        let request = try reader.request(json)
        var result = DecodedRecords()
        OTLPRecordMapper(options: options, receiveTime: receiveTime).map(request, into: &result)
        // JSON-level rejections come before mapping ones; both are in input order within their kind.
        result.rejected = reader.rejected + result.rejected
        return result
    }

    /// Decodes like ``decodeProtobuf(_:receiveTime:options:)`` into rows in the engine's row encoding
    /// (docs/FORMAT.md, 3.4), the form `LogStore.append(rows:)` stores without a `LogRecord` per record;
    /// the rows and rejections equal those of the records ``decodeProtobuf(_:receiveTime:options:)`` returns.
    package static func decodeProtobufRows(_ bytes: [UInt8], receiveTime: Int64,
                                           options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRows {
        let request: OTLPExportRequest
        do {
            request = try OTLPExportRequest(serializedBytes: bytes)
        } catch {
            throw ProtocolDecodeError(place: "body", reason: "not a valid protobuf ExportLogsServiceRequest (\(error))")
        }
        var result = DecodedRows()
        OTLPRowMapper(options: options, receiveTime: receiveTime).map(request, into: &result.rows, rejected: &result.rejected)
        return result
    }

    /// Decodes like ``decodeJSON(_:receiveTime:options:)`` into rows (see ``decodeProtobufRows(_:receiveTime:options:)``).
    package static func decodeJSONRows(_ bytes: [UInt8], receiveTime: Int64,
                                       options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRows {
        // One pass straight into rows for the bodies it takes; the general reader for the rest (and for
        // every body with an error above its records, which it names).
        let fast = bytes.withUnsafeBufferPointer { body -> DecodedRows? in
            var reader = OTLPJSONRowReader(options: options, receiveTime: receiveTime)
            return try? reader.read(body)
        }
        if let fast { return fast }
        return try decodeJSONRowsFromTree(bytes, receiveTime: receiveTime, options: options)
    }

    /// ``decodeJSONRows(_:receiveTime:options:)`` through the JSON tree and the OTLP messages: the
    /// general reader, for every body.
    package static func decodeJSONRowsFromTree(_ bytes: [UInt8], receiveTime: Int64,
                                               options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRows {
        let json = try JSONTreeParser.parse(bytes)
        var reader = OTLPJSONReader()
        let request = try reader.request(json)
        var result = DecodedRows()
        result.rejected = reader.rejected
        OTLPRowMapper(options: options, receiveTime: receiveTime).map(request, into: &result.rows, rejected: &result.rejected)
        return result
    }
}

/// Records decoded into rows in the engine's row encoding (docs/FORMAT.md, 3.4), and the items not
/// turned into records.
package struct DecodedRows: Sendable {
    /// The rows, in input order.
    package var rows = EncodedRows()
    /// The items not turned into records, in input order.
    package var rejected: [ProtocolDecodeError] = []

    package init() {}
}
