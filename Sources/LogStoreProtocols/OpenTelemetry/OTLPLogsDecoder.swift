#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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
}
