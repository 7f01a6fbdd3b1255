import Hummingbird
import LogStoreFormat

/// Small builders for the answers every route gives.
enum Responses {
    static func bytes(_ status: HTTPResponse.Status, _ body: [UInt8], contentType: String,
                      extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String, extra: HTTPFields = [:]) -> Response {
        bytes(status, Array((text + "\n").utf8), contentType: "text/plain; charset=utf-8", extra: extra)
    }

    /// `{"error": "…"}` with `status`.
    static func jsonError(_ status: HTTPResponse.Status, _ message: String, extra: HTTPFields = [:]) -> Response {
        var out = JSONWriter()
        out.raw("{\"error\":")
        out.string(message)
        out.raw("}\n")
        return bytes(status, out.bytes, contentType: "application/json", extra: extra)
    }

    /// The Retry-After header, in seconds.
    static func retryAfter(_ seconds: Int) -> HTTPFields { [.retryAfter: String(seconds)] }
}

/// The media type of a Content-Type value, lowercased, without parameters (`application/json`).
func mediaType(_ request: Request) -> String {
    guard let value = request.headers[.contentType] else { return "" }
    let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
    return type.lowercased().trimmingSpaces
}
