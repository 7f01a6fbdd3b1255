import Foundation
import Testing

/// Live tail over Server-Sent Events from the real binary: ids are sequence numbers, `Last-Event-ID`
/// resumes exactly, pings keep the connection alive.
@Suite(.serialized) struct TailProcessTests {
    /// Reads SSE events from one connection.
    final class EventStream {
        let connection: RawHTTP.Connection
        private var pending = ""

        init(port: Int, path: String, lastEventID: UInt64? = nil) throws {
            connection = try RawHTTP.Connection(port: port, timeoutSeconds: 30)
            var headers = ["Accept": "text/event-stream"]
            if let lastEventID { headers["Last-Event-ID"] = String(lastEventID) }
            try connection.send(RawHTTP.requestBytes("GET", path, headers: headers, body: []))
        }

        /// The next event block (the lines between blank lines), chunked framing removed loosely:
        /// chunk-size lines are hex-only and never start with `id:`, `data:`, `event:` or `:`.
        func next() throws -> [String] {
            while true {
                if let range = pending.range(of: "\n\n") {
                    let block = String(pending[..<range.lowerBound])
                    pending = String(pending[range.upperBound...])
                    let lines = block.split(separator: "\n").map(String.init).map { $0.replacingOccurrences(of: "\r", with: "") }
                        .filter { $0.hasPrefix("id:") || $0.hasPrefix("data:") || $0.hasPrefix("event:") || $0.hasPrefix(":") || $0.hasPrefix("retry:") }
                    if !lines.isEmpty { return lines }
                    continue
                }
                let chunk = try connection.receive()
                guard !chunk.isEmpty else { throw RawHTTP.Failure(message: "the stream ended") }
                pending += String(decoding: chunk, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            }
        }

        /// The next record event: its id and message.
        func nextRecord() throws -> (id: UInt64, message: String) {
            while true {
                let lines = try next()
                guard let idLine = lines.first(where: { $0.hasPrefix("id: ") }), let id = UInt64(idLine.dropFirst(4)),
                      let data = lines.first(where: { $0.hasPrefix("data: ") }) else { continue }
                let object = try JSONSerialization.jsonObject(with: Data(data.dropFirst(6).utf8)) as? [String: Any]
                return (id, object?["message"] as? String ?? "")
            }
        }
    }

    static func post(_ port: Int, _ messages: [String]) throws {
        let body = messages.map { "{\"ts\":\(nowSeconds),\"source\":\"tail\",\"msg\":\"\($0)\"}\n" }.joined()
        let response = try RawHTTP.request(port: port, "POST", "/insert/jsonline", body: Array(body.utf8))
        #expect(response.status == 200)
    }

    @Test func lastEventIDResumesWithNothingLostOrRepeated() throws {
        let server = try ServerProcess(["--no-access-log", "--tail-ping-ms", "200"])
        defer { server.removeFiles() }
        let first = try EventStream(port: server.port, path: "/api/v1/tail?where=source%20%3D%20%22tail%22")
        #expect(try first.next().contains("retry: 2000"))   // the stream is open before records are sent
        try Self.post(server.port, (0..<10).map { "m\($0)" })
        var received: [(UInt64, String)] = []
        for _ in 0..<4 { received.append(try first.nextRecord()) }
        #expect(received.map(\.1) == ["m0", "m1", "m2", "m3"])
        let resumeAfter = received[3].0
        // The client reconnects (its old connection stays open, unread); more records arrive meanwhile.
        try Self.post(server.port, (10..<15).map { "m\($0)" })
        try Self.post(server.port, ["other"].map { $0 })
        let second = try EventStream(port: server.port, path: "/api/v1/tail?where=source%20%3D%20%22tail%22%20and%20message%20~%20%22m%22",
                                     lastEventID: resumeAfter)
        var resumed: [(UInt64, String)] = []
        for _ in 0..<11 { resumed.append(try second.nextRecord()) }
        #expect(resumed.map(\.1) == (4..<15).map { "m\($0)" })
        #expect(zip(resumed, resumed.dropFirst()).allSatisfy { $0.0 < $1.0 })
        #expect(resumed.first.map { $0.0 > resumeAfter } == true)
        // Pings keep an idle stream alive.
        var sawPing = false
        for _ in 0..<5 where !sawPing { sawPing = try second.next().contains(":ping") }
        #expect(sawPing)
        // SIGTERM ends the open event streams (both connections are still open) and exits 0.
        #expect(server.terminate() == 0)
        _ = first
    }
}
