import CZlib
import Foundation
import Hummingbird
import LogStore
import LogStoreProtocols
import SwiftProtobuf

/// A real OTLP/HTTP receiver on loopback (Hummingbird), answering each `POST /v1/logs` as a script says:
/// status, headers and body per request, then 200. It keeps what it received (decompressed and decoded)
/// and when, so tests check the exporter from the outside, as a collector would see it.
final class OTLPTestReceiver: Sendable {
    /// One scripted answer.
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        /// When set, a `Retry-After` HTTP date this many seconds after the moment of answering.
        var retryAfterDateIn: Double?

        static let ok = Answer(status: .ok)
        static func partialSuccess(rejected: Int64, message: String) -> Answer {
            var response = OTLPExportResponse()
            response.partialSuccess.rejectedLogRecords = rejected
            response.partialSuccess.errorMessage = message
            return Answer(status: .ok, headers: [("Content-Type", "application/x-protobuf")], body: (try? response.serializedBytes()) ?? [])
        }
        static func status(_ code: Int, message: String, headers: [(String, String)] = []) -> Answer {
            var status = OTLPStatus()
            status.code = 14
            status.message = message
            return Answer(status: .init(code: code), headers: headers + [("Content-Type", "application/x-protobuf")],
                          body: (try? status.serializedBytes()) ?? [])
        }
    }

    /// One request as received.
    struct Received: Sendable {
        var at: ContinuousClock.Instant
        var contentEncoding: String?
        var contentType: String?
        var request: OTLPExportRequest?
        /// The idempotency keys of its records, in order.
        var keys: [String] {
            guard let request else { return [] }
            return request.resourceLogs.flatMap { $0.scopeLogs.flatMap { $0.logRecords.flatMap { r in
                r.attributes.filter { $0.key == "logstore.idempotency_key" }.map(\.value.stringValue)
            } } }
        }
    }

    private let state = LockedState<(script: [Answer], received: [Received])>(([], []))
    private let task: Task<Void, any Error>
    let port: Int

    init(script: [Answer]) async throws {
        state.withLock { $0.script = script }
        let router = Router()
        let state = self.state
        router.post("/v1/logs") { request, _ -> Response in
            let compressed = try await request.body.collect(upTo: 64 << 20)
            let raw = Array(compressed.readableBytesView)
            let encoding = request.headers[.contentEncoding]
            let body = encoding == "gzip" ? gunzip(raw) : raw
            let decoded = body.flatMap { try? OTLPExportRequest(serializedBytes: $0) }
            let answer = state.withLock { s -> Answer in
                s.received.append(Received(at: .now, contentEncoding: encoding, contentType: request.headers[.contentType], request: decoded))
                return s.script.isEmpty ? .ok : s.script.removeFirst()
            }
            var headers = HTTPFields()
            if let seconds = answer.retryAfterDateIn { headers[.retryAfter] = httpDate(Date().addingTimeInterval(seconds)) }
            for (name, value) in answer.headers {
                switch name {
                case "Retry-After": headers[.retryAfter] = value
                default: headers[.contentType] = value
                }
            }
            return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        let bound = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in bound.continuation.yield(channel.localAddress?.port ?? 0) })
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = bound.stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    deinit { task.cancel() }

    var url: String { "otlp+http://127.0.0.1:\(port)" }
    var received: [Received] { state.withLock { $0.received } }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// `bytes` gunzipped, or nil when they are not gzip.
func gunzip(_ bytes: [UInt8]) -> [UInt8]? {
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var input = bytes
    return input.withUnsafeMutableBufferPointer { inputBuffer -> [UInt8]? in
        stream.next_in = inputBuffer.baseAddress
        stream.avail_in = uInt(inputBuffer.count)
        while true {
            let (rc, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                let rc = inflate(&stream, Z_NO_FLUSH)
                return (rc, out.count - Int(stream.avail_out))
            }
            output.append(contentsOf: chunk[0..<produced])
            if rc == Z_STREAM_END { return output }
            if rc != Z_OK { return nil }
        }
    }
}


/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
func httpDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return formatter.string(from: date)
}
