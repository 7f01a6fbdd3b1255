import Hummingbird
import LogStoreProtocols

/// How one ingest protocol words its error answers.
protocol IngestDialect: Sendable {
    /// The metrics label (`otlp`, `jsonline`, `loki`).
    var name: String { get }
    func error(_ status: HTTPResponse.Status, _ message: String, extra: HTTPFields) -> Response
}

/// OTLP/HTTP: errors are a `google.rpc.Status` in the request's encoding.
struct OTLPDialect: IngestDialect {
    let json: Bool
    var name: String { "otlp" }

    func error(_ status: HTTPResponse.Status, _ message: String, extra: HTTPFields) -> Response {
        let body = OTLPResponses.status(code: Self.grpcCode(status), message: message, json: json)
        return Responses.bytes(status, body, contentType: json ? "application/json" : "application/x-protobuf", extra: extra)
    }

    /// The gRPC status code that matches an HTTP status (google.rpc.Code).
    static func grpcCode(_ status: HTTPResponse.Status) -> Int32 {
        switch status.code {
        case 400, 413, 415: 3        // INVALID_ARGUMENT
        case 401: 16                 // UNAUTHENTICATED
        case 403: 7                  // PERMISSION_DENIED
        case 405: 9                  // FAILED_PRECONDITION
        case 429: 8                  // RESOURCE_EXHAUSTED
        case 503: 14                 // UNAVAILABLE
        default: 2                   // UNKNOWN
        }
    }
}

/// NDJSON and Loki: errors are `{"error": "…"}`.
struct PlainDialect: IngestDialect {
    let name: String
    func error(_ status: HTTPResponse.Status, _ message: String, extra: HTTPFields) -> Response {
        Responses.jsonError(status, message, extra: extra)
    }
}
