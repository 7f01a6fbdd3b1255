import AsyncHTTPClient
import LogStoreProtocols
import SwiftProtobuf

/// One OTLP/HTTP export (`POST` of a gzip-compressed protobuf `ExportLogsServiceRequest`), with the
/// answer classified as the OTLP specification says (docs/FORWARDING.md 8): 200 is success, possibly
/// partial; 429, 502, 503 and 504 (and no answer at all) may be retried, after `Retry-After` when the
/// receiver sends one; every other status is a permanent rejection.
struct OTLPExportHTTP: Sendable {
    let target: OTLPTarget
    let client: HTTPClient
    let timeout: Duration

    /// What the receiver said.
    enum Outcome: Sendable, Equatable {
        /// Accepted; `rejected` records of it were not (`partial_success`), for the reason `message`.
        case accepted(rejected: Int64, message: String)
        /// Not accepted now: retry, after `retryAfter` when the receiver asked for a pause.
        case retry(reason: String, retryAfter: Duration?)
        /// Not accepted, for good (any other status).
        case rejected(reason: String)
    }

    /// At most this much of an answer is read.
    static let maxAnswerBytes = 1 << 20

    /// Sends `body` (already gzip-compressed protobuf).
    func export(_ body: [UInt8]) async -> Outcome {
        var request = HTTPClientRequest(url: target.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        request.headers.add(name: "Content-Encoding", value: "gzip")
        request.body = .bytes(body)
        let status: UInt
        let answer: [UInt8]
        let retryAfter: String?
        let contentType: String
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)))
            status = response.status.code
            retryAfter = response.headers.first(name: "Retry-After")
            contentType = response.headers.first(name: "Content-Type") ?? ""
            answer = Array(buffer: try await response.body.collect(upTo: Self.maxAnswerBytes))
        } catch {
            return .retry(reason: "no answer (\(error))", retryAfter: nil)
        }
        let summary = Self.summary(answer, contentType: contentType)
        switch status {
        case 200..<300:
            guard !contentType.contains("json"), !answer.isEmpty,
                  let response = try? OTLPExportResponse(serializedBytes: answer), response.hasPartialSuccess else {
                return .accepted(rejected: 0, message: "")
            }
            return .accepted(rejected: response.partialSuccess.rejectedLogRecords, message: response.partialSuccess.errorMessage)
        case 429, 502, 503, 504:
            let pause = retryAfter.flatMap { RetryAfter.pause($0, nowSeconds: RetryAfter.nowSeconds()) }
            return .retry(reason: "HTTP \(status)\(summary.isEmpty ? "" : ": " + summary)", retryAfter: pause)
        default:
            return .rejected(reason: "HTTP \(status)\(summary.isEmpty ? "" : ": " + summary)")
        }
    }

    /// The message of a `google.rpc.Status` answer, else the answer's first line as text (at most 500 characters).
    static func summary(_ answer: [UInt8], contentType: String) -> String {
        if contentType.contains("protobuf"), let status = try? OTLPStatus(serializedBytes: answer), !status.message.isEmpty {
            return status.message
        }
        let text = String(decoding: answer.prefix(2000), as: UTF8.self)
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return line.count > 500 ? String(line.prefix(500)) + "…" : line
    }
}
