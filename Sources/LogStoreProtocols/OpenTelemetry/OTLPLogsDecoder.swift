#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogStore
import LogStoreFormat
import SwiftProtobuf

/// Decodes OTLP/HTTP log export requests (`ExportLogsServiceRequest`) into records; pure, no I/O.
///
/// The server stores what ``decodeProtobufRows(_:receiveTime:options:)`` and
/// ``decodeJSONRows(_:receiveTime:options:)`` return: rows in the engine's row encoding, with no
/// `LogRecord` per record. ``decodeProtobuf(_:receiveTime:options:)`` and
/// ``decodeJSON(_:receiveTime:options:)`` return the records of those same rows.
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
        try decodeProtobufRows(bytes, receiveTime: receiveTime, options: options).records()
    }

    /// Decodes the JSON encoding (`application/json`), OTLP's flavour (see ``OTLPJSONReader``).
    ///
    /// Throws when the body is not JSON or its structure is wrong above the log records; a log record
    /// that cannot be read or mapped is skipped and listed in ``DecodedRecords/rejected``.
    public static func decodeJSON(_ bytes: [UInt8], receiveTime: Int64,
                                  options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRecords {
        try decodeJSONRows(bytes, receiveTime: receiveTime, options: options).records()
    }

    /// Decodes the protobuf encoding with swift-protobuf's runtime and maps the messages straight into
    /// rows in the engine's row encoding (docs/FORMAT.md, 3.4), the form `LogStore.append(rows:)` stores
    /// (``OTLPRowMapper``).
    package static func decodeProtobufRows(_ bytes: [UInt8], receiveTime: Int64,
                                           options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRows {
        let request = try message(bytes)
        var result = DecodedRows()
        // A row takes about 1.5× the record's protobuf (hex ids, the source and shared attributes per row).
        var rows = OTLPRowBytes(capacity: bytes.count + bytes.count / 2)
        OTLPRowMapper(options: options, receiveTime: receiveTime).map(request, into: &rows, rejected: &result.rejected)
        rows.move(into: &result.rows)
        return result
    }

    /// Decodes the JSON encoding into rows: in one pass (``OTLPJSONRowReader``) for the bodies it
    /// takes, else through the JSON tree and the OTLP messages (every body with an error above its
    /// records, which that path names).
    package static func decodeJSONRows(_ bytes: [UInt8], receiveTime: Int64,
                                       options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRows {
        let fast = OTLPIdempotency.mentionsKey(bytes) ? nil : bytes.withUnsafeBufferPointer { body -> DecodedRows? in
            var reader = OTLPJSONRowReader(options: options, receiveTime: receiveTime, capacity: bytes.count)
            return try? reader.read(body)
        }
        if let fast { return fast }
        return try decodeJSONRowsFromTree(bytes, receiveTime: receiveTime, options: options)
    }

    /// ``decodeJSONRows(_:receiveTime:options:)`` through the JSON tree and the OTLP messages, for every body.
    package static func decodeJSONRowsFromTree(_ bytes: [UInt8], receiveTime: Int64,
                                               options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRows {
        var reader = OTLPJSONReader()
        let request = try reader.request(JSONTreeParser.parse(bytes))
        var result = DecodedRows()
        result.rejected = reader.rejected
        OTLPRowMapper(options: options, receiveTime: receiveTime).map(request, into: &result.rows, rejected: &result.rejected)
        return result
    }

    /// The reference mapping: the messages mapped into `LogRecord`s by ``OTLPRecordMapper``, which
    /// states the documented mapping field by field. The row paths must give the rows of these records.
    static func decodeProtobufRecords(_ bytes: [UInt8], receiveTime: Int64,
                                      options: OTLPMappingOptions = OTLPMappingOptions()) throws(ProtocolDecodeError) -> DecodedRecords {
        let request = try message(bytes)
        var result = DecodedRecords()
        OTLPRecordMapper(options: options, receiveTime: receiveTime).map(request, into: &result)
        return result
    }

    /// The reference mapping of the JSON encoding (see ``decodeProtobufRecords(_:receiveTime:options:)``).
    static func decodeJSONRecords(_ bytes: [UInt8], receiveTime: Int64,
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

    static func message(_ bytes: [UInt8]) throws(ProtocolDecodeError) -> OTLPExportRequest {
        do {
            return try OTLPExportRequest(serializedBytes: bytes)
        } catch {
            throw ProtocolDecodeError(place: "body", reason: "not a valid protobuf ExportLogsServiceRequest (\(error))")
        }
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

    /// The records of the rows (their sequence numbers 0). A row that does not decode — the decoders
    /// never write one, the fuzz target checks it — is listed as rejected, with its index.
    func records() -> DecodedRecords {
        var result = DecodedRecords(rejected: rejected)
        result.records.reserveCapacity(rows.count)
        rows.bytes.withBytes { all in
            var start = 0
            for (index, end) in rows.ends.enumerated() {
                defer { start = end }
                var reader = ByteReader(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                do throws(FormatError) {
                    let record = try RowCodec.decode(&reader, sequence: 0)
                    guard reader.isAtEnd else { throw FormatError("bytes after the row", at: reader.offset) }
                    result.records.append(record)
                } catch {
                    result.rejected.append(ProtocolDecodeError(place: "row \(index)", reason: "the row the decoder wrote does not decode: \(error)"))
                }
            }
        }
        return result
    }
}
