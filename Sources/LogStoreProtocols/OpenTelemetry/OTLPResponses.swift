#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SwiftProtobuf
import LogStoreFormat

/// The bodies of OTLP/HTTP answers, in the request's encoding.
public enum OTLPResponses {
    /// The body of a 200: an `ExportLogsServiceResponse`, with `partial_success` when records were
    /// rejected (their count and the first reason).
    public static func success(rejected: Int, firstReason: String?, json: Bool) -> [UInt8] {
        var response = OTLPExportResponse()
        if rejected > 0 {
            response.partialSuccess.rejectedLogRecords = Int64(rejected)
            response.partialSuccess.errorMessage = firstReason ?? ""
        }
        if json {
            guard rejected > 0 else { return Array("{}".utf8) }
            var out = JSONWriter()
            out.raw("{\"partialSuccess\":{\"rejectedLogRecords\":\"\(rejected)\",\"errorMessage\":")
            out.string(firstReason ?? "")
            out.raw("}}")
            return out.bytes
        }
        return (try? response.serializedBytes()) ?? []
    }

    /// The body of a 4xx or 5xx: a `google.rpc.Status` with a gRPC code and the message.
    public static func status(code: Int32, message: String, json: Bool) -> [UInt8] {
        if json {
            var out = JSONWriter()
            out.raw("{\"code\":\(code),\"message\":")
            out.string(message)
            out.raw("}")
            return out.bytes
        }
        var status = OTLPStatus()
        status.code = code
        status.message = message
        return (try? status.serializedBytes()) ?? []
    }
}
